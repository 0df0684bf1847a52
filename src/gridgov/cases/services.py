"""Every write to a case (案件办理). One function per action of the closed loop (DESIGN.md §3).

Each function checks the actor's role and scope (403), then the case's state (409), then writes the
case and exactly one CaseEvent in one transaction, holding the case's row lock so that two people
cannot both sign for, resolve or close it; notifications go out after commit.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.cases import deadlines
from gridgov.cases.models import (Case, CaseCounter, CaseEvent, Channel, Consultation, IdempotencyKey,
                                  ResolvedLevel, Satisfaction, Status, Upload)
from gridgov.cases.phones import normalise_phone, search_keys
from gridgov.cases.selectors import may_read, no_such_case, visibility
from gridgov.cases.transitions import GRID_STAFF, OPEN_STATUSES, TABLE, Transition
from gridgov.cases.wording import action_name, field_name, roles as role_names, status_name, statuses
from gridgov.core.errors import BadInput, Conflict, Forbidden, NotFound
from gridgov.core.tasks import enqueue, enqueue_batched
from gridgov.core.keys import audit_key, keyed_digest
from gridgov.core.geo import CoordinateError, point_to_wgs84
from gridgov.core.timefmt import iso
from gridgov.grids.locator import current_locator
from gridgov.grids.models import Grid
from gridgov.people.actors import Actor, covers, nearest_scope
from gridgov.people.models import Post, Unit
from gridgov.routing import selectors as routing

TRACKING_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read out over the phone
LEVEL_NAMES = {0: ResolvedLevel.DISTRICT, 1: ResolvedLevel.STREET, 2: ResolvedLevel.COMMUNITY}
MAX_EXTENSION_DAYS = 30

# Channels an actor may report through, by role; residents (no account) use the public ones.
PUBLIC_CHANNELS = {Channel.RESIDENT, Channel.WECHAT, Channel.OPEN311}
CHANNEL_ROLES = {
    Channel.PATROL: {"grid_worker", "grid_leader"},
    Channel.HOTLINE: {"dispatcher"},
    Channel.DEPUTY: {"deputy"},
    Channel.SUPERVISOR: {"supervisor"},
    Channel.SENSOR: {"system", "admin", "dispatcher"},
    Channel.IMPORT: {"system", "admin", "dispatcher"},
}
DEFAULT_CHANNEL_BY_ROLE = [("grid_worker", Channel.PATROL), ("grid_leader", Channel.PATROL),
                           ("dispatcher", Channel.HOTLINE), ("deputy", Channel.DEPUTY),
                           ("supervisor", Channel.SUPERVISOR)]


# ---- the event log -------------------------------------------------------------------------------

# What each event's digest covers of the case it leaves (案卷状态): the Case fields that change only
# through events; grid, category and master by their code or number. Left out, because they change
# outside events or are the chain's own bookkeeping: light (recomputed by the deadline sweep), version,
# updated_at, event_count, last_hash (the event's seq and time are covered), tracking_hash (re-keyed by
# migration 0006), reporter_name/reporter_phone/reporter_phone_keys (encrypted, and erased after the
# retention period: covered through reporter_digest), and the user links reporter and resolved_by (set
# to null when a user is deleted; the events name who acted).
STATE_FIELDS = ("title", "description", "lon", "lat", "address", "platform", "complexity", "channel", "status",
                "reporter_digest", "photos", "lead_unit", "assisting_units", "urgent", "dispatched_at", "sign_by",
                "resolve_by", "accepted_at", "clock_start", "clock_banked", "suspended_at", "review_on",
                "pending_extension_days", "resolved_at", "resolved_level", "result", "closed_at", "satisfaction",
                "solved", "return_count", "extension_count", "rework_count", "escalation_count", "reopen_count",
                "reported_at")
STATE_LOOKUPS = {"grid": "grid__code", "category": "category__code", "master": "master__number"}  # for .values()
_STATE_FLOATS = ("lon", "lat", "clock_banked")


def case_state(case: Case) -> dict:
    """The state of a case as its next event covers it (STATE_FIELDS)."""
    state = {name: getattr(case, name) for name in STATE_FIELDS}
    state.update(grid=case.grid.code, category=case.category.code if case.category_id else None,
                 master=case.master.number if case.master_id else None)
    return state


def _canonical(value):
    # datetimes in UTC: a digest must not depend on TIME_ZONE nor on the zone a database returns
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot digest {type(value).__name__}")


def _mac(purpose: str, prev: str, body: dict) -> str:
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_canonical)
    return hmac.new(audit_key(), "\x1f".join((purpose, prev, text)).encode(), hashlib.sha256).hexdigest()


def state_digest(state: dict) -> str:
    """HMAC-SHA256 (core.keys.audit_key) of a case state (case_state, or cases.audit's from a row)."""
    state = {**state, **{k: float(state[k]) for k in _STATE_FLOATS if state.get(k) is not None}}
    return _mac("case-state", "", state)


def event_digest(*, number: str, seq: int, action: str, actor_label: str, actor_role: str, actor_unit: str,
                 from_status: str, to_status: str, unit: str, note: str, data: dict, at: datetime, state: str,
                 prev_hash: str) -> str:
    """HMAC-SHA256 under the audit key (not in the database: nobody can recompute the chain from a
    copy of it) over the event's content, the digest of the case state it left (`state`, stored in
    CaseEvent.state_hash) and its predecessor's hash: the tamper-evident case file."""
    return _mac("case-event", prev_hash, {
        "number": number, "seq": seq, "action": action, "actor": actor_label, "role": actor_role,
        "actor_unit": actor_unit, "from": from_status, "to": to_status, "unit": unit, "note": note, "data": data,
        "at": at, "state": state})


def _record(case: Case, *, actor: Actor, action: str, from_status: str, role: str = "", unit: str = "",
            note: str = "", data: dict | None = None, at: datetime) -> CaseEvent:
    """Append one event and save the case with it (version, chain head)."""
    data = data or {}
    seq = case.event_count + 1
    actor_unit = _actor_unit(actor, role, case)
    state = state_digest(case_state(case))
    digest = event_digest(number=case.number, seq=seq, action=action, actor_label=actor.label, actor_role=role,
                          actor_unit=actor_unit, from_status=from_status, to_status=case.status, unit=unit, note=note,
                          data=data, at=at, state=state, prev_hash=case.last_hash)
    event = CaseEvent.objects.create(
        case=case, seq=seq, action=action, actor=actor.user, actor_label=actor.label, actor_role=role,
        actor_unit=actor_unit, from_status=from_status, to_status=case.status, unit=unit, note=note, data=data, at=at,
        state_hash=state, prev_hash=case.last_hash, hash=digest)
    case.event_count = seq
    case.last_hash = digest
    case.version += 1
    case.updated_at = at
    case.light = deadlines.case_light(case, at) or ""
    case.save()
    enqueue("gridgov.cases.notify_case_event", event_id=event.pk)  # runs after commit
    enqueue_batched("gridgov.assessment.refresh_cases", key="numbers", item=case.number)  # its indicators
    return event


def _actor_unit(actor: Actor, role: str, case: Case) -> str:
    """The actor's own unit or grid in the role they acted in (shown in timelines beside their name):
    the scope of that role nearest to the case, else their first one."""
    return nearest_scope(actor.scopes(role), (case.lead_unit, *case.assisting_units, case.grid.code, case.platform))


# ---- helpers -------------------------------------------------------------------------------------

def _now(at: datetime | None) -> datetime:
    return at or timezone.now()


def tracking_hash(number: str, code: str) -> str:
    """The stored form of a tracking code (查询码): HMAC under the data key (core.keys) of the plain SHA-256
    stored before, so a stolen database cannot be searched for codes, and migration 0006 converted the
    old hashes without knowing the codes."""
    return keyed_digest("tracking", hashlib.sha256(f"{number}:{code.strip().upper()}".encode()).hexdigest())


def reporter_digest(name: str, phone: str) -> str:
    """The keyed digest of a reporter's contact data that the chain covers; "" when there is none."""
    return keyed_digest("reporter", name, phone) if (name or phone) else ""


def tracking_code_matches(case: Case, code: str | None) -> bool:
    return bool(code) and secrets.compare_digest(case.tracking_hash, tracking_hash(case.number, code))


def _phone_digits(phone: str | None) -> str:
    return "".join(ch for ch in (phone or "") if ch.isdigit())


def phone_last4_matches(case: Case, last4: str | None) -> bool:
    """Whether `last4` are the last 4 digits of the phone the reporter gave: the other way a reporter
    proves who they are (read out over the phone more easily than a tracking code). Never true for a
    case reported without a phone number. Constant-time, like the tracking code."""
    digits = _phone_digits(case.reporter_phone)
    given = (last4 or "").strip()
    if len(digits) < 4 or len(given) != 4 or not given.isascii() or not given.isdigit():
        return False
    return secrets.compare_digest(digits[-4:], given)


def _next_number(at: datetime) -> str:
    day = timezone.localtime(at).strftime("%Y%m%d")
    if not CaseCounter.objects.filter(day=day).update(last=F("last") + 1):
        try:
            with transaction.atomic():
                CaseCounter.objects.create(day=day, last=1)
        except IntegrityError:  # another process created the day's row first
            CaseCounter.objects.filter(day=day).update(last=F("last") + 1)
    last = CaseCounter.objects.get(day=day).last
    return f"{day}{last:06d}"


def _lock(number: str, actor: Actor | None = None) -> Case:
    """The case, its row locked. With a person's `actor`: only a case they may read — one outside their
    sight is refused exactly like an unknown number (selectors.no_such_case), so that trying actions
    tells nobody which numbers exist. The system's actors see every case."""
    case = Case.objects.select_for_update(of=("self",)).select_related("grid", "category").filter(number=number).first()
    if case is None or (actor is not None and not actor.is_system and not may_read(actor, case)):
        raise no_such_case(number)
    return case


def _platform_of(grid_code: str) -> str:
    """The platform a new case goes to: the nearest platform above the grid (community, street,
    district) that has a dispatcher on duty; the district when none has (never into a void)."""
    candidates = [grid_code[:n] for n in (12, 9) if len(grid_code) >= n]
    staffed = set(Post.objects.filter(role="dispatcher", active=True, scope__in=candidates).values_list("scope", flat=True))
    for code in candidates:
        if code in staffed:
            return code
    return grid_code[:6]


def _parent_platform(platform: str) -> str | None:
    """The next staffed platform above a platform (逐级上报), or None at the district."""
    for n in (9, 6):
        if len(platform) > n:
            code = platform[:n]
            if n == 6 or Post.objects.filter(role="dispatcher", active=True, scope=code).exists():
                return code
    return None


def _level_of_code(code: str) -> int:
    return {6: 0, 9: 1, 12: 2, 15: 3, 18: 4}[len(code)]


def _relation_code(case: Case, relation: str) -> str | None:
    return {"platform": case.platform, "lead_unit": case.lead_unit or None, "case_grid": case.grid.code}.get(relation)


def authorize(actor: Actor, case: Case, t: Transition) -> str:
    """The role the actor acts in; Forbidden when they hold none that reaches this case."""
    code = _relation_code(case, t.relation)
    if code:
        for role in sorted(t.roles):
            if role == "department_handler" and not code.startswith("D"):
                continue
            if role in GRID_STAFF and code.startswith("D"):
                continue
            if actor.can(role, code):
                return role
    if t.relation == "platform":
        who = gettext("the dispatcher of platform %(platform)s") % {"platform": case.platform}
    elif t.relation == "lead_unit":
        who = (gettext("the lead unit %(unit)s") % {"unit": case.lead_unit} if case.lead_unit
               else gettext("the lead unit (there is none yet)"))
    else:
        who = gettext("a %(roles)s covering grid %(grid)s") % {"roles": role_names(t.roles), "grid": case.grid.code}
    raise Forbidden(gettext("%(action)s on case %(number)s is for %(who)s")
                    % {"action": action_name(t.action), "number": case.number, "who": who})


def _require_status(case: Case, t: Transition) -> None:
    if not t.allows_status(case.status):
        raise Conflict(gettext("case %(number)s is %(status)s; %(action)s needs it to be %(allowed)s")
                       % {"number": case.number, "status": status_name(case.status),
                          "action": action_name(t.action), "allowed": statuses(t.sources)})


def _begin(actor: Actor, number: str, action: str) -> tuple[Case, Transition, str]:
    t = TABLE[action]
    case = _lock(number, actor)
    role = authorize(actor, case, t)
    _require_status(case, t)
    return case, t, role


def _move(case: Case, t: Transition, target: str | None = None) -> str:
    before = case.status
    case.status = target or t.target or case.status
    return before


def _deadline_data(case: Case) -> dict:
    return {"deadlines": {"sign_by": iso(case.sign_by), "resolve_by": iso(case.resolve_by)}}


def _clear_clock(case: Case) -> None:
    case.lead_unit, case.assisting_units = "", []
    case.dispatched_at = case.clock_start = case.sign_by = case.resolve_by = case.accepted_at = None
    case.clock_banked = 0.0
    case.pending_extension_days = None
    case.light = ""


def _check_photos(ids: list[str] | None) -> list[str]:
    ids = list(dict.fromkeys(ids or []))
    if len(ids) > 9:
        raise BadInput(gettext("attach at most %(count)d photos") % {"count": 9})
    # locked: the purge of unattached uploads (cases.uploads) cannot delete one while it is attached
    known = set(Upload.objects.select_for_update().filter(id__in=ids).values_list("id", flat=True))
    missing = [i for i in ids if i not in known]
    if missing:
        raise BadInput(gettext("unknown photo id(s) %(ids)s: upload them first with POST /api/v1/uploads")
                       % {"ids": ", ".join(missing)})
    return ids


MAX_CASE_PHOTOS = 30  # photos a case may gather in its whole life: its report's and every step's


def _check_case_photos(case: Case, ids: list[str]) -> list[str]:
    """`ids` (already checked by _check_photos), refused when the case would refer to more than
    MAX_CASE_PHOTOS distinct photos in all."""
    if not ids:
        return ids
    from gridgov.cases.photos import all_photo_ids

    held = all_photo_ids(case)
    if len(held | set(ids)) > MAX_CASE_PHOTOS:
        raise BadInput(gettext("case %(number)s already has %(held)d photos; a case keeps at most %(max)d in all")
                       % {"number": case.number, "held": len(held), "max": MAX_CASE_PHOTOS})
    return ids


def _text(value: str | None, label: str, *, required: bool = False, limit: int = 2000) -> str:
    value = (value or "").strip()
    if required and not value:
        raise BadInput(gettext("%(field)s is required") % {"field": field_name(label)})
    if len(value) > limit:
        raise BadInput(gettext("%(field)s is longer than %(limit)d characters") % {"field": field_name(label), "limit": limit})
    return value


# ---- intake --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Intake:
    case: Case
    tracking_code: str | None  # shown to the reporter once (and to a retry of the same request)
    created: bool


def _fingerprint(payload: dict) -> str:
    # keyed: the body holds the reporter's name and phone, which a plain hash would let anyone test guesses against
    return keyed_digest("intake", json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str))


def _channel_for(actor: Actor, channel: str | None) -> str:
    if channel is None:
        channel = next((c for role, c in DEFAULT_CHANNEL_BY_ROLE if role in actor.roles), Channel.RESIDENT)
    if channel not in Channel.values:
        raise BadInput(gettext("unknown channel %(channel)r: use one of %(known)s")
                       % {"channel": channel, "known": ", ".join(Channel.values)})
    if channel not in PUBLIC_CHANNELS and not (CHANNEL_ROLES[channel] & actor.roles):
        raise Forbidden(gettext("reporting through %(channel)s needs the role %(roles)s")
                        % {"channel": Channel(channel).label, "roles": role_names(CHANNEL_ROLES[channel])})
    return channel


def report_case(*, actor: Actor, title: str, description: str = "", lon: float, lat: float, crs: str = "wgs84",
                category: str | None = None, channel: str | None = None, photos: list[str] | None = None,
                reporter_name: str = "", reporter_phone: str = "", resolved: dict | None = None,
                address: str = "", idempotency_key: str | None = None, at: datetime | None = None) -> Intake:
    """上报: a new case from any channel; with `resolved`, a problem fixed on the spot (就地解决).

    Idempotent by key: the same key and body give the same case; the same key with another body
    is a Conflict.
    """
    payload = {"title": title, "description": description, "lon": lon, "lat": lat, "crs": crs, "category": category,
               "channel": channel, "photos": photos, "reporter_name": reporter_name,
               "reporter_phone": reporter_phone, "resolved": resolved, "actor": actor.label,
               **({"address": address} if address else {})}
    if idempotency_key is not None:
        idempotency_key = _text(idempotency_key, "Idempotency-Key", required=True, limit=128)
        replay = _replay(idempotency_key, _fingerprint(payload))
        if replay:
            return replay
    try:
        with transaction.atomic():
            intake = _create_case(actor=actor, title=title, description=description, lon=lon, lat=lat, crs=crs,
                                  category=category, channel=channel, photos=photos, reporter_name=reporter_name,
                                  reporter_phone=reporter_phone, resolved=resolved, address=address, at=_now(at))
            if idempotency_key is not None:
                IdempotencyKey.objects.create(key=idempotency_key, fingerprint=_fingerprint(payload),
                                              case=intake.case, tracking_code=intake.tracking_code or "")
            return intake
    except IntegrityError:
        # a concurrent request with the same key won the race: answer as a retry of it
        if idempotency_key is not None:
            replay = _replay(idempotency_key, _fingerprint(payload))
            if replay:
                return replay
        raise


def _replay(key: str, fingerprint: str) -> Intake | None:
    seen = IdempotencyKey.objects.select_related("case").filter(key=key).first()
    if seen is None:
        return None
    if seen.fingerprint != fingerprint:
        raise Conflict(gettext("Idempotency-Key %(key)s was used for another report; use a new key for a new report")
                       % {"key": key})
    return Intake(case=seen.case, tracking_code=seen.tracking_code or None, created=False)


def _create_case(*, actor, title, description, lon, lat, crs, category, channel, photos, reporter_name,
                 reporter_phone, resolved, address, at) -> Intake:
    title = _text(title, "title", required=True, limit=200)
    description = _text(description, "description", limit=5000)
    address = _text(address, "location description", limit=200)
    try:
        x, y = point_to_wgs84(float(lon), float(lat), crs)
    except CoordinateError as exc:
        raise BadInput(str(exc)) from exc  # already in the reader's language
    except (TypeError, ValueError) as exc:
        raise BadInput(gettext("longitude and latitude must be numbers")) from exc
    grid_code = current_locator().locate(x, y)
    if grid_code is None:
        raise BadInput(gettext("(%(lon)s, %(lat)s) lies outside every grid of this platform: check the place and "
                               "the coordinate system (crs=wgs84 or gcj02)") % {"lon": lon, "lat": lat})
    grid = Grid.objects.get(code=grid_code)
    cat = None
    if category:
        cat = routing.category(category)
        if cat is None or not cat.is_leaf or not cat.active:
            raise BadInput(gettext("unknown category %(category)r: pick a leaf of the category tree "
                                   "(GET /open311/v2/services)") % {"category": category})
    channel = _channel_for(actor, channel)
    if channel == Channel.HOTLINE and not address:
        raise BadInput(gettext("a hotline case needs the location description the caller gave"))
    photos = _check_photos(photos)
    reporter_name = _text(reporter_name, "reporter name", limit=50)
    reporter_phone = _text(normalise_phone(reporter_phone), "reporter phone", limit=20)
    code = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(10))
    number = _next_number(at)
    case = Case(number=number, tracking_hash=tracking_hash(number, code), title=title, description=description,
                lon=x, lat=y, address=address, grid=grid, platform=_platform_of(grid.code), category=cat,
                complexity=cat.complexity if cat else "general", channel=channel, status=Status.REPORTED,
                reporter=actor.user, reporter_name=reporter_name, reporter_phone=reporter_phone, photos=photos,
                reporter_digest=reporter_digest(reporter_name, reporter_phone),
                reporter_phone_keys=search_keys(reporter_phone),
                reported_at=at, updated_at=at)
    if resolved is None:
        case.save()
        _record(case, actor=actor, action="report", from_status="", role=_first_role(actor),
                data={"channel": channel, "photos": photos}, at=at)
        return Intake(case=case, tracking_code=code, created=True)

    # 就地解决: reported already resolved by the grid's own worker
    if not actor.can("grid_worker", grid.code):
        raise Forbidden(gettext("only a grid worker of grid %(grid)s may report a problem as solved on the spot")
                        % {"grid": grid.code})
    result = _text((resolved or {}).get("result"), "result", required=True)
    fix_photos = _check_photos((resolved or {}).get("photos"))
    case.status = Status.RESOLVED
    case.lead_unit = grid.code
    case.result = result
    case.resolved_at = at
    case.resolved_by = actor.user
    case.resolved_level = ResolvedLevel.GRID
    case.save()
    _record(case, actor=actor, action="resolve_on_spot", from_status="", role=_first_role(actor), unit=grid.code,
            note=result, data={"channel": channel, "photos": photos, "result_photos": fix_photos}, at=at)
    return Intake(case=case, tracking_code=code, created=True)


def _first_role(actor: Actor) -> str:
    return next(iter(sorted(actor.roles)), "resident" if actor.user is None else "")


# ---- the transitions -----------------------------------------------------------------------------

@transaction.atomic
def register_case(*, actor: Actor, number: str, category: str | None = None, complexity: str | None = None,
                  note: str = "", at: datetime | None = None) -> Case:
    """立案: accept a report as a case, fixing its category and complexity."""
    case, t, role = _begin(actor, number, "register")
    if category:
        cat = routing.category(category)
        if cat is None or not cat.is_leaf:
            raise BadInput(gettext("unknown category %(category)r: pick a leaf of the category tree")
                           % {"category": category})
        case.category = cat
        case.complexity = cat.complexity
    if complexity:
        if complexity not in ("simple", "general", "complex", "legacy", "major"):
            raise BadInput(gettext("complexity must be simple, general, complex, legacy or major"))
        case.complexity = complexity
    before = _move(case, t)
    _record(case, actor=actor, action=t.action, from_status=before, role=role, note=_text(note, "note"),
            data={"category": case.category.code if case.category else None, "complexity": case.complexity},
            at=_now(at))
    return case


@transaction.atomic
def reject_case(*, actor: Actor, number: str, reason: str, at: datetime | None = None) -> Case:
    """不予立案: not a case for this platform (with the reason the reporter will read)."""
    case, t, role = _begin(actor, number, "reject")
    reason = _text(reason, "reason", required=True)
    before = _move(case, t)
    _record(case, actor=actor, action=t.action, from_status=before, role=role, note=reason, at=_now(at))
    return case


@transaction.atomic
def merge_case(*, actor: Actor, number: str, into: str, at: datetime | None = None) -> Case:
    """合并: a duplicate points at its master case; its reporter follows the master."""
    case, t, role = _begin(actor, number, "merge")
    if into == number:
        raise BadInput(gettext("a case cannot be merged into itself"))
    # Both cases must be in the actor's scope: an out-of-scope master is refused exactly like an unknown
    # one, so the merge neither leaks that case (its timeline and result through the duplicate's
    # tracking code) nor reveals that it exists.
    master = Case.objects.filter(visibility(actor), number=into).first()
    if master is None:
        raise BadInput(gettext("no case numbered %(number)s to merge into") % {"number": into})
    if master.status in (Status.MERGED, Status.REJECTED):
        raise Conflict(gettext("case %(number)s is %(status)s: merge into the case it points at, or an open one")
                       % {"number": into, "status": status_name(master.status)})
    case.master = master
    before = _move(case, t)
    _record(case, actor=actor, action=t.action, from_status=before, role=role, note=f"→ {into}",
            data={"into": into}, at=_now(at))
    return case


def _check_unit(case: Case, unit: str, *, lead: bool) -> str:
    unit = (unit or "").strip()
    if unit.startswith("D"):
        if not Unit.objects.filter(code=unit, active=True).exists():
            raise BadInput(gettext("unknown unit %(unit)s: see the units of district %(district)s")
                           % {"unit": unit, "district": case.platform[:6]})
        return unit
    grid = Grid.objects.filter(code=unit, valid_to__isnull=True).first()
    if grid is None:
        raise BadInput(gettext("unknown unit %(unit)r: give a grid code or a unit code (D…)") % {"unit": unit})
    if lead and not covers(case.platform, unit):
        raise BadInput(gettext("grid %(grid)s is outside platform %(platform)s: escalate or pick a grid below it")
                       % {"grid": unit, "platform": case.platform})
    return unit


@transaction.atomic
def dispatch_case(*, actor: Actor, number: str, unit: str | None = None, assisting: list[str] | None = None,
                  note: str = "", at: datetime | None = None) -> Case:
    """派遣: to a lead unit (a grid or a unit) and assisting units (联合执法); the clock starts."""
    case, t, role = _begin(actor, number, "dispatch")
    now = _now(at)
    route = routing.responsible_unit(category=case.category, grid_code=case.grid.code, district=case.platform[:6])
    lead = _check_unit(case, unit or route.unit, lead=True)
    helpers = [_check_unit(case, u, lead=False) for u in (assisting if assisting is not None else route.assisting)]
    helpers = [u for u in dict.fromkeys(helpers) if u != lead]
    limits = routing.limits(case.category, case.complexity)
    case.lead_unit, case.assisting_units = lead, helpers
    case.urgent = limits.urgent
    case.dispatched_at = case.clock_start = now
    case.clock_banked = 0.0
    case.accepted_at = None
    case.sign_by, case.resolve_by = deadlines.initial(start=now, sign_hours=limits.sign_hours,
                                                      resolve_days=limits.resolve_days, urgent=limits.urgent,
                                                      resolve_hours=limits.resolve_hours)
    before = _move(case, t)
    _record(case, actor=actor, action=t.action, from_status=before, role=role, unit=lead, note=_text(note, "note"),
            data={"assisting": helpers, "route": route.source, **_deadline_data(case)}, at=now)
    return case


@transaction.atomic
def register_and_dispatch(*, actor: Actor, number: str, category: str | None = None, complexity: str | None = None,
                          note: str = "", unit: str | None = None, assisting: list[str] | None = None,
                          at: datetime | None = None) -> Case:
    """立案并派遣: register and dispatch in one step — both events or, if either is refused, neither."""
    register_case(actor=actor, number=number, category=category, complexity=complexity, note=note, at=at)
    return dispatch_case(actor=actor, number=number, unit=unit, assisting=assisting, at=at)


@transaction.atomic
def accept_case(*, actor: Actor, number: str, at: datetime | None = None) -> Case:
    """签收: the lead unit takes the case on."""
    case, t, role = _begin(actor, number, "accept")
    now = _now(at)
    case.accepted_at = now
    before = _move(case, t)
    _record(case, actor=actor, action=t.action, from_status=before, role=role, unit=case.lead_unit, at=now)
    return case


@transaction.atomic
def return_case(*, actor: Actor, number: str, reason: str, at: datetime | None = None) -> Case:
    """退单: not ours — back to the dispatcher, with the reason (counted against this dispatch)."""
    case, t, role = _begin(actor, number, "return")
    reason = _text(reason, "reason", required=True)
    unit = case.lead_unit
    case.return_count += 1
    _clear_clock(case)
    before = _move(case, t)
    _record(case, actor=actor, action=t.action, from_status=before, role=role, unit=unit, note=reason,
            data=_deadline_data(case), at=_now(at))
    return case


@transaction.atomic
def escalate_case(*, actor: Actor, number: str, note: str, at: datetime | None = None) -> Case:
    """逐级上报: beyond the grid's power — registered again at the platform above."""
    case, t, role = _begin(actor, number, "escalate")
    note = _text(note, "note", required=True)
    parent = _parent_platform(case.platform)
    if parent is None:
        raise Conflict(gettext("case %(number)s is at the district platform already; there is no level above")
                       % {"number": case.number})
    unit = case.lead_unit
    case.platform = parent
    case.escalation_count += 1
    _clear_clock(case)
    before = _move(case, t)
    _record(case, actor=actor, action=t.action, from_status=before, role=role, unit=unit, note=note,
            data={"platform": parent, **_deadline_data(case)}, at=_now(at))
    return case


@transaction.atomic
def request_extension(*, actor: Actor, number: str, days: int, reason: str, at: datetime | None = None) -> Case:
    """申请延期: the lead unit asks for more working days."""
    case, t, role = _begin(actor, number, "request_extension")
    if case.resolve_by is None:
        raise Conflict(gettext("case %(number)s has no deadline running (it was never dispatched): nothing to extend")
                       % {"number": case.number})
    if case.pending_extension_days:
        raise Conflict(gettext("case %(number)s already has an extension request waiting for the dispatcher")
                       % {"number": case.number})
    if not isinstance(days, int) or not 1 <= days <= MAX_EXTENSION_DAYS:
        raise BadInput(gettext("days must be a whole number of working days from 1 to %(max)d")
                       % {"max": MAX_EXTENSION_DAYS})
    case.pending_extension_days = days
    _record(case, actor=actor, action=t.action, from_status=case.status, role=role, unit=case.lead_unit,
            note=_text(reason, "reason", required=True), data={"days": days}, at=_now(at))
    return case


def _decide_extension(actor: Actor, number: str, action: str) -> tuple[Case, Transition, str]:
    case, t, role = _begin(actor, number, action)
    if not case.pending_extension_days or case.resolve_by is None:
        raise Conflict(gettext("case %(number)s has no extension request to decide") % {"number": case.number})
    platform_level = _level_of_code(case.platform)
    if case.extension_count >= 1 and platform_level > 0:
        # a second extension is for the platform above (二次延期由上级审批)
        if not any(covers(s, case.platform) and len(s) < len(case.platform) for s in actor.scopes("dispatcher")):
            raise Forbidden(gettext("case %(number)s was extended once already: a second extension needs the "
                                    "dispatcher of the platform above") % {"number": case.number})
    return case, t, role


@transaction.atomic
def grant_extension(*, actor: Actor, number: str, at: datetime | None = None) -> Case:
    """同意延期: the resolve deadline moves by the requested working days."""
    case, t, role = _decide_extension(actor, number, "grant_extension")
    days = case.pending_extension_days
    case.resolve_by = deadlines.extended(case.resolve_by, days=days, urgent=case.urgent)
    case.extension_count += 1
    case.pending_extension_days = None
    _record(case, actor=actor, action=t.action, from_status=case.status, role=role, unit=case.lead_unit,
            data={"days": days, **_deadline_data(case)}, at=_now(at))
    return case


@transaction.atomic
def deny_extension(*, actor: Actor, number: str, reason: str, at: datetime | None = None) -> Case:
    """驳回延期."""
    case, t, role = _decide_extension(actor, number, "deny_extension")
    days = case.pending_extension_days
    case.pending_extension_days = None
    _record(case, actor=actor, action=t.action, from_status=case.status, role=role, unit=case.lead_unit,
            note=_text(reason, "reason", required=True), data={"days": days}, at=_now(at))
    return case


@transaction.atomic
def suspend_case(*, actor: Actor, number: str, reason: str, review_on: date, at: datetime | None = None) -> Case:
    """挂账: the clock stops until a review date (e.g. waiting for funds or a court)."""
    case, t, role = _begin(actor, number, "suspend")
    now = _now(at)
    if not isinstance(review_on, date) or review_on <= timezone.localtime(now).date():
        raise BadInput(gettext("review_on must be a date after today"))
    case.suspended_at = now
    case.review_on = review_on
    before = _move(case, t)
    _record(case, actor=actor, action=t.action, from_status=before, role=role, unit=case.lead_unit,
            note=_text(reason, "reason", required=True), data={"review_on": review_on.isoformat()}, at=now)
    return case


@transaction.atomic
def resume_case(*, actor: Actor, number: str, at: datetime | None = None) -> Case:
    """恢复办理: the clock runs again; the deadlines move by the time spent suspended."""
    case, t, role = _begin(actor, number, "resume")
    now = _now(at)
    paused = case.suspended_at or now
    case.clock_banked += deadlines.spent(case.clock_start or paused, paused, urgent=case.urgent)
    case.clock_start = now
    case.resolve_by = deadlines.shifted(case.resolve_by, paused_from=paused, resumed_at=now, urgent=case.urgent)
    if case.accepted_at is None:
        case.sign_by = deadlines.shifted(case.sign_by, paused_from=paused, resumed_at=now, urgent=case.urgent)
    case.suspended_at = None
    case.review_on = None
    before = _move(case, t)
    _record(case, actor=actor, action=t.action, from_status=before, role=role, unit=case.lead_unit,
            data=_deadline_data(case), at=now)
    return case


@transaction.atomic
def supervise_case(*, actor: Actor, number: str, note: str, at: datetime | None = None) -> Case:
    """督办: a supervisor, leader or dispatcher presses for progress."""
    case, t, role = _begin(actor, number, "supervise")
    _record(case, actor=actor, action=t.action, from_status=case.status, role=role, unit=case.lead_unit,
            note=_text(note, "note", required=True), at=_now(at))
    return case


def _resolution_level(case: Case) -> str:
    if case.lead_unit and not case.lead_unit.startswith("D"):
        level = _level_of_code(case.lead_unit)
        return ResolvedLevel.GRID if level >= 3 else LEVEL_NAMES[level]
    return LEVEL_NAMES[_level_of_code(case.platform)]


@transaction.atomic
def resolve_case(*, actor: Actor, number: str, result: str, photos: list[str] | None = None,
                 at: datetime | None = None) -> Case:
    """处置反馈: the lead unit reports the result, with photos."""
    case, t, role = _begin(actor, number, "resolve")
    now = _now(at)
    case.result = _text(result, "result", required=True)
    photos = _check_case_photos(case, _check_photos(photos))
    case.resolved_at = now
    case.resolved_by = actor.user
    case.resolved_level = _resolution_level(case)
    before = _move(case, t)
    case.light = deadlines.case_light(case, now) or ""
    _record(case, actor=actor, action=t.action, from_status=before, role=role, unit=case.lead_unit,
            note=case.result, data={"photos": photos, "level": case.resolved_level}, at=now)
    return case


@transaction.atomic
def verify_case(*, actor: Actor, number: str, passed: bool, note: str = "", photos: list[str] | None = None,
                at: datetime | None = None) -> Case:
    """核查: a grid worker or leader checks the fix on site; a failure is rework (返工)."""
    case, t, role = _begin(actor, number, "verify")
    if actor.user is not None and case.resolved_by_id == getattr(actor.user, "pk", None):
        raise Forbidden(gettext("the person who resolved a case cannot verify it: ask another worker or the grid "
                                "leader"))
    if not isinstance(passed, bool):
        raise BadInput(gettext("passed must be true or false"))
    photos = _check_case_photos(case, _check_photos(photos))
    now = _now(at)
    if passed:
        before = _move(case, t)
    else:
        case.rework_count += 1
        case.resolved_at = case.resolved_by = None
        case.resolved_level = ""
        before = _move(case, t, Status.IN_PROGRESS)
    _record(case, actor=actor, action=t.action, from_status=before, role=role, unit=case.lead_unit,
            note=_text(note, "note"), data={"passed": passed, "photos": photos}, at=now)
    return case


@transaction.atomic
def close_case(*, actor: Actor, number: str, at: datetime | None = None) -> Case:
    """结案."""
    case, t, role = _begin(actor, number, "close")
    now = _now(at)
    case.closed_at = now
    before = _move(case, t)
    _record(case, actor=actor, action=t.action, from_status=before, role=role, at=now)
    return case


def _prove_reporter(case: Case, *, tracking_code: str | None) -> str:
    """How the reporter proved it is them: "tracking_code", the one proof staff never see; Forbidden otherwise."""
    if not tracking_code_matches(case, tracking_code):
        raise Forbidden(gettext("the tracking code does not match this case"))
    return "tracking_code"


def _refuse_rating_by_phone_digits() -> None:
    """A rating is never given with the last 4 phone digits: staff see a phone's digits (masked, but
    seen), and staff must never rate as the reporter. Refused before any proof is tried, so not counted."""
    raise Forbidden(gettext("a reporter rates a case with the tracking code on the receipt; the last 4 digits "
                            "of the phone only open the case for reading"))


def evaluate_case(*, actor: Actor, number: str, satisfaction: str, solved: bool, note: str = "",
                  tracking_code: str | None = None, phone_last4: str | None = None, client: str = "",
                  at: datetime | None = None) -> Case:
    """回访评价: by the reporter — who proves it with the case's tracking code, never with the last 4
    digits of the phone (`phone_last4` is refused: staff could know them) — or by a dispatcher after a
    call-back.

    A reporter's proof is throttled (cases.proof): failures count against the case and against
    `client` (the caller's address, from the view), outside the refused transaction."""
    if phone_last4 is not None and tracking_code is None:
        _refuse_rating_by_phone_digits()
    body = {"actor": actor, "number": number, "satisfaction": satisfaction, "solved": solved, "note": note,
            "tracking_code": tracking_code, "at": at}
    if tracking_code is None:
        return _evaluate_case(**body)
    from gridgov.cases import proof  # proof builds on this module's code matching

    with proof.guarded(number=number, client=client):
        return _evaluate_case(**body)


@transaction.atomic
def _evaluate_case(*, actor: Actor, number: str, satisfaction: str, solved: bool, note: str,
                   tracking_code: str | None, at: datetime | None) -> Case:
    t = TABLE["evaluate"]
    case = _lock(number, None if tracking_code is not None else actor)  # the reporter proves it with the code
    proof = None
    if tracking_code is not None:
        proof = _prove_reporter(case, tracking_code=tracking_code)
        role = "reporter"
    else:
        role = authorize(actor, case, t)
    _require_status(case, t)
    if satisfaction not in Satisfaction.values:
        raise BadInput(gettext("satisfaction must be satisfied, basically_satisfied or dissatisfied"))
    if not isinstance(solved, bool):
        raise BadInput(gettext("solved must be true or false"))
    case.satisfaction = satisfaction
    case.solved = solved
    before = _move(case, t)
    _record(case, actor=actor if role != "reporter" else Actor.anonymous("reporter"), action=t.action,
            from_status=before, role=role, note=_text(note, "note"),
            data={"satisfaction": satisfaction, "solved": solved, "by": role,
                  **({"proof": proof} if proof else {})}, at=_now(at))
    return case


@transaction.atomic
def reopen_case(*, actor: Actor, number: str, reason: str, at: datetime | None = None) -> Case:
    """重新办理: once, after the reporter was dissatisfied."""
    case, t, role = _begin(actor, number, "reopen")
    if case.satisfaction != Satisfaction.DISSATISFIED:
        raise Conflict(gettext("case %(number)s may be reopened only after a dissatisfied evaluation")
                       % {"number": case.number})
    if case.reopen_count >= 1:
        raise Conflict(gettext("case %(number)s was reopened once already") % {"number": case.number})
    case.reopen_count += 1
    case.closed_at = case.resolved_at = case.resolved_by = None
    case.resolved_level = case.satisfaction = ""
    case.solved = None
    _clear_clock(case)
    before = _move(case, t)
    _record(case, actor=actor, action=t.action, from_status=before, role=role,
            note=_text(reason, "reason", required=True), data=_deadline_data(case), at=_now(at))
    return case


@transaction.atomic
def consult_case(*, actor: Actor, number: str, participants: list[str], decision: str,
                 at: datetime | None = None) -> Consultation:
    """集中会商: record a meeting on an open case (participants, decision)."""
    case = _lock(number, actor)
    if not (actor.can_any({"dispatcher", "leader", "grid_leader"}, case.grid.code)
            or (case.lead_unit and actor.can("department_handler", case.lead_unit))):
        raise Forbidden(gettext("a consultation is recorded by the platform, a leader, the grid leader or the lead "
                                "unit"))
    if case.status not in OPEN_STATUSES:
        raise Conflict(gettext("case %(number)s is %(status)s: consultations are for open cases")
                       % {"number": case.number, "status": status_name(case.status)})
    names = [_text(p, "participant", required=True, limit=100) for p in participants or []]
    if not names:
        raise BadInput(gettext("name the participants"))
    now = _now(at)
    meeting = Consultation.objects.create(case=case, participants=names, decision=_text(decision, "decision", required=True),
                                          held_at=now, recorded_by=actor.user)
    _record(case, actor=actor, action="consult", from_status=case.status, role=_first_role(actor),
            note=meeting.decision, data={"participants": names}, at=now)
    return meeting


# 联合执法: an assisting unit's own part may be reported while the case is with the units.
ASSIST_STATUSES = frozenset({Status.DISPATCHED, Status.IN_PROGRESS})


def assisting_unit_of(actor: Actor, case: Case) -> tuple[str, str] | None:
    """(unit, role): the first of the case's assisting units this actor answers for — as its handler,
    or as grid staff when the unit is a grid — in the role they act in; None when they answer for none."""
    for unit in case.assisting_units:
        roles = ("department_handler",) if unit.startswith("D") else sorted(GRID_STAFF)
        for role in roles:
            if actor.can(role, unit):
                return unit, role
    return None


@transaction.atomic
def report_assist_part(*, actor: Actor, number: str, result: str, photos: list[str] | None = None,
                       at: datetime | None = None) -> CaseEvent:
    """协办反馈: an assisting unit of a joint case (联合执法) reports its own part (result, photos) for
    the lead unit to see before it reports the whole result. The status does not change; a unit may
    report again (the latest counts), until the lead unit has resolved the case."""
    case = _lock(number, actor)
    stands = assisting_unit_of(actor, case)
    if stands is None and not case.assisting_units:
        raise Forbidden(gettext("case %(number)s has no assisting units: its lead unit reports the result")
                        % {"number": case.number})
    if stands is None:
        raise Forbidden(gettext("an assisting part of case %(number)s is reported by a handler of its assisting "
                                "units (%(units)s)") % {"number": case.number, "units": ", ".join(case.assisting_units)})
    if case.status not in ASSIST_STATUSES:
        raise Conflict(gettext("case %(number)s is %(status)s; an assisting unit reports its part while the case is "
                               "%(allowed)s") % {"number": case.number, "status": status_name(case.status),
                                                 "allowed": statuses(ASSIST_STATUSES)})
    unit, role = stands
    result = _text(result, "result", required=True)
    photos = _check_case_photos(case, _check_photos(photos))
    return _record(case, actor=actor, action="assist", from_status=case.status, role=role, unit=unit, note=result,
                   data={"unit": unit, "result": result, "photos": photos}, at=_now(at))


ACTION_SERVICES = {
    "register": register_case, "reject": reject_case, "merge": merge_case, "dispatch": dispatch_case,
    "accept": accept_case, "return": return_case, "escalate": escalate_case,
    "request_extension": request_extension, "grant_extension": grant_extension, "deny_extension": deny_extension,
    "suspend": suspend_case, "resume": resume_case, "supervise": supervise_case, "resolve": resolve_case,
    "verify": verify_case, "close": close_case, "evaluate": evaluate_case, "reopen": reopen_case,
}
assert set(ACTION_SERVICES) == set(TABLE), "every action of the table has its service"


def perform(action: str, *, actor: Actor, number: str, **body) -> Case:
    """Run one action by name (the API and pages call this)."""
    service = ACTION_SERVICES.get(action)
    if service is None:
        raise NotFound(gettext("unknown action %(action)r: one of %(known)s")
                       % {"action": action, "known": ", ".join(ACTION_SERVICES)})
    return service(actor=actor, number=number, **body)


# ---- the deadline sweep ---------------------------------------------------------------------------

@dataclass
class SweepResult:
    checked: int = 0
    changed: int = 0
    supervised: int = 0

    def as_dict(self) -> dict:
        return {"checked": self.checked, "changed": self.changed, "supervised": self.supervised}


def sweep_deadlines(*, now: datetime | None = None) -> SweepResult:
    """红黄灯 sweep: refresh the lights of running cases; a case that turns red gets one automatic
    督办 (an event by the system, so its file shows who was pressed and when).

    Safe on several workers and when run twice: the light is written only if the case did not move
    meanwhile (its version), and the automatic 督办 is keyed to the deadline it is about.
    """
    now = _now(now)
    result = SweepResult()
    running = Case.objects.filter(status__in=deadlines.RUNNING, resolve_by__isnull=False).select_related("grid")
    for case in running.iterator(chunk_size=500):
        result.checked += 1
        light = deadlines.case_light(case, now) or ""
        if light != case.light:
            if Case.objects.filter(pk=case.pk, version=case.version).update(light=light):
                result.changed += 1
                enqueue("gridgov.cases.notify_light", number=case.number, light=light,
                        deadline=deadlines.pressing_deadline(case, now))
        if light == "red" and _supervise_overdue(case.number, now):
            result.supervised += 1
    return result


@transaction.atomic
def _supervise_overdue(number: str, now: datetime) -> bool:
    case = _lock(number)
    if case.status not in deadlines.RUNNING or deadlines.case_light(case, now) != "red":
        return False
    key = deadlines.pressing_deadline(case, now)  # "sign:…" or "resolve:…": each overdue deadline once
    if case.events.filter(action="supervise", data__overdue=key).exists():
        return False
    _record(case, actor=Actor.system("deadline sweep"), action="supervise", from_status=case.status, role="system",
            unit=case.lead_unit, note="超期自动督办", data={"overdue": key}, at=now)
    return True
