"""Writes about posts (岗位): a role over a grid subtree or a unit, with its kind, dates and details."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from gridgov.core import audit
from gridgov.core.errors import BadInput, Conflict, NotFound
from gridgov.people.models import GRID_SCOPED_ROLES, KIND_LEVELS, KIND_ROLES, Post, PostKind, Role, Unit


def check_post_kind(*, kind: str, role: str, scope: str, start_date: date | None, end_date: date | None) -> None:
    """A post's kind (职务) grants its own role (KIND_ROLES) over a grid of its level, and it ends after it starts."""
    from gridgov.grids.models import CODE_LENGTH

    if kind:
        if kind not in PostKind.values:
            raise BadInput(gettext("unknown post kind %(kind)r") % {"kind": kind})
        if KIND_ROLES[kind] != role:
            raise BadInput(
                gettext("a %(kind)s holds the role %(wanted)s, not %(role)s")
                % {"kind": PostKind(kind).label, "wanted": Role(KIND_ROLES[kind]).label, "role": role}
            )
        level = KIND_LEVELS[kind]
        if level is not None and len(scope) != CODE_LENGTH[level]:
            raise BadInput(
                gettext("a %(kind)s is scoped to a grid of level %(level)d; %(scope)s is not one")
                % {"kind": PostKind(kind).label, "level": level, "scope": scope}
            )
    if start_date and end_date and end_date < start_date:
        raise BadInput(
            gettext("the end date %(end)s is before the start date %(start)s") % {"end": end_date, "start": start_date}
        )


def _check_post(role: str, scope: str) -> None:
    """A role exists and its scope is a grid (or, for a department handler, a unit) that exists."""
    from gridgov.grids.models import Grid

    if role not in Role.values:
        raise BadInput(gettext("unknown role %(role)r") % {"role": role})
    if role in GRID_SCOPED_ROLES:
        if not Grid.objects.filter(code=scope).exists():
            raise BadInput(
                gettext("%(role)s needs a grid code as scope; %(scope)r is not a grid") % {"role": role, "scope": scope}
            )
    elif not Unit.objects.filter(code=scope).exists():
        raise BadInput(
            gettext("%(role)s needs a unit code as scope; %(scope)r is not a unit") % {"role": role, "scope": scope}
        )


@transaction.atomic
def assign_post(
    *,
    user,
    role: str,
    scope: str,
    title: str = "",
    phone: str = "",
    public: bool | None = None,
    active: bool = True,
    details: Mapping[str, Any] | None = None,
    actor=None,
) -> Post:
    """任命: give a person a role over a grid subtree or a unit. `public` None keeps the post's board flag;
    `details` sets what it names of kind, full_time, workplace, start_date, end_date and keeps the rest."""
    _check_post(role, scope)
    details = dict(details or {})
    unknown = set(details) - set(POST_DETAILS)
    if unknown:
        raise BadInput(gettext("unknown post fields: %(names)s") % {"names": ", ".join(sorted(unknown))})
    existing = Post.objects.filter(user=user, role=role, scope=scope).values(*POST_DETAILS).first()
    merged = {**POST_DETAILS, **(existing or {}), **details}
    check_post_kind(role=role, scope=scope, **{k: merged[k] for k in ("kind", "start_date", "end_date")})
    defaults = {"title": title, "phone": phone, "active": active, **details}
    if public is not None:
        defaults["public"] = public
    post, _ = Post.objects.update_or_create(user=user, role=role, scope=scope, defaults=defaults)
    audit.record(
        actor=actor,
        action="people.assign_post",
        object_type="post",
        object_id=post.pk,
        data={"user": user.get_username(), "role": role, "scope": scope, **_plain(details)},
    )
    return post


# The post's details beyond role and scope, with the values of a post that states none of them.
POST_DETAILS: dict[str, Any] = {"kind": "", "full_time": None, "workplace": "", "start_date": None, "end_date": None}


def _plain(details: Mapping[str, Any]) -> dict[str, Any]:
    """Details as the audit log's JSON holds them (dates as ISO text)."""
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in details.items()}


@transaction.atomic
def edit_post(
    *,
    post_id: int,
    user,
    role: str,
    scope: str,
    title: str = "",
    phone: str = "",
    public: bool = True,
    active: bool = True,
    kind: str = "",
    full_time: bool | None = None,
    workplace: str = "",
    start_date: date | None = None,
    end_date: date | None = None,
    actor=None,
) -> Post:
    """Change a post (岗位) in place: who, which role over which scope, its kind, title, unit, phone, dates
    and flags; the same checks as `assign_post`. A post is ended by its end date, by switching it off
    (`active`) or by `remove_post`."""
    _check_post(role, scope)
    check_post_kind(kind=kind, role=role, scope=scope, start_date=start_date, end_date=end_date)
    details = {
        "kind": kind,
        "full_time": full_time,
        "workplace": workplace,
        "start_date": start_date,
        "end_date": end_date,
    }
    post = Post.objects.select_for_update().filter(pk=post_id).first()
    if post is None:
        raise NotFound(gettext("post %(id)s does not exist (any more): reload the list") % {"id": post_id})
    if Post.objects.filter(user=user, role=role, scope=scope).exclude(pk=post_id).exists():
        raise Conflict(
            gettext("%(user)s already holds %(role)s over %(scope)s: change that post instead")
            % {"user": user.get_username(), "role": Role(role).label, "scope": scope}
        )
    before = {
        "user": post.user.get_username(),
        "role": post.role,
        "scope": post.scope,
        "title": post.title,
        "phone": post.phone,
        "public": post.public,
        "active": post.active,
        **_plain({k: getattr(post, k) for k in POST_DETAILS}),
    }
    post.user, post.role, post.scope, post.title, post.phone = user, role, scope, title, phone
    post.public, post.active = public, active
    for name, value in details.items():
        setattr(post, name, value)
    post.save()
    audit.record(
        actor=actor,
        action="people.edit_post",
        object_type="post",
        object_id=post.pk,
        data={
            "before": before,
            "after": {
                "user": user.get_username(),
                "role": role,
                "scope": scope,
                "title": title,
                "phone": phone,
                "public": public,
                "active": active,
                **_plain(details),
            },
        },
    )
    return post


@transaction.atomic
def remove_post(*, post_id: int, actor=None) -> None:
    """免去: take a post away (its cases stay with its scope, which other posts serve)."""
    post = Post.objects.select_for_update().select_related("user").filter(pk=post_id).first()
    if post is None:
        return  # already gone
    data = {"user": post.user.get_username(), "role": post.role, "scope": post.scope}
    post.delete()
    audit.record(actor=actor, action="people.remove_post", object_type="post", object_id=str(post_id), data=data)
