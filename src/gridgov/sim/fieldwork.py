"""The demo city's fieldwork (演示巡查与走访): patrols, household visits and sensors through the real services.

Done in the fully built street only (sim/residents.FULL_STREET), where the registry holds every household:
- a workday patrol plan (巡查计划) per 三级网格, two points at its buildings, both to be checked in at;
- each grid worker (专职 and 兼职) walks it on a share of the working days (drawn per worker between 65 and 95 %), a
  session of an hour or so with a few track points and a check-in at each point, so the street's
  attendance (出勤率) lies between 60 and 100 %;
- household visits (入户走访) on working days, and weekly care visits (关爱探访) for some 独居老人: most
  households on time, a few left a fortnight without one, so care_due shows them overdue;
- a few fall and smoke detectors in those households, one or two alarms (receive_alarm opens the case).

Every call carries the simulated moment; nothing is written after `now`. Deterministic for a seed and
`now` (one random.Random, rows read in code order).
"""

from __future__ import annotations

import logging
import random
import uuid
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from gridgov.core.errors import GridgovError
from gridgov.grids.models import Grid
from gridgov.patrols import services as patrols
from gridgov.people.actors import Actor
from gridgov.registry.models import Address, AddressLevel, Household
from gridgov.sensors.alarms import receive_alarm
from gridgov.sensors.services import register_device
from gridgov.sim.cast import Cast
from gridgov.sim.residents import FULL_STREET
from gridgov.visits.services import record_visit
from gridgov.worktime.calendar import current_calendar

CARED_PER_GRID = 3  # 独居老人 households per grid on weekly care visits
VISITS_PER_DAY = 1  # ordinary visits a worker makes on a working day
DEVICES = 4
ALARMS = 2


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _local(day: date, hour: float) -> datetime:
    return timezone.make_aware(datetime.combine(day, time()) + timedelta(hours=hour))


class _Fieldwork:
    def __init__(self, *, days: int, seed: int, now: datetime, street: str):
        self.rng = random.Random(seed + 3000)
        self.now = now
        self.first = timezone.localdate(now) - timedelta(days=days)
        self.days = [self.first + timedelta(days=n) for n in range(days + 1)]
        calendar = current_calendar()
        self.workdays = [d for d in self.days if calendar.is_workday(d)]
        self.cast = Cast()
        self.grids = list(Grid.objects.filter(level=3, valid_to__isnull=True, code__startswith=street).order_by("code"))
        self.counts = {"plans": 0, "sessions": 0, "checkins": 0, "visits": 0, "care_visits": 0, "devices": 0}
        self.counts |= {"alarms": 0, "refused": 0}

    def actor(self, role: str, code: str) -> Actor | None:
        name = self.cast.scoped(role, code)
        return self.cast.actor(name) if name else None

    def run(self) -> dict[str, int]:
        cared: list[tuple[Actor, Household]] = []
        for grid in self.grids:
            worker = self.actor("grid_worker", grid.code)
            leader = self.actor("grid_leader", grid.code)
            if worker is None or leader is None:
                continue
            plan = self.plan(leader, grid)
            if plan is not None:  # every grid worker of the grid walks it, 专职 and 兼职 alike
                for name in self.cast.by_role.get("grid_worker", {}).get(grid.code, []):
                    self.patrols(self.cast.actor(name), plan)
            cared += self.visits(worker, grid)
        self.sensors(cared)
        return self.counts

    def plan(self, leader: Actor, grid: Grid):
        spots = list(
            Address.objects.filter(grid=grid, level=AddressLevel.BUILDING, lon__isnull=False)
            .order_by("pk")
            .values_list("name", "lon", "lat")[:2]
        )
        if len(spots) < 2:
            return None
        plan = patrols.create_plan(
            actor=leader,
            grid=grid,
            name=f"{grid.name}日常巡查",
            window_start=time(8),
            window_end=time(18),
            valid_from=self.first,
            frequency="workdays",
            min_checkins=2,
            points=[{"name": name, "lon": lon, "lat": lat, "radius_m": 80} for name, lon, lat in spots],
        )
        self.counts["plans"] += 1
        return plan

    def patrols(self, worker: Actor, plan) -> None:
        share = self.rng.uniform(0.65, 0.95)
        points = list(plan.points.order_by("order"))
        for day in self.workdays:
            start = _local(day, self.rng.uniform(8.5, 10.5))
            end = start + timedelta(minutes=self.rng.randint(50, 100))
            if self.rng.random() > share or end > self.now:
                continue
            try:
                session = patrols.start_session(
                    actor=worker, client_id=_uuid(self.rng), plan=plan, started_at=start
                ).session
                track = [
                    {
                        "id": str(_uuid(self.rng)),
                        "lon": p.lon + self.rng.uniform(-2e-4, 2e-4),
                        "lat": p.lat + self.rng.uniform(-2e-4, 2e-4),
                        "at": (start + timedelta(minutes=10 * (n + 1))).isoformat(),
                    }
                    for n, p in enumerate(points)
                ]
                patrols.sync_track(actor=worker, session=session, points=track)
                for n, p in enumerate(points):
                    patrols.check_in(
                        actor=worker,
                        session=session,
                        point=p,
                        lon=p.lon,
                        lat=p.lat,
                        at=start + timedelta(minutes=10 * (n + 1) + 1),
                    )
                    self.counts["checkins"] += 1
                patrols.end_session(actor=worker, session=session, ended_at=end)
                self.counts["sessions"] += 1
            except GridgovError:
                self.counts["refused"] += 1

    def visits(self, worker: Actor, grid: Grid) -> list[tuple[Actor, Household]]:
        households = list(Household.objects.filter(grid=grid, active=True).order_by("pk"))
        if not households:
            return []
        alone = list(
            Household.objects.filter(grid=grid, active=True, residents__tags__code="living_alone")
            .order_by("pk")
            .distinct()[:CARED_PER_GRID]
        )
        for day in self.workdays:
            for _ in range(VISITS_PER_DAY):
                self.visit(worker, self.rng.choice(households), _local(day, self.rng.uniform(14, 17)), "visit")
        for n, household in enumerate(alone):
            overdue = n == len(alone) - 1 and self.rng.random() < 0.5  # some left without a visit for long
            stop = self.now - timedelta(days=15 if overdue else 0)
            moment = _local(self.first, 15 + self.rng.uniform(0, 2))
            while moment <= stop:
                self.visit(worker, household, moment, "care")
                moment += timedelta(days=7, hours=self.rng.uniform(-3, 3))
        return [(worker, h) for h in alone]

    def visit(self, worker: Actor, household: Household, at: datetime, purpose: str) -> None:
        if at > self.now:
            return
        people = list(household.residents.filter(active=True).values_list("pk", flat=True))
        try:
            record_visit(
                actor=worker,
                client_id=_uuid(self.rng),
                household=household,
                purpose=purpose,
                at=at,
                people_seen=len(people),
                resident_ids=people,
            )
            self.counts["care_visits" if purpose == "care" else "visits"] += 1
        except GridgovError:
            self.counts["refused"] += 1

    def sensors(self, cared: list[tuple[Actor, Household]]) -> None:
        picked = cared[:: max(1, len(cared) // DEVICES)][:DEVICES]
        devices = []
        for n, (worker, household) in enumerate(picked):
            at = _local(self.first, 11)
            kind = "fall" if n % 2 == 0 else "smoke"
            serial = f"SIM-{kind.upper()}-{household.pk:07d}"
            try:
                devices.append(
                    register_device(actor=worker, household=household, kind=kind, serial=serial, at=at).device
                )
                self.counts["devices"] += 1
            except GridgovError:
                self.counts["refused"] += 1
        for n, device in enumerate(devices[:ALARMS]):
            at = self.now - timedelta(days=3 + 5 * n, hours=self.rng.uniform(0, 8))
            try:
                receive_alarm(device=device, event_id=f"sim-{device.serial}-{n}", at=at)
                self.counts["alarms"] += 1
            except GridgovError:
                self.counts["refused"] += 1


def simulate_fieldwork(*, days: int, seed: int = 0, now: datetime | None = None, street: str = FULL_STREET) -> dict:
    """`days` of patrols, visits and sensor alarms in `street` ending `now` (see the module docstring); counts."""
    if days <= 0:
        return {}
    chatty = logging.getLogger("gridgov.notifications")  # an alarm's notifications, as in simulate_history
    level = chatty.level
    chatty.setLevel(max(level, logging.WARNING))
    try:
        with transaction.atomic():  # inside: its notifications go out on commit, while they are quiet
            return _Fieldwork(days=days, seed=seed, now=now or timezone.now(), street=street).run()
    finally:
        chatty.setLevel(level)
