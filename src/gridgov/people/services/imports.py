"""Rosters of people and units from files (花名册导入, 单位导入): every row checked, all or nothing."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext

from gridgov.core import audit
from gridgov.core.rows import RowError, RowErrors, choice, duplicates, labels, parse_bool, row_number, text
from gridgov.people.models import GRID_SCOPED_ROLES, Post, Role, Unit, UnitKind
from gridgov.people.services.accounts import create_user
from gridgov.people.services.posts import assign_post

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
