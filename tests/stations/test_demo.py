"""The demo's service stations (sim/stations.py) on 柳湖街道 with one community's residents registered: all three
levels, the six service types and seven groups in the catalogues, a month held with its log, upcoming ones
with waiting lists; quickly."""

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from gridgov.sim.residents import FULL_STREET, build_demo_registry
from gridgov.sim.stations import build_demo_stations
from gridgov.stations import selectors
from gridgov.stations.models import CatalogueItem, Offering, ServiceLog, ServiceType, Station, TargetGroup

NOW = datetime(2025, 6, 12, 18, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
COMMUNITY = "410102014001"


@pytest.mark.django_db
def test_the_demo_stations(demo_city):
    build_demo_registry(seed=0, full_street=COMMUNITY, sample=0, at=NOW - timedelta(days=40))
    started = time.monotonic()
    made = build_demo_stations(seed=0, now=NOW)
    assert time.monotonic() - started < 10  # a few seconds; headroom for a busy machine
    stations = Station.objects.filter(code__startswith=FULL_STREET)
    assert set(stations.values_list("level", flat=True)) == {1, 2, 3} and stations.count() == made["stations"]
    items = CatalogueItem.objects.filter(station__in=stations)
    assert set(items.values_list("service_type", flat=True)) == set(ServiceType.values)
    assert {g for gs in items.values_list("groups", flat=True) for g in gs} == set(TargetGroup.values)
    held = Offering.objects.filter(station__in=stations, status="finished")
    assert held.count() == made["held"] > 0 and all(o.starts_at < NOW for o in held)
    assert ServiceLog.objects.filter(offering__in=held).count() == held.count()
    assert made["waitlisted"] > 0 and made["upcoming"] > 0
    f = selectors.figures(FULL_STREET, (NOW - timedelta(days=30)).date(), NOW.date())
    assert f["person_times"] > 0 and f["attendance_rate"] is not None and 0.5 < f["attendance_rate"] <= 1
