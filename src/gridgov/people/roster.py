"""The grid roster as communities keep it (网格员花名册): one row per post, read from Excel.

The seeds' rosters and boards carry 姓名, 单位, 职务, 联系电话, the grid (by code, or by its name path
街道/社区/网格), 专职/兼职 and 任职日期 — no sign-in names. So a row's account is its 账号 column when the
file has one, else the phone number (a person with two posts gives the same phone twice). 职务 names the
post kind (一级网格长, 专职网格员, 人大代表 …), and the kind decides the permission role (models.KIND_ROLES).
Every row is checked before anything is written; any error and nothing is (one transaction).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gridgov.core import audit
from gridgov.core.admin_io import Column
from gridgov.core.errors import BadInput
from gridgov.core.rows import RowError, RowErrors, choice, duplicates, labels, parse_date, row_number, text
from gridgov.people.models import KIND_ROLES, Post, PostKind
from gridgov.people.services import POST_DETAILS, assign_post, check_post_kind, create_user

COLUMNS = (
    Column("full_name", _("full name"), aliases=("姓名", "name")),
    Column("workplace", _("unit"), aliases=("单位", "工作单位")),
    Column("kind", _("post kind"), aliases=("职务", "岗位")),
    Column("phone", _("phone"), aliases=("联系电话", "电话", "手机")),
    Column("grid", _("grid code"), aliases=("网格编码", "网格代码", "网格", "所在网格")),
    Column("full_time", _("full-time or part-time"), aliases=("专职/兼职", "专兼职")),
    Column("start_date", _("start date"), aliases=("任职日期", "任职时间")),
    Column("end_date", _("end date"), aliases=("离任日期", "卸任日期")),
    Column("username", _("username"), aliases=("账号",)),
)
# 职务 as rosters write it beyond the kinds' own names: the flag folded in, or a longer title.
KIND_WORDS = cast(  # cast: mypy reads a TextChoices member as a (value, label) tuple; it is a str
    dict[str, tuple[str, bool | None]],
    {
        "专职网格员": (PostKind.GRID_WORKER, True),
        "兼职网格员": (PostKind.GRID_WORKER, False),
        "网格员": (PostKind.GRID_WORKER, None),
        "一级网格长": (PostKind.STREET_LEADER, None),
        "二级网格长": (PostKind.COMMUNITY_LEADER, None),
        "三级网格长": (PostKind.GRID_LEADER, None),
        "第一书记": (PostKind.FIRST_SECRETARY, None),
        "网格指导员": (PostKind.INSTRUCTOR, None),
        "微网格员": (PostKind.MICRO_WORKER, None),
        "微网格长": (PostKind.MICRO_WORKER, None),
        "联户党员": (PostKind.PARTY_LIAISON, None),
        "人大代表": (PostKind.NPC_DEPUTY, None),
        "政协委员": (PostKind.CPPCC_MEMBER, None),
        "督导员": (PostKind.SUPERVISOR, None),
        "调解员": (PostKind.MEDIATOR, None),
        "人民调解员": (PostKind.MEDIATOR, None),
    },
)
FULL_TIME_WORDS = {"专职": True, "全职": True, "full-time": True, "兼职": False, "part-time": False}


@dataclass
class RosterRow:
    row: int
    username: str
    full_name: str
    scope: str
    kind: str
    phone: str
    workplace: str
    full_time: bool | None
    start_date: date | None
    end_date: date | None


def _kind(raw: str) -> tuple[str | None, bool | None]:
    compact = "".join(raw.split())
    if compact in KIND_WORDS:
        return KIND_WORDS[compact]
    return choice(raw, PostKind), None


def _grid(raw: str, grids: dict[str, Any], paths: dict[str, list[str]]) -> tuple[str | None, str]:
    """A grid code, or a name path (林山寨街道/建设路社区/第一网格) unique among current grids; else an error."""
    if raw in grids:
        return raw, ""
    found = paths.get("/".join(part.strip() for part in raw.replace("／", "/").split("/") if part.strip()), [])
    if len(found) == 1:
        return found[0], ""
    if found:
        return None, gettext("several grids are called %(grid)s: give the grid code") % {"grid": raw}
    return None, gettext("unknown grid %(grid)s: give a current grid's code or its name path") % {"grid": raw}


def _known_grids() -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The current grids: code → level, and every name path (from the district down, and from the street
    down) → codes."""
    from gridgov.grids.models import Grid

    rows = list(Grid.objects.filter(valid_to__isnull=True).values_list("code", "name", "level", "parent__code"))
    by_code = {code: (name, level, parent) for code, name, level, parent in rows}
    paths: dict[str, list[str]] = {}
    for code in by_code:
        names, node = [], code
        while node in by_code:
            names.append(by_code[node][0])
            node = by_code[node][2]
        names.reverse()
        for start in range(len(names)):
            paths.setdefault("/".join(names[start:]), []).append(code)
    return {code: level for code, (_n, level, _p) in by_code.items()}, paths


def _parse(row: Mapping[str, Any], number: int, grids, paths, fail) -> RosterRow:
    full_name = text(row.get("full_name"))
    if not full_name:
        fail(gettext("the name (姓名) is missing"))
    phone = text(row.get("phone"))
    username = text(row.get("username")) or phone
    if not username:
        fail(gettext("neither an account (账号) nor a phone (联系电话): the person cannot be told apart"))
    raw_kind = text(row.get("kind"))
    kind, flag = _kind(raw_kind) if raw_kind else (None, None)
    if not raw_kind:
        fail(gettext("the post (职务) is missing"))
    elif kind is None:
        fail(gettext("unknown post %(kind)s: use one of %(kinds)s") % {"kind": raw_kind, "kinds": labels(PostKind)})
    raw_flag = text(row.get("full_time"))
    if raw_flag:
        word = FULL_TIME_WORDS.get(raw_flag.casefold())
        if word is None:
            fail(gettext("专职/兼职 must be 专职 or 兼职, not %(value)s") % {"value": raw_flag})
        elif flag is not None and word != flag:
            fail(gettext("the post says %(kind)s but the row says %(value)s") % {"kind": raw_kind, "value": raw_flag})
        flag = word if word is not None else flag
    scope = ""
    raw_grid = text(row.get("grid"))
    if not raw_grid:
        fail(gettext("the grid (网格编码) is missing"))
    else:
        code, problem = _grid(raw_grid, grids, paths)
        if code is None:
            fail(problem)
        else:
            scope = code
    dates: dict[str, date | None] = {}
    for column, label in (("start_date", "任职日期"), ("end_date", "离任日期")):
        raw = text(row.get(column))
        dates[column] = parse_date(row.get(column)) if raw else None
        if raw and dates[column] is None:
            fail(gettext("%(column)s %(value)s is not a date (2027-01-31)") % {"column": label, "value": raw})
    workplace = text(row.get("workplace"))
    for value, limit, label in ((full_name, 150, "姓名"), (phone, 32, "联系电话"), (workplace, 100, "单位")):
        if len(value) > limit:
            fail(gettext("%(column)s is longer than %(limit)d characters") % {"column": label, "limit": limit})
    if kind and scope:
        try:
            check_post_kind(kind=kind, role=KIND_ROLES[kind], scope=scope, **dates)
        except BadInput as exc:
            fail(exc.message)
    elif dates["start_date"] and dates["end_date"] and dates["end_date"] < dates["start_date"]:
        fail(gettext("the end date is before the start date"))
    return RosterRow(
        row=number,
        username=username,
        full_name=full_name,
        scope=scope,
        kind=kind or "",
        phone=phone,
        workplace=workplace,
        full_time=flag,
        start_date=dates["start_date"],
        end_date=dates["end_date"],
    )


@transaction.atomic
def import_roster(*, rows: Sequence[Mapping[str, Any]], actor=None, source: str = "") -> dict[str, int]:
    """网格花名册导入: posts from a roster in the seeds' form, all or nothing. Returns `{created, updated,
    unchanged, users_created}` (the first three count posts). A new person gets an account without a
    password (an administrator sets one); every post is written by `assign_post` (checked, audited)."""
    grids, paths = _known_grids()
    errors: list[RowError] = []
    parsed: list[RosterRow] = []
    for index, row in enumerate(rows):
        number = row_number(row, index)
        problems: list[str] = []
        parsed.append(_parse(row, number, grids, paths, problems.append))
        errors.extend(RowError(number, parsed[-1].full_name or parsed[-1].username, p) for p in problems)
    keys = [(p.row, (p.username, KIND_ROLES.get(p.kind), p.scope)) for p in parsed if p.kind and p.scope]
    for number, first in duplicates(keys).items():
        errors.append(
            RowError(number, "", gettext("the same post as row %(first)d: one row per post") % {"first": first})
        )
    names: dict[str, tuple[int, str]] = {}
    for p in parsed:
        if p.username and p.full_name and names.setdefault(p.username, (p.row, p.full_name))[1] != p.full_name:
            first, name = names[p.username]
            errors.append(
                RowError(
                    p.row,
                    p.full_name,
                    gettext("account %(account)s is %(a)s in row %(first)d: one account, one name")
                    % {"account": p.username, "a": name, "first": first},
                )
            )
    if errors:
        raise RowErrors(sorted(errors, key=lambda e: e.row))

    users = {u.username: u for u in get_user_model().objects.filter(username__in={p.username for p in parsed})}
    users_created = 0
    for p in parsed:
        if p.username not in users:
            users[p.username] = create_user(username=p.username, password=None, full_name=p.full_name)
            users_created += 1
    existing = {
        (post.user_id, post.role, post.scope): post
        for post in Post.objects.filter(user__in=list(users.values())).order_by("pk")
    }
    created = updated = 0
    for p in parsed:
        user, role = users[p.username], KIND_ROLES[p.kind]
        details = {name: getattr(p, name) for name in POST_DETAILS}
        post = existing.get((user.pk, role, p.scope))
        title = post.title if post else ""  # a free title given before stays
        current = None if post is None else ({k: getattr(post, k) for k in POST_DETAILS}, post.phone)
        if current == (details, p.phone):
            continue
        assign_post(user=user, role=role, scope=p.scope, title=title, phone=p.phone, details=details, actor=actor)
        if post is None:
            created += 1
        else:
            updated += 1
    result = {
        "created": created,
        "updated": updated,
        "unchanged": len(parsed) - created - updated,
        "users_created": users_created,
    }
    audit.record(actor=actor, action="people.import_roster", object_type="roster", data={"source": source, **result})
    return result
