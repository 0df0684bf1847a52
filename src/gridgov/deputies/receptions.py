"""Writes of 联络站 and 代表接待日: stations and their deputies, a month's reception days planned (by default
the 9th and 10th), attendance and residents received, and what residents raised (each a 需求单 in one step)."""

from __future__ import annotations

import calendar
from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.core import audit
from gridgov.core.errors import BadInput, Conflict, Forbidden, NotFound
from gridgov.deputies import rules, services
from gridgov.deputies.models import DeputyProfile, LiaisonStation, Need, Reception
from gridgov.grids.models import Grid
from gridgov.people.actors import Actor
from gridgov.visits.services import check_free_text

DEFAULT_DAYS = (9, 10)  # 每月9日至10日


def _log(actor: Actor, action: str, kind: str, oid, **data) -> None:
    audit.record(actor=actor.user, action=f"deputies.{action}", object_type=kind, object_id=str(oid), data=data)


def _deputies(usernames: list[str]) -> list:
    users = list(get_user_model().objects.filter(username__in=usernames))
    if len(users) != len(set(usernames)):
        raise BadInput(
            gettext("unknown deputies: %(n)s") % {"n": ", ".join(sorted(set(usernames) - {u.username for u in users}))}
        )
    return users


@transaction.atomic
def set_level(*, actor: Actor, username: str, level: str) -> DeputyProfile:
    if not (actor.is_admin or actor.is_system):
        raise Forbidden(gettext("deputies' levels are set by administrators"))
    if level not in rules.LEVELS:
        raise BadInput(gettext("the level is one of %(known)s") % {"known": ", ".join(rules.LEVELS)})
    (user,) = _deputies([username])
    profile, _ = DeputyProfile.objects.update_or_create(user=user, defaults={"level": level})
    _log(actor, "level", "user", user.pk, level=level)
    return profile


@transaction.atomic
def create_station(
    *, actor: Actor, name: str, grid_code: str, address: str = "", deputies: tuple[str, ...] = ()
) -> LiaisonStation:
    """联络站/联系点 in a grid, with its deputies (holders of a deputy post covering the grid)."""
    grid = Grid.objects.filter(code=grid_code, valid_to__isnull=True).first()
    if grid is None:
        raise NotFound(gettext("no grid %(code)s") % {"code": grid_code})
    if not (actor.is_admin or actor.is_system or actor.can("leader", grid_code)):
        raise Forbidden(gettext("stations are set up by leaders of the area"))
    name = check_free_text(name, gettext("the name"))[:100]
    if not name:
        raise BadInput(gettext("a station needs its name"))
    station = LiaisonStation.objects.create(
        name=name, grid=grid, address=check_free_text(address, gettext("the address"))[:200]
    )
    users = _deputies(list(deputies))
    for user in users:
        if not Actor.of(user).can("deputy", grid_code):
            raise BadInput(gettext("%(u)s holds no deputy post over this grid") % {"u": user.username})
    station.deputies.set(users)
    _log(actor, "station", "station", station.pk, grid=grid_code, deputies=sorted(u.username for u in users))
    return station


def _station(actor: Actor, station_id: int) -> LiaisonStation:
    station = LiaisonStation.objects.select_related("grid").filter(pk=station_id).first()
    if station is None or not (actor.is_admin or actor.is_system or actor.can_any(rules.READ_ROLES, station.grid.code)):
        raise NotFound(gettext("no such liaison station among yours"))
    return station


def _may_run(actor: Actor, station: LiaisonStation) -> None:
    if not (
        actor.is_admin
        or actor.is_system
        or actor.can("leader", station.grid.code)
        or station.deputies.filter(pk=getattr(actor.user, "pk", None)).exists()
    ):
        raise Forbidden(gettext("the station's deputies and the area's leaders keep its reception days"))


@transaction.atomic
def plan_month(*, actor: Actor, station_id: int, month: str, days: tuple[int, ...] = DEFAULT_DAYS) -> list[Reception]:
    """The month's reception days (e.g. "2026-12", the 9th and 10th), all the station's deputies on duty;
    days planned already are kept (planning twice writes nothing)."""
    station = _station(actor, station_id)
    _may_run(actor, station)
    try:
        year, mon = (int(x) for x in month.split("-"))
        last = calendar.monthrange(year, mon)[1]
    except (ValueError, calendar.IllegalMonthError):
        raise BadInput(gettext("the month is like 2026-12")) from None
    if not days or any(not 1 <= d <= last for d in days):
        raise BadInput(gettext("the days must lie in the month"))
    deputies = list(station.deputies.all())
    made = []
    for d in sorted(set(days)):
        reception, created = Reception.objects.get_or_create(station=station, day=date(year, mon, d))
        if created:
            reception.on_duty.set(deputies)
        made.append(reception)
    _log(actor, "planned", "station", station.pk, month=month, days=sorted(set(days)))
    return made


def _reception(actor: Actor, reception_id: int) -> Reception:
    reception = Reception.objects.select_related("station__grid").filter(pk=reception_id).first()
    if reception is None:
        raise NotFound(gettext("no such reception day among yours"))
    _station(actor, reception.station_id)
    _may_run(actor, reception.station)
    return reception


@transaction.atomic
def record_attendance(*, actor: Actor, reception_id: int, attended: list[str], residents_received: int) -> Reception:
    """Who came (deputies of the station) and how many residents were received; on or after the day."""
    reception = _reception(actor, reception_id)
    if reception.day > timezone.localdate():
        raise Conflict(gettext("attendance is recorded on the day or after it"))
    if residents_received < 0:
        raise BadInput(gettext("the residents received cannot be negative"))
    users = _deputies(list(attended))
    station_ids = set(reception.station.deputies.values_list("pk", flat=True))
    if any(u.pk not in station_ids for u in users):
        raise BadInput(gettext("only the station's deputies attend its reception days"))
    reception.attended.set(users)
    reception.residents_received = residents_received
    reception.recorded_at = timezone.now()
    reception.save(update_fields=["residents_received", "recorded_at"])
    _log(actor, "attendance", "reception", reception.pk, attended=len(users), residents=residents_received)
    return reception


def raise_at_reception(
    *, actor: Actor, reception_id: int, text: str, name: str = "", phone: str = "", category: str = "", client_id=None
) -> Need:
    """What a resident raised on the reception day: a 需求单 of the station's grid, in one step."""
    reception = _reception(actor, reception_id)
    if reception.day > timezone.localdate():
        raise Conflict(gettext("needs are raised on the reception day or after it"))
    return services.collect_need(
        actor=actor,
        grid_code=reception.station.grid.code,
        text=text,
        source="reception",
        category=category,
        name=name,
        phone=phone,
        reception=reception,
        client_id=client_id,
    )
