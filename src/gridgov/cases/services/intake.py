"""上报: a new case from any channel (intake), idempotent by key; 就地解决 when fixed on the spot.

The lean path: the case and its first event are written once each (record_event inserts the case
with its chain head), the day's counter in one statement, the idempotency key only with the case.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from gridgov.cases import permissions
from gridgov.cases.models import URGENT_CHANNEL_HOURS, Case, Channel, IdempotencyKey, ResolvedLevel, Status
from gridgov.cases.phones import normalise_phone, search_keys
from gridgov.cases.services.inputs import check_photos, text
from gridgov.cases.services.numbering import new_tracking_code, next_number
from gridgov.cases.services.platforms import platform_of
from gridgov.cases.services.record import now, record_event, reporter_digest, tracking_hash
from gridgov.core import statements
from gridgov.core.errors import BadInput, Conflict, GridgovError
from gridgov.core.geo import CoordinateError, point_to_wgs84
from gridgov.core.keys import keyed_digest
from gridgov.grids.locator import current_locator
from gridgov.grids.models import Grid
from gridgov.people.actors import Actor
from gridgov.routing import selectors as routing
from gridgov.routing.models import HandlingMode

# cast: without django-stubs mypy reads a TextChoices member as its (value, label) tuple; it is a str.
DEFAULT_CHANNEL_BY_ROLE: list[tuple[str, str]] = cast(
    list[tuple[str, str]],
    [
        ("grid_worker", Channel.PATROL),
        ("grid_leader", Channel.PATROL),
        ("dispatcher", Channel.HOTLINE),
        ("deputy", Channel.DEPUTY),
        ("supervisor", Channel.SUPERVISOR),
    ],
)


@dataclass(frozen=True)
class Intake:
    case: Case
    tracking_code: str | None  # shown to the reporter once (and to a retry of the same request)
    created: bool


def _fingerprint(payload: dict) -> str:
    # keyed: the body holds the reporter's name and phone, which a plain hash would let anyone test guesses against
    return keyed_digest("intake", json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str))


def channel_for(actor: Actor, channel: str | None) -> str:
    """The channel of a report: the one asked for, or the actor's usual one; refused when unknown or
    not theirs (cases.permissions)."""
    if channel is None:
        channel = next((c for role, c in DEFAULT_CHANNEL_BY_ROLE if role in actor.roles), cast(str, Channel.RESIDENT))
    if channel not in Channel.values:
        raise BadInput(
            gettext("unknown channel %(channel)r: use one of %(known)s")
            % {"channel": channel, "known": ", ".join(Channel.values)}
        )
    permissions.require_channel(actor, channel)
    return channel


def report_case(
    *,
    actor: Actor,
    title: str,
    description: str = "",
    lon: float,
    lat: float,
    crs: str = "wgs84",
    category: str | None = None,
    channel: str | None = None,
    photos: list[str] | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    resolved: dict | None = None,
    address: str = "",
    idempotency_key: str | None = None,
    at: datetime | None = None,
) -> Intake:
    """上报: a new case from any channel; with `resolved`, a problem fixed on the spot (就地解决).

    Idempotent by key: the same key and body give the same case; the same key with another body
    is a Conflict. The key is not looked up first: a retry is rare, so the report is written and a
    used key shows as the key's unique constraint refusing it (rolled back, then answered as a retry).
    """
    payload = {
        "title": title,
        "description": description,
        "lon": lon,
        "lat": lat,
        "crs": crs,
        "category": category,
        "channel": channel,
        "photos": photos,
        "reporter_name": reporter_name,
        "reporter_phone": reporter_phone,
        "resolved": resolved,
        "actor": actor.label,
        **({"address": address} if address else {}),
    }
    if idempotency_key is not None:
        idempotency_key = text(idempotency_key, "Idempotency-Key", required=True, limit=128)
    try:
        # Checked and located before the transaction: on SQLite it holds the database's one write lock
        # (BEGIN IMMEDIATE), on PostgreSQL the day's counter row, so only the writes run inside it.
        at = now(at)
        case, event = _prepare_case(
            actor=actor,
            title=title,
            description=description,
            lon=lon,
            lat=lat,
            crs=crs,
            category=category,
            channel=channel,
            photos=photos,
            reporter_name=reporter_name,
            reporter_phone=reporter_phone,
            resolved=resolved,
            address=address,
        )
        with transaction.atomic():
            # the photos again, now locked until the case refers to them (no row or statement when there are none)
            check_photos(event["data"].get("photos"))
            check_photos(event["data"].get("result_photos"))
            intake = _insert_case(case, event, actor=actor, at=at)
            if idempotency_key is not None:
                statements.insert(
                    IdempotencyKey(
                        key=idempotency_key,
                        fingerprint=_fingerprint(payload),
                        case=intake.case,
                        tracking_code=intake.tracking_code or "",
                    )
                )
            return intake
    except IntegrityError:
        # the key was used already (a retry, or a concurrent request that won the race): answer as a retry of it
        if idempotency_key is not None:
            replay = _replay(idempotency_key, _fingerprint(payload))
            if replay:
                return replay
        raise
    except GridgovError:
        # a retry whose first answer was a case must get that case even if the world moved meanwhile
        # (the grid tree, the category tree, the platform's posts): the key decides before the body
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
        raise Conflict(
            gettext("Idempotency-Key %(key)s was used for another report; use a new key for a new report")
            % {"key": key}
        )
    return Intake(case=seen.case, tracking_code=seen.tracking_code or None, created=False)


# The grids cases were filed in, per tree version: every change to the grid tree bumps the version
# (grids.services), which the locator reads anyway, so a row cached here is never stale.
_grids: dict[str, Grid] = {}
_grids_version = ""


def _grid(version: str, code: str) -> Grid:
    global _grids, _grids_version
    if version != _grids_version:
        _grids, _grids_version = {}, version
    grid = _grids.get(code)
    if grid is None:
        grid = _grids[code] = Grid.objects.get(code=code)
    return grid


def _prepare_case(
    *,
    actor,
    title,
    description,
    lon,
    lat,
    crs,
    category,
    channel,
    photos,
    reporter_name,
    reporter_phone,
    resolved,
    address,
) -> tuple[Case, dict]:
    """The checked report as an unsaved case (no number yet) and its first event's fields; reads only."""
    title = text(title, "title", required=True, limit=200)
    description = text(description, "description", limit=5000)
    address = text(address, "location description", limit=200)
    try:
        x, y = point_to_wgs84(float(lon), float(lat), crs)
    except CoordinateError as exc:
        raise BadInput(str(exc)) from exc  # already in the reader's language
    except (TypeError, ValueError) as exc:
        raise BadInput(gettext("longitude and latitude must be numbers")) from exc
    locator = current_locator()
    grid_code = locator.locate(x, y)
    if grid_code is None:
        raise BadInput(
            gettext(
                "(%(lon)s, %(lat)s) lies outside every grid of this platform: check the place and "
                "the coordinate system (crs=wgs84 or gcj02)"
            )
            % {"lon": lon, "lat": lat}
        )
    grid = _grid(locator.version, grid_code)
    cat = None
    if category:
        cat = routing.category(category)
        if cat is None or not cat.is_leaf or not cat.active:
            raise BadInput(
                gettext("unknown category %(category)r: pick a leaf of the category tree (GET /open311/v2/services)")
                % {"category": category}
            )
    channel = channel_for(actor, channel)
    if channel == Channel.HOTLINE and not address:
        raise BadInput(gettext("a hotline case needs the location description the caller gave"))
    photos = check_photos(photos)
    reporter_name = text(reporter_name, "reporter name", limit=50)
    reporter_phone = text(normalise_phone(reporter_phone), "reporter phone", limit=20)
    case = Case(
        title=title,
        description=description,
        lon=x,
        lat=y,
        address=address,
        grid=grid,
        platform=platform_of(grid.code),
        category=cat,
        complexity=cat.complexity if cat else "general",
        channel=channel,
        urgent=channel in URGENT_CHANNEL_HOURS,
        status=Status.REPORTED,
        reporter=actor.user,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        photos=photos,
        reporter_digest=reporter_digest(reporter_name, reporter_phone),
        reporter_phone_keys=search_keys(reporter_phone),
    )
    if resolved is None:
        return case, {"action": "report", "data": {"channel": channel, "photos": photos}}

    # 就地解决: reported already resolved by the grid's own worker
    permissions.require_on_spot(actor, grid.code)
    result = text((resolved or {}).get("result"), "result", required=True)
    fix_photos = check_photos((resolved or {}).get("photos"))
    case.status = Status.RESOLVED
    case.mode = HandlingMode.IMMEDIATE  # 就地解决 is 立即办 by nature: fixed as it was found
    case.lead_unit = grid.code
    case.result = result
    case.resolved_by = actor.user
    case.resolved_level = ResolvedLevel.GRID
    return case, {
        "action": "resolve_on_spot",
        "unit": grid.code,
        "note": result,
        "data": {"channel": channel, "photos": photos, "result_photos": fix_photos},
    }


def _insert_case(case: Case, event: dict, *, actor: Actor, at: datetime) -> Intake:
    """Number the prepared case and write it with its first event (record_event inserts the case)."""
    code = new_tracking_code()
    case.number = next_number(at)
    case.tracking_hash = tracking_hash(case.number, code)
    case.reported_at = case.updated_at = at
    if case.status == Status.RESOLVED:
        case.resolved_at = at
    record_event(case, actor=actor, from_status="", role=permissions.first_role(actor), at=at, **event)
    return Intake(case=case, tracking_code=code, created=True)
