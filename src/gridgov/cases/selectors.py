"""Reads of cases, scoped to the actor; personal data masked unless revealed (and then logged)."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta

from django.db.models import Case as SqlCase
from django.db.models import F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from gridgov.cases import deadlines, permissions
from gridgov.cases.event_actors import event_actors, public_actors
from gridgov.cases.models import Case, CaseEvent, Status
from gridgov.cases.phones import search_key
from gridgov.cases.transitions import LABELS, OPEN_STATUSES
from gridgov.core.errors import BadInput, NotFound
from gridgov.core.geo import distance_m
from gridgov.core.privacy import mask_name, mask_phone
from gridgov.core.timefmt import iso
from gridgov.people.actors import Actor

# The public status in plain words (zh-hans: 已受理，等待立案 …), translated when shown: lazy.
PUBLIC_STATUS_WORDS = {
    "reported": gettext_lazy("Received, waiting to be registered"),
    "registered": gettext_lazy("Registered, waiting to be dispatched"),
    "dispatched": gettext_lazy("Dispatched to the responsible unit"),
    "in_progress": gettext_lazy("Being handled"),
    "suspended": gettext_lazy("On hold"),
    "resolved": gettext_lazy("Handled, waiting to be checked"),
    "verified": gettext_lazy("Checked, waiting to be closed"),
    "closed": gettext_lazy("Finished: please rate the result"),
    "evaluated": gettext_lazy("Finished and rated"),
    "rejected": gettext_lazy("Not accepted as a case"),
    "merged": gettext_lazy("Merged with a report of the same problem"),
}


def event_label(action: str) -> str:
    """An event's name in the reader's language (the active one)."""
    label = LABELS.get(action)
    return str(label) if label is not None else action


def visibility(actor: Actor) -> Q:
    """Cases an actor may read: their grids' and platforms' cases (also those their grids assist
    in), and their unit's. Everyone else gets a case as unknown (case_for_staff, services.locking.lock_case)."""
    q = Q(pk__in=[])
    for role, scope in actor.posts:
        if role == "department_handler":
            # its cases now, and the ones it handled before (returned, or handed on)
            q |= (
                Q(lead_unit=scope)
                | Q(assisting_units__icontains=f'"{scope}"')
                | Q(pk__in=CaseEvent.objects.filter(unit=scope).values("case_id"))
            )
        elif scope:
            # assisting_units is a JSON list of codes: '"<scope>' starts one of them
            q |= (
                Q(grid__code__startswith=scope)
                | Q(platform__startswith=scope)
                | Q(lead_unit__startswith=scope)
                | Q(assisting_units__icontains=f'"{scope}')
            )
    return q


def visible_cases(actor: Actor) -> QuerySet[Case]:
    return Case.objects.filter(visibility(actor)).select_related("grid", "category")


def no_such_case(number: str) -> NotFound:
    """The one answer for a case number a person may not read, whether or not the case exists."""
    return NotFound(gettext("no case numbered %(number)s") % {"number": number})


def may_read(actor: Actor, case: Case) -> bool:
    return Case.objects.filter(visibility(actor), pk=case.pk).exists()


def case_for_staff(actor: Actor, number: str) -> Case:
    """The case if the actor may read it. A case outside their grids and units is NotFound exactly like
    a number that does not exist (same status, same message): a number tells an outsider nothing.
    Whoever can read a case but may not take an action on it gets 403 from the service instead."""
    case = Case.objects.select_related("grid", "category", "master").filter(number=number).first()
    if case is None or not may_read(actor, case):
        raise no_such_case(number)
    return case


def overdue(now: datetime) -> Q:
    """Running cases past a deadline now: late to resolve, or (dispatched, not yet signed for) late to
    sign — the moments `deadlines.light_of` turns red. Suspended and finished cases are not overdue."""
    late_to_sign = Q(status="dispatched", accepted_at__isnull=True, sign_by__lt=now)
    return Q(status__in=deadlines.RUNNING) & (Q(resolve_by__lt=now) | late_to_sign)


# The queue's orders: light (red first, then the nearest deadline), age (oldest first), deadline (nearest
# first, cases without one last); the default is the newest report first.
SORTS = ("light", "age", "deadline")
MIN_PHONE_DIGITS = 4  # a phone search needs at least the last 4 digits (as the reporter would read them out)


def _codes(value: str | list[str] | None) -> list[str]:
    return [c for c in ([value] if isinstance(value, str) else (value or [])) if c]


def _prefixes(field: str, codes: list[str]) -> Q:
    q = Q(pk__in=[])
    for code in codes:
        q |= Q(**{f"{field}__startswith": code})
    return q


def phone_digits(phone: str | None) -> str:
    """The digits of a phone number as typed (spaces, dashes and a leading + dropped)."""
    return "".join(ch for ch in (phone or "") if ch.isdigit())


def local_day_range(start: date | None, end: date | None) -> Q:
    """Reported on local dates `start` to `end`, both included (Asia/Shanghai days)."""
    q = Q()
    if start:
        q &= Q(reported_at__gte=timezone.make_aware(datetime.combine(start, time.min)))
    if end:
        q &= Q(reported_at__lt=timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min)))
    return q


def case_list(
    actor: Actor,
    *,
    status: str | None = None,
    light: str | None = None,
    grid: str | list[str] | None = None,
    category: str | list[str] | None = None,
    channel: str | None = None,
    unit: str | None = None,
    overdue_only: bool = False,
    q: str | None = None,
    number: str | None = None,
    phone: str | None = None,
    start: date | None = None,
    end: date | None = None,
    sort: str | None = None,
    now: datetime | None = None,
) -> QuerySet[Case]:
    """The cases an actor may see, filtered and sorted (the queue, its export, the API's list).

    `grid` and `category` are codes or lists of codes (each with its subtree); `q` a keyword in the
    title, description or location description; `number` the start of a case number; `phone` digits
    of the reporter's phone (the caller of the search records the reveal: cases.reveals)."""
    qs = visible_cases(actor)
    if overdue_only:
        qs = qs.filter(overdue(now or timezone.now()))
    if status:
        qs = qs.filter(status__in=status.split(","))
    if light:
        qs = qs.filter(light=light)
    if grid:
        qs = qs.filter(_prefixes("grid__code", _codes(grid)))
    if category:
        qs = qs.filter(_prefixes("category__code", _codes(category)))
    if channel:
        qs = qs.filter(channel=channel)
    if unit:
        qs = qs.filter(Q(lead_unit=unit) | Q(assisting_units__icontains=f'"{unit}"'))
    if q and q.strip():
        word = q.strip()
        qs = qs.filter(Q(title__icontains=word) | Q(description__icontains=word) | Q(address__icontains=word))
    if number and number.strip():
        qs = qs.filter(number__startswith=number.strip())
    if phone is not None and phone.strip():
        digits = phone_digits(phone)
        if len(digits) < MIN_PHONE_DIGITS:
            raise BadInput(
                gettext("give at least %(count)d digits of the caller's phone") % {"count": MIN_PHONE_DIGITS}
            )
        # the phone is encrypted: its tails are found through their keyed digests (cases.phones)
        qs = qs.filter(reporter_phone_keys__contains=f" {search_key(digits)} ")
    if start or end:
        qs = qs.filter(local_day_range(start, end))
    if sort == "light":
        rank = SqlCase(
            When(light="red", then=Value(0)),
            When(light="yellow", then=Value(1)),
            When(light="green", then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        )
        return qs.annotate(light_rank=rank).order_by(
            "light_rank", F("resolve_by").asc(nulls_last=True), "reported_at", "id"
        )
    if sort == "age":
        return qs.order_by("reported_at", "id")
    if sort == "deadline":
        return qs.order_by(F("resolve_by").asc(nulls_last=True), "reported_at", "id")
    return qs.order_by("-reported_at", "-id")


def _grid_ref(case: Case) -> dict:
    return {"code": case.grid.code, "name": case.grid.name, "level": case.grid.level}


def _category(case: Case) -> dict | None:
    return {"code": case.category.code, "name": case.category.name} if case.category else None


def summary(case: Case, now: datetime | None = None) -> dict:
    """The fields every view shares."""
    now = now or timezone.now()
    return {
        "number": case.number,
        "title": case.title,
        "status": case.status,
        "grid": _grid_ref(case),
        "category": _category(case),
        "complexity": case.complexity,
        "mode": case.mode or None,  # 办理方式: null until registered
        "channel": case.channel,
        "deadlines": deadlines.as_dict(case, now),
        "progress_due": iso(case.progress_due),
        "reply": case.reply,  # 答复 to the requester (句号管理): public too
        "replied_at": iso(case.replied_at),
        "reported_at": iso(case.reported_at),
        "lon": case.lon,
        "lat": case.lat,
        "address": case.address,
    }


def staff_view(case: Case, actor: Actor, *, reveal: bool = False, now: datetime | None = None) -> dict:
    """The case with its whole file, for staff in scope. Reporter data masked unless `reveal`: the
    caller has logged the reveal first (cases.reveals.reveal_reporter); this only reads."""
    events = list(case.events.order_by("seq"))
    reporter = {"name": mask_name(case.reporter_name), "phone": mask_phone(case.reporter_phone), "masked": True}
    if reveal and (case.reporter_name or case.reporter_phone):
        reporter = {"name": case.reporter_name, "phone": case.reporter_phone, "masked": False}
    return {
        **summary(case, now),
        "description": case.description,
        "platform": case.platform,
        "lead_unit": case.lead_unit or None,
        "assisting_units": case.assisting_units,
        "photos": case.photos,
        "result": case.result,
        "resolved_level": case.resolved_level or None,
        "satisfaction": case.satisfaction or None,
        "solved": case.solved,
        "master": case.master.number if case.master_id else None,
        "pending_extension_days": case.pending_extension_days,
        "counts": {
            "returns": case.return_count,
            "extensions": case.extension_count,
            "reworks": case.rework_count,
            "escalations": case.escalation_count,
            "reopens": case.reopen_count,
        },
        "reporter": reporter,
        "version": case.version,
        "events": [
            {
                "seq": e.seq,
                "action": e.action,
                "label": event_label(e.action),
                "actor": e.actor_label,
                "actor_name": who["name"],
                "actor_unit": who["unit"] or None,
                "role": e.actor_role,
                "from_status": e.from_status or None,
                "to_status": e.to_status,
                "unit": e.unit or None,
                "note": e.note,
                "data": e.data,
                "at": iso(e.at),
            }
            for e, who in zip(events, event_actors(case, events), strict=True)
        ],
        "actions": available_actions(case, actor),
        "steps": permissions.allowed_steps(actor, case),  # the handling modes' steps (办理方式)
    }


def public_view(case: Case, now: datetime | None = None) -> dict:
    """What the reporter sees with the tracking code: no staff names, no personal data.

    A merged duplicate shows the master's progress: its reporter follows the master.
    """
    followed = case.master if case.master_id else case
    events = list(followed.events.order_by("seq"))
    public_notes = {"reject", "resolve", "resolve_on_spot", "return", "reply", "close"}  # what the reporter reads
    return {
        "number": case.number,
        "title": case.title,
        "status": followed.status,
        "status_text": str(PUBLIC_STATUS_WORDS[followed.status]),
        "grid": _grid_ref(case),
        "category": _category(case),
        "address": case.address,  # 位置描述: the reporter's own words for the place
        "reported_at": iso(case.reported_at),
        "merged_into": case.master.number if case.master_id else None,
        "result": followed.result
        if followed.status in (Status.RESOLVED, Status.VERIFIED, Status.CLOSED, Status.EVALUATED)
        else "",
        "reply": followed.reply,
        "can_evaluate": case.status == Status.CLOSED,
        "timeline": [
            {
                "action": e.action,
                "label": event_label(e.action),
                "status": e.to_status,
                "at": iso(e.at),
                "note": e.note if e.action in public_notes and e.action != "return" else "",
                **by,
            }
            for e, by in zip(events, public_actors(followed, events), strict=True)
        ],
    }


def available_actions(case: Case, actor: Actor) -> list[str]:
    """Actions this actor may take on this case now (pages show these and only these): the rules the
    services apply, from cases.permissions."""
    return permissions.allowed_actions(actor, case)


def assist_parts(case: Case) -> list[dict]:
    """协办反馈 of a joint case (联合执法): for each of its assisting units, in order, the part it
    reported since the case was last dispatched (its latest report; an earlier dispatch's parts
    belong to another round), or `reported: False` when it has not reported yet."""
    parts: dict[str, dict] = {}
    for e in case.events.filter(action__in=("dispatch", "assist")).order_by("seq"):
        if e.action == "dispatch":
            parts.clear()
        else:
            parts[e.unit] = {
                "unit": e.unit,
                "reported": True,
                "result": e.note,
                "photos": (e.data or {}).get("photos") or [],
                "actor": e.actor_label,
                "at": iso(e.at),
                "seq": e.seq,
            }
    return [
        parts.get(unit)
        or {"unit": unit, "reported": False, "result": "", "photos": [], "actor": "", "at": None, "seq": None}
        for unit in case.assisting_units
    ]


def open_cases_near(
    actor: Actor,
    *,
    lon: float,
    lat: float,
    metres: float,
    category_id: int | None = None,
    same_category_only: bool = False,
    exclude_pk: int | None = None,
    limit: int = 20,
) -> list[tuple[Case, float]]:
    """Open cases the actor may see within `metres` of a point (重复案件提示), nearest first, those of
    `category_id` before the others: (case, distance in metres). A bounding box first, then the distance."""
    dlat = metres / 111_320
    dlon = metres / (111_320 * max(math.cos(math.radians(lat)), 0.01))
    qs = (
        visible_cases(actor)
        .filter(status__in=OPEN_STATUSES, lat__range=(lat - dlat, lat + dlat), lon__range=(lon - dlon, lon + dlon))
        .order_by("-reported_at")
    )
    if same_category_only:
        if category_id is None:
            return []
        qs = qs.filter(category_id=category_id)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    found = []
    for other in qs[:200]:
        distance = distance_m(lon, lat, other.lon, other.lat)
        if distance <= metres:
            found.append((other, distance))
    found.sort(key=lambda pair: (category_id is None or pair[0].category_id != category_id, pair[1]))
    return found[:limit]


def intake_key_used(key: str) -> bool:
    """Whether a report was already made with this Idempotency-Key (a retry, or a double click)."""
    from gridgov.cases.models import IdempotencyKey

    return bool(key) and IdempotencyKey.objects.filter(key=key).exists()
