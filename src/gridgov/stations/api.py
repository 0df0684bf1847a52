"""The service stations over JSON under /api/v1/stations (3671 便民服务): public lists of stations, their
catalogues and offerings (with free places and the waiting list's length); staff set up stations, catalogues
and offerings, mark attendance, keep the service log and read the figures. Residents book through
/api/v1/my/bookings (the portal's sign-in)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from ninja import Body, Query, Router, Schema, Status
from pydantic import Field

from gridgov.core.errors import BadInput, NotFound
from gridgov.http.auth import actor_from_request
from gridgov.http.problems import Problem
from gridgov.stations import rules, selectors, services

router = Router(tags=["stations"])
ROUTERS = [("/stations", router)]  # mounted by gridgov.http.api

ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem}


class Listing(Schema):
    grid: str = Field("", max_length=18, pattern=r"^\d*$")
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10**9)


@router.get("", response={200: dict}, summary="Service stations under a grid (public)")
def station_list(request: HttpRequest, q: Query[Listing]):
    qs = selectors.stations(q.grid)
    return {"count": qs.count(), "items": [selectors.station_row(s) for s in qs[q.offset : q.offset + q.limit]]}


def _public_station(station_id: int):
    station = selectors.stations().filter(pk=station_id).first()
    if station is None:
        raise NotFound(gettext("no such station"))
    return station


@router.get("/{int:station_id}", response={200: dict, 404: Problem}, summary="A station and its catalogue (public)")
def station_detail(request: HttpRequest, station_id: int):
    station = _public_station(station_id)
    return {
        **selectors.station_row(station),
        "catalogue": [selectors.item_row(i) for i in selectors.catalogue(station)],
    }


@router.get("/offerings", response={200: dict}, summary="Upcoming activities and appointment slots (public)")
def offering_list(request: HttpRequest, q: Query[Listing]):
    qs = selectors.offerings(q.grid)
    return {"count": qs.count(), "items": [selectors.offering_row(o) for o in qs[q.offset : q.offset + q.limit]]}


def _row(offering_id: int) -> dict:
    o = selectors.offering(offering_id)
    if o is None:
        raise NotFound(gettext("no such activity or appointment"))
    return selectors.offering_row(o)


@router.get("/offerings/{int:offering_id}", response={200: dict, 404: Problem}, summary="One offering (public)")
def offering_detail(request: HttpRequest, offering_id: int):
    return _row(offering_id)


# ---- staff ----------------------------------------------------------------------------------------------


class StationIn(Schema):
    name: str = Field(max_length=100)
    grid: str = Field(max_length=18)
    level: Literal[1, 2, 3] | None = None
    address: str = Field("", max_length=200)
    hours: str = Field("", max_length=100)
    phone: str = Field("", max_length=30)


@router.post("", response={201: dict, **ERRORS}, summary="Set up a station (设站)")
def station_create(request: HttpRequest, body: StationIn = Body(...)):
    actor = actor_from_request(request, required=True)
    s = services.create_station(
        actor=actor,
        name=body.name,
        grid_code=body.grid,
        level=body.level,
        address=body.address,
        hours=body.hours,
        phone=body.phone,
    )
    return Status(201, selectors.station_row(s))


class ItemIn(Schema):
    service_type: str = Field(max_length=12)
    groups: list[str] = Field(default_factory=list, max_length=7)
    name: str = Field(max_length=100)
    description: str = Field("", max_length=2000)


@router.post("/{int:station_id}/catalogue", response={201: dict, **ERRORS}, summary="Add a catalogue item")
def item_create(request: HttpRequest, station_id: int, body: ItemIn = Body(...)):
    actor = actor_from_request(request, required=True)
    item = services.add_item(actor=actor, station_id=station_id, **body.dict())
    return Status(201, selectors.item_row(item))


class OfferingIn(Schema):
    item: int
    kind: Literal["activity", "appointment"] = "activity"
    title: str = Field("", max_length=200)
    starts_at: datetime
    ends_at: datetime
    place: str = Field("", max_length=200)
    capacity: int = Field(ge=1, le=10000)
    deadline: datetime | None = None


@router.post("/offerings", response={201: dict, **ERRORS}, summary="Offer an activity or appointment slot")
def offering_create(request: HttpRequest, body: OfferingIn = Body(...)):
    actor = actor_from_request(request, required=True)
    o = services.create_offering(
        actor=actor,
        item_id=body.item,
        kind=body.kind,
        title=body.title,
        starts_at=body.starts_at,
        ends_at=body.ends_at,
        place=body.place,
        capacity=body.capacity,
        deadline=body.deadline,
    )
    return Status(201, _row(o.pk))


def _staff_offering(request: HttpRequest, offering_id: int):
    actor = actor_from_request(request, required=True)
    o = selectors.offering(offering_id)
    if o is None or not rules.may_read(actor, o.station.code):
        raise NotFound(gettext("no such activity or appointment"))
    return actor, o


@router.get("/offerings/{int:offering_id}/bookings", response={200: dict, **ERRORS}, summary="Sign-ups (staff)")
def offering_bookings(request: HttpRequest, offering_id: int):
    _, o = _staff_offering(request, offering_id)
    return {
        **selectors.offering_row(o),
        "bookings": [selectors.booking_row(b, staff=True) for b in selectors.sign_ups(o)],
    }


class CapacityIn(Schema):
    capacity: int = Field(ge=1, le=10000)


@router.post("/offerings/{int:offering_id}/capacity", response={200: dict, **ERRORS}, summary="Change the places")
def offering_capacity(request: HttpRequest, offering_id: int, body: CapacityIn = Body(...)):
    actor, _ = _staff_offering(request, offering_id)
    services.set_capacity(actor=actor, offering_id=offering_id, capacity=body.capacity)
    return _row(offering_id)


@router.post("/offerings/{int:offering_id}/cancel", response={200: dict, **ERRORS}, summary="Cancel an offering")
def offering_cancel(request: HttpRequest, offering_id: int):
    actor, _ = _staff_offering(request, offering_id)
    services.cancel_offering(actor=actor, offering_id=offering_id)
    return _row(offering_id)


class AttendanceIn(Schema):
    attended: list[int] = Field(default_factory=list, max_length=10000)
    notes: str = Field("", max_length=2000)


@router.post("/offerings/{int:offering_id}/attendance", response={200: dict, **ERRORS}, summary="Mark attendance")
def offering_attendance(request: HttpRequest, offering_id: int, body: AttendanceIn = Body(...)):
    actor, _ = _staff_offering(request, offering_id)
    log = services.mark_attendance(actor=actor, offering_id=offering_id, attended=body.attended, notes=body.notes)
    return {"log": log.pk, "person_times": log.person_times, **_row(offering_id)}


class LogIn(Schema):
    station: int
    service_type: str = Field(max_length=12)
    day: date
    person_times: int = Field(ge=1, le=100000)
    groups: list[str] = Field(default_factory=list, max_length=7)
    notes: str = Field("", max_length=2000)


@router.post("/logs", response={201: dict, **ERRORS}, summary="Add a service-log entry (服务台账)")
def log_create(request: HttpRequest, body: LogIn = Body(...)):
    actor = actor_from_request(request, required=True)
    d = body.dict()
    log = services.add_log(actor=actor, station_id=d.pop("station"), **d)
    return Status(201, {"id": log.pk, "station": log.station_id, "day": log.day.isoformat()})


class Window(Schema):
    grid: str = Field("", max_length=18, pattern=r"^\d*$")
    station: int | None = None
    start: date | None = Field(None, alias="from")
    end: date | None = Field(None, alias="to")


def _window(request: HttpRequest, w: Window) -> tuple[str, date, date]:
    actor = actor_from_request(request, required=True)
    end = w.end or timezone.localdate()
    start = w.start or end - timedelta(days=29)
    if start > end or (end - start).days > 366:
        raise BadInput(gettext("the range runs forward and spans at most a year"))
    prefix = w.grid
    if w.station is not None:
        prefix = services.station_for(actor, w.station, act=False).code
    if not prefix and not (actor.is_admin or actor.is_system):
        scopes = rules.scopes(actor)
        if len(scopes) != 1:
            raise BadInput(gettext("name the grid to count under (grid=…)"))
        prefix = scopes[0]
    if not rules.may_read(actor, prefix or "0") and not actor.is_admin:
        raise NotFound(gettext("no such grid among yours"))
    return prefix, start, end


@router.get("/logs", response={200: dict, **ERRORS}, summary="The service log of my area")
def log_list(request: HttpRequest, w: Query[Window]):
    prefix, start, end = _window(request, w)
    rows = selectors.logs(prefix, start, end, w.station)[:1000]
    return {
        "items": [
            {
                "id": x.pk,
                "station": x.station_id,
                "station_name": x.station.name,
                "service_type": x.service_type,
                "groups": x.groups,
                "day": x.day.isoformat(),
                "person_times": x.person_times,
                "offering": x.offering_id,
                "notes": x.notes,
            }
            for x in rows
        ]
    }


@router.get("/figures", response={200: dict, **ERRORS}, summary="Figures per station, community or street")
def figures(request: HttpRequest, w: Query[Window]):
    prefix, start, end = _window(request, w)
    return selectors.figures(prefix, start, end, w.station)
