"""Every write of a patrol (巡查): plans, sessions, the offline track, check-ins (docs/architecture.md §8).

The phone records offline and sends later, maybe twice: sessions and track points carry the ids the
phone made, and a check-in is one per point and session, so a resent request writes nothing new and says
so. Findings (巡查发现) are in `findings.py`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time

import numpy as np
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.core import audit
from gridgov.core.device_time import CLOCK_SKEW, device_time, not_ahead, storable
from gridgov.core.errors import BadInput, Conflict, NotFound
from gridgov.core.geo import CoordinateError, check_lon_lat, distance_m, point_to_wgs84, to_wgs84
from gridgov.grids.models import Grid
from gridgov.patrols.models import CheckIn, Frequency, PatrolPlan, PatrolSession, PlanPoint, TrackPoint
from gridgov.patrols.rules import require_patrol
from gridgov.people.actors import Actor

MAX_BATCH = 2000  # track points in one sync: about an hour and a half at one fix every 3 s


def _wgs84(lon: float, lat: float, crs: str) -> tuple[float, float]:
    try:
        return point_to_wgs84(float(lon), float(lat), crs)
    except CoordinateError as exc:
        raise BadInput(str(exc)) from exc
    except (TypeError, ValueError) as exc:
        raise BadInput(gettext("longitude and latitude must be numbers")) from exc


def _client_id(value: object, what: str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise BadInput(gettext("%(what)s must be a UUID made by the phone") % {"what": what}) from None


# --- plans ------------------------------------------------------------------------------------------


def create_plan(
    *,
    actor: Actor,
    grid: Grid,
    name: str,
    window_start: time,
    window_end: time,
    valid_from: date,
    points: list[dict],
    frequency: str = "daily",  # Frequency.DAILY
    min_checkins: int = 0,
    valid_to: date | None = None,
    crs: str = "wgs84",
) -> PatrolPlan:
    """巡查计划: a grid's plan with its points ({name, lon, lat, radius_m?}); by an administrator or a
    grid leader over the grid."""
    if not (actor.is_admin or actor.can("grid_leader", grid.code)):
        raise NotFound(gettext("no grid %(grid)s among your grids") % {"grid": grid.code})
    if frequency not in Frequency.values:
        raise BadInput(gettext("frequency must be one of %(known)s") % {"known": ", ".join(Frequency.values)})
    if not window_start < window_end:
        raise BadInput(gettext("the patrol window must close after it opens"))
    if not 0 <= min_checkins <= len(points):
        raise BadInput(gettext("the minimum of check-ins must lie between 0 and the number of points"))
    with transaction.atomic():
        plan = PatrolPlan.objects.create(
            grid=grid,
            name=name.strip()[:100] or gettext("Patrol"),
            frequency=frequency,
            window_start=window_start,
            window_end=window_end,
            min_checkins=min_checkins,
            valid_from=valid_from,
            valid_to=valid_to,
        )
        for order, point in enumerate(points):
            lon, lat = _wgs84(point["lon"], point["lat"], crs)
            radius = int(point.get("radius_m") or 50)
            if not 5 <= radius <= 1000:
                raise BadInput(gettext("a check-in radius lies between 5 and 1000 metres"))
            PlanPoint.objects.create(
                plan=plan, name=str(point["name"])[:100], lon=lon, lat=lat, radius_m=radius, order=order
            )
        audit.record(
            actor=actor.user,
            action="patrol.plan_created",
            object_type="patrol_plan",
            object_id=str(plan.pk),
            data={"grid": grid.code, "points": len(points), "as": actor.label},
        )
    return plan


# --- sessions ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Started:
    session: PatrolSession
    created: bool  # False: the phone sent the same start again


def start_session(
    *,
    actor: Actor,
    client_id: uuid.UUID | str,
    grid: Grid | None = None,
    plan: PatrolPlan | None = None,
    started_at: datetime | None = None,
) -> Started:
    """开始巡查: a session of this worker in a grid (the plan's, when walked against a plan)."""
    cid = _client_id(client_id, "the session id")
    if plan is not None:
        if grid is not None and grid.pk != plan.grid_id:
            raise BadInput(gettext("the plan belongs to another grid"))
        grid = plan.grid
    if grid is None:
        raise BadInput(gettext("say which grid or plan the patrol follows"))
    require_patrol(actor, grid.code)
    started_at = device_time(started_at, gettext("the start"))
    try:
        with transaction.atomic():
            seen = PatrolSession.objects.filter(client_id=cid).first()
            if seen is not None:
                return _resent(actor, seen, grid)
            session = PatrolSession.objects.create(
                client_id=cid, worker=actor.user, grid=grid, plan=plan, started_at=started_at
            )
            _record_start(actor, session)
    except IntegrityError:  # the same start sent twice at once: the other request wrote it
        seen = PatrolSession.objects.filter(client_id=cid).first()
        if seen is None:
            raise
        return _resent(actor, seen, grid)
    return Started(session, True)


def _resent(actor: Actor, seen: PatrolSession, grid: Grid) -> Started:
    """A resent start gets the same answer, unless the id is someone else's."""
    if seen.worker_id != actor.user.pk or seen.grid_id != grid.pk:  # type: ignore[union-attr]
        raise Conflict(gettext("this session id is taken: the phone must make a new one"))
    return Started(seen, False)


def _record_start(actor: Actor, session: PatrolSession) -> None:
    audit.record(
        actor=actor.user,
        action="patrol.started",
        object_type="patrol_session",
        object_id=str(session.client_id),
        data={"grid": session.grid.code, "plan": session.plan_id, "as": actor.label},
    )


def _locked(actor: Actor, session: PatrolSession) -> PatrolSession:
    """The session's row, locked for this transaction; 404 unless it is the actor's own."""
    locked = PatrolSession.objects.select_for_update(of=("self",)).select_related("grid", "plan").get(pk=session.pk)
    if actor.user is None or locked.worker_id != actor.user.pk:  # type: ignore[attr-defined]
        raise NotFound(gettext("no such patrol of yours"))
    return locked


def end_session(*, actor: Actor, session: PatrolSession, ended_at: datetime | None = None) -> PatrolSession:
    """结束巡查; ending an ended session again (a resent request) changes nothing."""
    ended_at = device_time(ended_at, gettext("the end"))
    with transaction.atomic():
        session = _locked(actor, session)
        if session.ended_at is not None:
            return session
        if ended_at < session.started_at:
            raise BadInput(gettext("a patrol cannot end before it started"))
        session.ended_at = ended_at
        session.save(update_fields=["ended_at"])
        audit.record(
            actor=actor.user,
            action="patrol.ended",
            object_type="patrol_session",
            object_id=str(session.client_id),
            data={"grid": session.grid.code, "as": actor.label},
        )
    return session


# --- the track, recorded offline --------------------------------------------------------------------


@dataclass(frozen=True)
class Synced:
    received: int  # points in the batch
    new: int  # written now; the rest were here already (sent before, or twice in the batch)


def _parse_points(points: list[dict], crs: str) -> list[TrackPoint]:
    """The batch checked whole (a bad point refuses all of it, naming its row) and converted to WGS-84."""
    if len(points) > MAX_BATCH:
        raise BadInput(gettext("at most %(n)d track points in one batch") % {"n": MAX_BATCH})
    rows: list[TrackPoint] = []
    for n, point in enumerate(points, 1):
        try:
            lon, lat = float(point["lon"]), float(point["lat"])
            check_lon_lat(lon, lat)
            at = point["at"]
            if isinstance(at, str):
                at = datetime.fromisoformat(at)
            if not isinstance(at, datetime) or timezone.is_naive(at) or not storable(at):
                raise ValueError(gettext("the time needs its UTC offset"))
            not_ahead(at, gettext("the time"))
            accuracy = point.get("accuracy")
            rows.append(
                TrackPoint(
                    client_id=_client_id(point.get("id"), gettext("the point id")),
                    lon=lon,
                    lat=lat,
                    recorded_at=at,
                    accuracy_m=float(accuracy) if accuracy is not None else None,
                )
            )
        except BadInput as exc:
            raise BadInput(gettext("point %(n)d: %(problem)s") % {"n": n, "problem": exc.message}) from None
        except (KeyError, TypeError, ValueError) as exc:  # CoordinateError is a ValueError, its text for people
            problem = str(exc) if isinstance(exc, ValueError) else gettext("needs id, lon, lat and at")
            raise BadInput(gettext("point %(n)d: %(problem)s") % {"n": n, "problem": problem}) from None
    if rows and crs != "wgs84":  # one numpy pass for the whole batch
        try:
            converted = to_wgs84(np.array([[r.lon, r.lat] for r in rows]), crs)
        except CoordinateError as exc:
            raise BadInput(str(exc)) from exc
        for row, (x, y) in zip(rows, converted, strict=True):
            row.lon, row.lat = float(x), float(y)
    return rows


def sync_track(*, actor: Actor, session: PatrolSession, points: list[dict], crs: str = "wgs84") -> Synced:
    """轨迹同步: a batch of fixes ({id, lon, lat, at, accuracy?}) recorded offline, written exactly once.

    The session's row lock makes two syncs of one session take turns, so the ids already stored are read
    and the rest inserted without a race, and `new` counts exactly what this call wrote.
    """
    rows = _parse_points(points, crs)
    with transaction.atomic():
        session = _locked(actor, session)
        have = set(
            TrackPoint.objects.filter(session=session, client_id__in=[r.client_id for r in rows]).values_list(
                "client_id", flat=True
            )
        )
        fresh: list[TrackPoint] = []
        for row in rows:
            if row.client_id not in have:
                have.add(row.client_id)  # a point twice in one batch is written once too
                row.session = session
                fresh.append(row)
        TrackPoint.objects.bulk_create(fresh)
        if fresh:
            audit.record(
                actor=actor.user,
                action="patrol.track_synced",
                object_type="patrol_session",
                object_id=str(session.client_id),
                data={"received": len(rows), "new": len(fresh), "as": actor.label},
            )
    return Synced(received=len(rows), new=len(fresh))


# --- check-ins --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedIn:
    checkin: CheckIn
    created: bool  # False: this point was checked in on this patrol already


def check_in(
    *,
    actor: Actor,
    session: PatrolSession,
    point: PlanPoint,
    lon: float,
    lat: float,
    crs: str = "wgs84",
    at: datetime | None = None,
) -> CheckedIn:
    """打卡: at a point of the session's plan, from within its radius, while the patrol lasts."""
    x, y = _wgs84(lon, lat, crs)
    at = device_time(at, gettext("the check-in"))
    with transaction.atomic():
        session = _locked(actor, session)
        if session.plan_id is None or point.plan_id != session.plan_id:
            raise NotFound(gettext("this point is not on the plan of this patrol"))
        seen = CheckIn.objects.filter(session=session, point=point).first()
        if seen is not None:
            return CheckedIn(seen, False)
        if at < session.started_at - CLOCK_SKEW or (session.ended_at is not None and at > session.ended_at):
            raise Conflict(gettext("a check-in must fall within its patrol"))
        distance = distance_m(point.lon, point.lat, x, y)
        if distance > point.radius_m:
            raise BadInput(
                gettext("you are %(distance)d m from %(point)s: check in within %(radius)d m of it")
                % {"distance": round(distance), "point": point.name, "radius": point.radius_m}
            )
        checkin = CheckIn.objects.create(session=session, point=point, at=at, lon=x, lat=y, distance_m=distance)
        audit.record(
            actor=actor.user,
            action="patrol.checked_in",
            object_type="patrol_session",
            object_id=str(session.client_id),
            data={"point": point.pk, "distance_m": round(distance, 1), "as": actor.label},
        )
    return CheckedIn(checkin, True)
