"""The demo city's service stations (演示 3671 便民服务体系), through the services, in 柳湖街道
(sim/residents.FULL_STREET):

- the street's 行政服务中心 and 生活文化服务中心 (一级网格), a 便民服务站 per community (二级网格), and a
  便民服务点 in the first three 三级网格;
- catalogues covering the six service types and the seven target groups;
- the past month: activities held with residents of the registry signed up, attendance marked (so the service
  log has its entries), and walk-in service logged;
- the coming two weeks: activities and appointment slots open for sign-up, some full with a waiting list.

Deterministic for a seed and `now`.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

import numpy as np
from django.db import transaction
from django.utils import timezone

from gridgov.grids.models import Grid
from gridgov.people.actors import Actor
from gridgov.registry.models import Resident
from gridgov.sim.residents import FULL_STREET
from gridgov.stations import bookings, services
from gridgov.stations.models import Booking, Offering, Station

SYSTEM = Actor.system("demo stations")
SIGN_UPS_HELD = 10  # at most this many residents signed up for a held activity (the demo's time budget)
# (service type, groups, name, capacity, kind) per station level
STREET_GOV = [
    ("government", ["elderly", "poor", "unemployed", "disabled"], "社保医保业务办理", 10, "appointment"),
    ("government", ["unemployed"], "就业创业政策咨询", 12, "activity"),
    ("security", ["released", "unmanaged"], "法律援助咨询", 8, "appointment"),
]
STREET_LIFE = [
    ("culture", ["youth"], "青少年书法班", 15, "activity"),
    ("health", ["elderly", "disabled"], "社区义诊", 15, "activity"),
    ("welfare", ["poor", "disabled"], "爱心助残志愿服务", 12, "activity"),
]
COMMUNITY = [
    ("life", ["elderly", "disabled"], "爱心理发", 3, "appointment"),
    ("welfare", ["poor", "elderly"], "老年助餐", 12, "activity"),
    ("culture", ["youth"], "四点半课堂", 12, "activity"),
    ("security", ["released"], "安置帮教谈心", 6, "activity"),
    ("government", ["unemployed", "poor"], "就业技能培训", 10, "activity"),
    ("health", ["elderly"], "量血压测血糖", 10, "activity"),
    ("security", ["unmanaged"], "无主管楼院安全巡查宣传", 12, "activity"),
]
POINT = [
    ("life", ["elderly", "unmanaged"], "水电气代缴代办", 5, "appointment"),
    ("welfare", ["elderly", "disabled"], "上门关爱登记", 6, "activity"),
]


def _people(prefix: str, limit: int = 60) -> list[tuple[str, str, str]]:
    """(phone digest, name, phone) of registry residents with a phone under `prefix`."""
    rows = Resident.objects.filter(grid__code__startswith=prefix, active=True).exclude(phone_digest="")
    people: dict[str, tuple[str, str, str]] = {}  # a household may share one phone: one booking per phone
    for r in rows.order_by("pk")[: limit * 2]:
        people.setdefault(r.phone_digest, (r.phone_digest, r.name, r.phone))
    return list(people.values())[:limit]


def _catalogue(station: Station, entries) -> list:
    return [
        (services.add_item(actor=SYSTEM, station_id=station.pk, service_type=t, groups=g, name=n), cap, kind)
        for t, g, n, cap, kind in entries
    ]


def _offer(item, cap: int, kind: str, start: datetime) -> Offering:
    length = timedelta(minutes=30) if kind == "appointment" else timedelta(hours=2)
    return services.create_offering(
        actor=SYSTEM,
        item_id=item.pk,
        kind=kind,
        title=item.name,
        starts_at=start,
        ends_at=start + length,
        capacity=cap,
        deadline=start - timedelta(hours=2),
        place=item.station.address or item.station.name,
    )


def _sign_ups(offering: Offering, people, count: int, rng, at: datetime) -> list[Booking]:
    made = []
    for n in rng.permutation(len(people))[:count]:
        digest, name, phone = people[int(n)]
        made.append(bookings.sign_up(resident=digest, offering_id=offering.pk, name=name, phone=phone, at=at))
    return made


def build_demo_stations(*, seed: int = 0, now: datetime | None = None) -> dict:
    """Stations, catalogues, a month of held activities and upcoming ones in 柳湖街道; what was made."""
    now = now or timezone.now()
    rng = np.random.default_rng(seed + 3671)
    grids = list(
        Grid.objects.filter(code__startswith=FULL_STREET, level=3, valid_to__isnull=True)
        .order_by("code")
        .values_list("code", flat=True)
    )
    if not grids:
        return {"stations": 0}
    communities = list(
        Grid.objects.filter(code__in=sorted({g[:12] for g in grids}), valid_to__isnull=True).order_by("code")
    )
    today = timezone.localdate(now)
    tz = timezone.get_current_timezone()
    with transaction.atomic():
        stations: list[tuple[Station, list, list]] = []
        gov = services.create_station(
            actor=SYSTEM,
            name="柳湖街道行政服务中心",
            grid_code=FULL_STREET,
            address="柳湖路1号",
            hours="周一至周五 9:00–17:00",
        )
        life = services.create_station(
            actor=SYSTEM,
            name="柳湖街道生活文化服务中心",
            grid_code=FULL_STREET,
            address="柳湖路3号",
            hours="每天 8:30–20:00",
        )
        people = _people(FULL_STREET, 200)
        stations += [(gov, _catalogue(gov, STREET_GOV), people), (life, _catalogue(life, STREET_LIFE), people)]
        for c in communities:
            s = services.create_station(
                actor=SYSTEM,
                name=f"{c.name}便民服务站",
                grid_code=c.code,
                address=f"{c.name}党群服务中心",
                hours="8:30–18:00",
            )
            stations.append((s, _catalogue(s, COMMUNITY), _people(c.code)))
        for code in grids[:3]:
            s = services.create_station(
                actor=SYSTEM, name=f"{code[-3:]}网格便民服务点", grid_code=code, hours="9:00–17:00"
            )
            stations.append((s, _catalogue(s, POINT), _people(code, 30)))
        held = upcoming = 0
        for station, items, folks in stations:
            if not folks:
                continue
            for week in range(4):  # the past month: one item a week, held, attendance marked
                item, cap, kind = items[(week + station.pk) % len(items)]
                day = today - timedelta(days=7 * week + int(rng.integers(2, 7)))
                start = datetime.combine(day, time(int(rng.integers(9, 16))), tz)
                o = _offer(item, cap, kind, start)
                signed = _sign_ups(
                    o,
                    folks,
                    min(len(folks), SIGN_UPS_HELD, int(rng.integers(cap // 2 + 1, cap + 3))),
                    rng,
                    start - timedelta(days=2),
                )
                came = [b.pk for b in signed if b.status == "confirmed" and rng.random() < 0.8]
                services.mark_attendance(actor=SYSTEM, offering_id=o.pk, attended=came, at=start + timedelta(hours=3))
                held += 1
            for _ in range(3):  # walk-in service logged
                item, _, _ = items[int(rng.integers(len(items)))]
                services.add_log(
                    actor=SYSTEM,
                    station_id=station.pk,
                    service_type=item.service_type,
                    groups=item.groups,
                    day=today - timedelta(days=int(rng.integers(1, 29))),
                    person_times=int(rng.integers(3, 30)),
                    notes=f"日常接待：{item.name}",
                )
            for k in range(2):  # the coming two weeks; the first of each is full with people waiting
                item, cap, kind = items[(k + station.pk + 1) % len(items)]
                start = datetime.combine(today + timedelta(days=int(rng.integers(2, 14))), time(10), tz)
                o = _offer(item, cap, kind, start)
                count = cap + 2 if k == 0 else int(rng.integers(0, cap))
                _sign_ups(o, folks, min(len(folks), count), rng, now)
                upcoming += 1
    return {
        "stations": len(stations),
        "held": held,
        "upcoming": upcoming,
        "bookings": Booking.objects.filter(offering__station__code__startswith=FULL_STREET).count(),
        "waitlisted": Booking.objects.filter(
            offering__station__code__startswith=FULL_STREET, status="waitlisted"
        ).count(),
    }
