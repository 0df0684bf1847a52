"""Writes about people: API tokens, accounts, posts, units, and rosters of them from files."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.core import audit
from gridgov.core.errors import BadInput, Conflict, NotAuthenticated, NotFound
from gridgov.core.rows import RowError, RowErrors, choice, duplicates, labels, parse_bool, row_number, text
from gridgov.people import login_guard
from gridgov.people.models import GRID_SCOPED_ROLES, ApiToken, Post, Role, Unit, UnitKind

# How long a token lives (GRIDGOV_TOKEN_HOURS, a working day) and how long renewals may carry a sign-in on
# (GRIDGOV_TOKEN_MAX_DAYS): after that the person types the password again. `created_at` of a renewed token
# keeps the time of that sign-in, so the chain's age needs no other field.
LAST_USED_STEP = timedelta(minutes=1)  # last_used_at is written at most this often per token


def token_lifetime() -> timedelta:
    return timedelta(hours=settings.GRIDGOV_TOKEN_HOURS)


def token_max_age() -> timedelta:
    return timedelta(days=settings.GRIDGOV_TOKEN_MAX_DAYS)


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _new_token(*, user, label: str, now, signed_in_at=None) -> tuple[str, ApiToken]:
    """A token and its key; `signed_in_at` (a renewal) is the time of the sign-in it carries on."""
    key = secrets.token_urlsafe(32)
    expires_at = min(now + token_lifetime(), (signed_in_at or now) + token_max_age())
    token = ApiToken.objects.create(user=user, key_hash=token_hash(key), expires_at=expires_at, label=label[:100])
    if signed_in_at is not None:  # auto_now_add set created_at to now
        ApiToken.objects.filter(pk=token.pk).update(created_at=signed_in_at)
        token.created_at = signed_in_at
    return key, token


def issue_token(*, username: str, password: str, client: str = "", label: str = "") -> str:
    """A bearer token for a staff account; only its hash is kept. The password is checked first, outside
    any transaction (it takes ≈ 300 ms: never while holding SQLite's write lock), throttled and logged per
    account and per `client` (people.login_guard); then one short transaction writes the token."""
    user = login_guard.authenticate(username=username, password=password, client=client, via="api")
    now = timezone.now()
    with transaction.atomic():
        key, token = _new_token(user=user, label=label, now=now)
        audit.record(
            actor=user,
            action="auth.token",
            object_type="user",
            object_id=user.pk,
            data={"token": token.pk, "label": token.label, "client": client},
        )
    return key


def token_for_key(key: str) -> ApiToken:
    """The valid token with this key (令牌), or NotAuthenticated saying why not and what to do. Records
    `last_used_at`, at most once a minute per token (a write per request would take SQLite's write lock
    on every read)."""
    now = timezone.now()
    token = ApiToken.objects.select_related("user").filter(key_hash=token_hash(key)).first() if key else None
    if token is None:
        raise NotAuthenticated(gettext("the token is missing, wrong or expired: get one with POST /api/v1/auth/token"))
    if token.revoked_at is not None or not token.user.is_active:
        raise NotAuthenticated(
            gettext(
                "this token was revoked (signed out, password changed or account switched "
                "off): sign in again with POST /api/v1/auth/token"
            )
        )
    if token.expires_at <= now:
        raise NotAuthenticated(
            gettext(
                "this token has expired: sign in again with POST /api/v1/auth/token (renew "
                "a token before it expires with POST /api/v1/auth/token/renew)"
            )
        )
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_STEP:
        # conditional, so that concurrent requests of one token write once
        (
            ApiToken.objects.filter(pk=token.pk)
            .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_STEP))
            .update(last_used_at=now)
        )
        token.last_used_at = now
    return token


def user_for_token(key: str):
    """The user of a valid token, or None (unknown, expired, revoked)."""
    try:
        return token_for_key(key).user
    except NotAuthenticated:
        return None


@transaction.atomic
def renew_token(*, token: ApiToken, client: str = "") -> str:
    """续期: a fresh token for the holder of a valid one, which is revoked at once — a stolen token is not
    kept alive by its owner, and the owner's next renewal fails once a thief renewed first. Renewals carry
    the sign-in on for at most GRIDGOV_TOKEN_MAX_DAYS: no token outlives that (the last renewal's is shorter)."""
    now = timezone.now()
    current = (
        ApiToken.objects.select_for_update().filter(pk=token.pk, revoked_at__isnull=True, expires_at__gt=now).first()
    )
    if current is None:
        raise NotAuthenticated(
            gettext("this token was revoked or has expired: sign in again with POST /api/v1/auth/token")
        )
    current.revoked_at = now
    current.save(update_fields=["revoked_at"])
    key, fresh = _new_token(user=token.user, label=current.label, signed_in_at=current.created_at, now=now)
    audit.record(
        actor=token.user,
        action="auth.token_renewed",
        object_type="api_token",
        object_id=fresh.pk,
        data={"old": current.pk, "client": client},
    )
    return key


@transaction.atomic
def revoke_token(*, token_id: int, actor, owner=None) -> ApiToken:
    """吊销: end one token now. With `owner` (a person revoking their own) another's token is NotFound,
    as if it did not exist; without (an administrator) any token. Revoking a revoked token changes nothing."""
    tokens = ApiToken.objects.select_for_update().select_related("user")
    if owner is not None:
        tokens = tokens.filter(user=owner)
    token = tokens.filter(pk=token_id).first() if 0 < token_id < 2**63 else None  # a bigint, or no token
    if token is None:
        raise NotFound(
            gettext("token %(id)s does not exist: list yours with GET /api/v1/auth/tokens") % {"id": token_id}
        )
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            actor=actor,
            action="auth.token_revoked",
            object_type="api_token",
            object_id=token.pk,
            data={"user": token.user.get_username(), "label": token.label},
        )
    return token


@transaction.atomic
def revoke_all_tokens(*, user, reason: str, actor=None) -> int:
    """End every live token of a person (password changed, account switched off); returns how many."""
    count = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if count:
        audit.record(
            actor=actor,
            action="auth.tokens_revoked",
            object_type="user",
            object_id=user.pk,
            data={"user": user.get_username(), "reason": reason, "count": count},
        )
    return count


def check_password_policy(password: str, user) -> None:
    """BadInput with the password validators' own (translated) messages when `password` breaks the
    policy (settings.AUTH_PASSWORD_VALIDATORS, docs/security.md)."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise BadInput(" ".join(str(m) for m in exc.messages)) from exc


@transaction.atomic
def set_password(*, user, password: str, actor=None) -> None:
    """设置密码: a new password that follows the policy; the person's tokens and other sessions end
    (people.signals revokes the tokens; Django's session hash ends the sessions)."""
    check_password_policy(password, user)
    user.set_password(password)
    user.save()
    audit.record(
        actor=actor,
        action="people.set_password",
        object_type="user",
        object_id=user.pk,
        data={"user": user.get_username()},
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
    actor=None,
) -> Post:
    """任命: give a person a role over a grid subtree or a unit. `public` None keeps the post's board flag."""
    _check_post(role, scope)
    defaults = {"title": title, "phone": phone, "active": active}
    if public is not None:
        defaults["public"] = public
    post, _ = Post.objects.update_or_create(user=user, role=role, scope=scope, defaults=defaults)
    audit.record(
        actor=actor,
        action="people.assign_post",
        object_type="post",
        object_id=post.pk,
        data={"user": user.get_username(), "role": role, "scope": scope},
    )
    return post


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
    actor=None,
) -> Post:
    """Change a post (岗位) in place: who, which role over which scope, its title, phone and flags; the same
    checks as `assign_post`. A post is ended by switching it off (`active`) or by `remove_post`."""
    _check_post(role, scope)
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
    }
    post.user, post.role, post.scope, post.title, post.phone = user, role, scope, title, phone
    post.public, post.active = public, active
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


def create_user(*, username: str, password: str | None, full_name: str = "", fast_hash: bool = False):
    """A staff account; `password` None leaves it without one until an administrator sets it. `fast_hash`
    (demo only) stores a cheap PBKDF2 hash that Django upgrades to full strength at the first login —
    hashing a thousand demo passwords at full cost takes minutes."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    user_model = get_user_model()
    user = user_model(username=username, first_name=full_name[:150])
    if password is not None:
        check_password_policy(password, user)
    if password is None:
        user.set_unusable_password()
    elif fast_hash:
        user.password = PBKDF2PasswordHasher().encode(password, PBKDF2PasswordHasher().salt(), iterations=1000)
    else:
        user.set_password(password)
    user.save()
    return user


# ---- rosters from files (花名册导入) -------------------------------------------------------------

UNIT_CODE_RE = re.compile(r"^D\d{9}$")


def _flag(row: Mapping[str, Any], name: str, label: str, fail) -> bool | None:
    """An optional yes/no column: None when absent or blank (keep what is there)."""
    if not text(row.get(name)):
        return None
    value = parse_bool(row[name])
    if value is None:
        fail(gettext("%(column)s must be 是/yes or 否/no, not %(value)s") % {"column": label, "value": text(row[name])})
    return value


def _too_long(value: str, limit: int, label: str, fail) -> None:
    if len(value) > limit:
        fail(gettext("%(column)s is longer than %(limit)d characters") % {"column": label, "limit": limit})


@dataclass
class _PostRow:
    row: int
    username: str
    full_name: str
    role: str
    scope: str
    fields: dict[str, Any] = field(default_factory=dict)  # title, phone, public, active: those the file has


def _post_row(row: Mapping[str, Any], number: int, known: dict[str, dict], fail) -> _PostRow:
    """One roster row, checked against the grids and units the file names (`known`)."""
    from django.contrib.auth.validators import UnicodeUsernameValidator
    from django.core.exceptions import ValidationError

    username = text(row.get("username"))
    if not username:
        fail(gettext("username is missing"))
    else:
        try:
            UnicodeUsernameValidator()(username)
        except ValidationError:
            fail(gettext("username %(name)s may hold only letters, digits and @.+-_") % {"name": username})
        _too_long(username, 150, gettext("username"), fail)
    full_name = text(row.get("full_name"))
    _too_long(full_name, 150, gettext("full name"), fail)
    raw_role = text(row.get("role"))
    role = choice(raw_role, Role) or ""
    if not raw_role:
        fail(gettext("role is missing"))
    elif not role:
        fail(gettext("unknown role %(role)s: use one of %(roles)s") % {"role": raw_role, "roles": labels(Role)})
    scope, unit = text(row.get("scope")), text(row.get("unit"))
    grids, units, by_name = known["grids"], known["units"], known["units_by_name"]
    if not scope and unit and role == Role.DEPARTMENT_HANDLER:  # a department's roster names the unit
        matches = [unit] if unit in units else by_name.get(unit, [])
        if len(matches) > 1:
            fail(gettext("several units are called %(unit)s: give the unit code") % {"unit": unit})
        elif not matches:
            fail(gettext("unknown unit %(unit)s") % {"unit": unit})
        else:
            scope = matches[0]
    elif not scope:
        fail(gettext("scope code is missing"))
    elif role in GRID_SCOPED_ROLES and scope not in grids:
        fail(
            gettext("unknown scope code %(scope)s: a %(role)s is scoped to an existing grid's code")
            % {"scope": scope, "role": Role(role).label}
        )
    elif role == Role.DEPARTMENT_HANDLER and scope not in units:
        fail(
            gettext("unknown scope code %(scope)s: a department handler is scoped to an existing unit's code")
            % {"scope": scope}
        )
    scope_name = (grids if role in GRID_SCOPED_ROLES else units).get(scope)
    if unit and scope_name is not None and unit not in (scope, scope_name):
        fail(
            gettext("unit %(unit)s does not match scope %(scope)s, which is %(name)s")
            % {"unit": unit, "scope": scope, "name": scope_name}
        )
    fields: dict[str, Any] = {}
    for column, label, limit in (("title", gettext("post title"), 60), ("phone", gettext("phone"), 32)):
        if column in row:
            fields[column] = text(row[column])
            _too_long(fields[column], limit, label, fail)
    for column, label in (("public", gettext("public")), ("active", gettext("active"))):
        value = _flag(row, column, label, fail)
        if value is not None:
            fields[column] = value
    return _PostRow(number, username, full_name, role, scope, fields)


@transaction.atomic
def import_people(*, rows: Sequence[Mapping[str, Any]], actor=None, source: str = "") -> dict[str, int]:
    """人员花名册导入: create or update accounts and their posts from the rows of a roster, all or nothing.

    Columns: username, full_name (姓名), phone, role (value or label: grid_worker, 网格员), scope (a grid code,
    or a unit code for a department handler), unit (the name or code of the scope's grid or unit: checked
    against the scope, and enough on its own for a department handler), title, public, active. One row is one
    post, so a person holding two posts has two rows; the same username twice with the same post, or with two
    different names, is an error. Columns the file lacks keep their values; new accounts have no password
    until an administrator sets one. Each new or changed post goes through `assign_post` (audited).
    Returns `{created, updated, unchanged, users_created, users_updated}`; the first three count posts.
    """
    from gridgov.grids.models import Grid

    named = {text(r.get("scope")) for r in rows} | {text(r.get("unit")) for r in rows}
    known: dict[str, dict] = {
        "grids": dict(Grid.objects.filter(code__in=named).values_list("code", "name")),
        "units": dict(Unit.objects.filter(code__in=named).values_list("code", "name")),
        "units_by_name": {},
    }
    for code, name in Unit.objects.filter(name__in=named).values_list("code", "name"):
        known["units_by_name"].setdefault(name, []).append(code)

    errors: list[RowError] = []
    parsed: list[_PostRow] = []
    for index, row in enumerate(rows):
        number = row_number(row, index)
        problems: list[str] = []
        parsed.append(_post_row(row, number, known, problems.append))
        errors.extend(RowError(number, parsed[-1].username, p) for p in problems)
    by_row = {p.row: p for p in parsed}
    for number, first in duplicates([(p.row, (p.username, p.role, p.scope)) for p in parsed]).items():
        p = by_row[number]
        errors.append(
            RowError(
                number,
                p.username,
                gettext("duplicate username %(name)s: rows %(first)d and %(row)d give the same post %(role)s %(scope)s")
                % {"name": p.username, "first": first, "row": number, "role": p.role, "scope": p.scope},
            )
        )
    names: dict[str, tuple[int, str]] = {}
    for p in parsed:
        if p.full_name and names.setdefault(p.username, (p.row, p.full_name))[1] != p.full_name:
            first, name = names[p.username]
            errors.append(
                RowError(
                    p.row,
                    p.username,
                    gettext("duplicate username %(name)s with two names: %(a)s (row %(first)d) and %(b)s (row %(row)d)")
                    % {"name": p.username, "a": name, "first": first, "b": p.full_name, "row": p.row},
                )
            )
    if errors:
        raise RowErrors(sorted(errors, key=lambda e: e.row))

    users = {u.username: u for u in get_user_model().objects.filter(username__in={p.username for p in parsed})}
    renamed = set()
    for username, (_, name) in sorted(names.items()):
        user = users.get(username)
        if user is not None and user.first_name != name[:150]:
            user.first_name = name[:150]
            user.save(update_fields=["first_name"])
            renamed.add(username)
    users_created = 0
    for p in parsed:
        if p.username not in users:
            users[p.username] = create_user(username=p.username, password=None, full_name=p.full_name)
            users_created += 1
    posts = {(post.user_id, post.role, post.scope): post for post in Post.objects.filter(user__in=list(users.values()))}
    created = updated = 0
    for p in parsed:
        user = users[p.username]
        post = posts.get((user.pk, p.role, p.scope))
        current = (
            {"title": post.title, "phone": post.phone, "public": post.public, "active": post.active}
            if post
            else {"title": "", "phone": "", "public": None, "active": True}
        )
        wanted = {**current, **p.fields}
        if post is None or wanted != current:
            assign_post(user=user, role=p.role, scope=p.scope, actor=actor, **wanted)
        if post is None:
            created += 1
        elif wanted != current or p.username in renamed:
            updated += 1
    result = {
        "created": created,
        "updated": updated,
        "unchanged": len(parsed) - created - updated,
        "users_created": users_created,
        "users_updated": len(renamed),
    }
    audit.record(actor=actor, action="people.import", object_type="roster", data={"source": source, **result})
    return result


@transaction.atomic
def import_units(*, rows: Sequence[Mapping[str, Any]], actor=None, source: str = "") -> dict[str, int]:
    """单位导入: create or update departments and non-government handlers by code, all or nothing.

    Columns: code (D + district + 3 digits), name, kind (value or label), district (follows from the code;
    checked when given), phone, active. Columns the file lacks keep their values.
    Returns `{created, updated, unchanged}`.
    """
    errors: list[RowError] = []
    numbers = [row_number(r, i) for i, r in enumerate(rows)]
    codes = [text(r.get("code")) for r in rows]
    existing = {u.code: u for u in Unit.objects.filter(code__in=codes)}
    new: list[Unit] = []
    changed: dict[str, Unit] = {}
    for number, code, row in zip(numbers, codes, rows, strict=True):
        problems: list[str] = []
        fail = problems.append
        if not UNIT_CODE_RE.match(code):
            fail(
                gettext("code %(code)s must be D + the 6-digit district code + 3 digits (D410102001)")
                % {"code": code or "—"}
            )
        unit = existing.get(code) or Unit(code=code, district=code[1:7], kind=UnitKind.DEPARTMENT)
        before = (unit.name, unit.kind, unit.phone, unit.active)
        unit.name = text(row.get("name")) or unit.name
        if not unit.name:
            fail(gettext("name is missing"))
        _too_long(unit.name, 100, gettext("name"), fail)
        raw_kind = text(row.get("kind"))
        kind = choice(raw_kind, UnitKind)
        if raw_kind and kind is None:
            fail(gettext("unknown kind %(kind)s: use one of %(kinds)s") % {"kind": raw_kind, "kinds": labels(UnitKind)})
        unit.kind = kind or unit.kind
        district = text(row.get("district"))
        if district and district != code[1:7]:
            fail(gettext("district %(district)s does not match code %(code)s") % {"district": district, "code": code})
        if "phone" in row:
            unit.phone = text(row["phone"])
            _too_long(unit.phone, 32, gettext("phone"), fail)
        active = _flag(row, "active", gettext("active"), fail)
        unit.active = unit.active if active is None else active
        errors.extend(RowError(number, code, p) for p in problems)
        if unit.pk is None:
            new.append(unit)
        elif before != (unit.name, unit.kind, unit.phone, unit.active):
            changed[code] = unit
    for number, first in duplicates(list(zip(numbers, codes, strict=True))).items():
        message = gettext("code appears twice (rows %(first)d and %(row)d)") % {"first": first, "row": number}
        errors.append(RowError(number, codes[numbers.index(number)], message))
    if errors:
        raise RowErrors(sorted(errors, key=lambda e: e.row))
    Unit.objects.bulk_create(new)
    Unit.objects.bulk_update(list(changed.values()), ["name", "kind", "phone", "active"])
    result = {"created": len(new), "updated": len(changed), "unchanged": len(rows) - len(new) - len(changed)}
    audit.record(actor=actor, action="people.import_units", object_type="units", data={"source": source, **result})
    return result
