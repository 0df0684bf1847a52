"""Staff work: who may act on a station, attendance writing its log entry once, and the figures by hand."""

from datetime import date, timedelta

import pytest

from gridgov.core.errors import BadInput, Conflict, Forbidden, NotFound
from gridgov.stations import bookings, rules, selectors, services
from gridgov.stations.models import Booking, ServiceLog, Station
from tests.cases import helpers as h
from tests.stations.conftest import DISPATCHER, LEADER, ON, OTHER_WORKER, PHONES, SYSTEM, WORKER, resident

pytestmark = pytest.mark.django_db


def test_levels_follow_the_grid(clock):
    street = services.create_station(actor=SYSTEM, name="林山寨街道行政服务中心", grid_code=h.STREET)
    point = services.create_station(actor=SYSTEM, name="矩阵便民服务点", grid_code=h.GRID, level=3)
    assert (street.level, point.level) == (1, 3)
    with pytest.raises(BadInput):
        services.create_station(actor=SYSTEM, name="错层", grid_code=h.COMMUNITY, level=3)
    with pytest.raises(Conflict):
        services.create_station(actor=SYSTEM, name="矩阵便民服务点", grid_code=h.GRID)
    with pytest.raises(NotFound):
        services.create_station(actor=SYSTEM, name="无", grid_code="410102999999")


def test_who_may_act(station):
    s, _ = station
    # the community's leader and the street's dispatcher act; the grid worker of a grid below does not cover
    # the community station; another street's worker does not even see it; the district leader only reads
    services.add_item(actor=h.actor(LEADER), station_id=s.pk, service_type="life", name="理发", groups=["elderly"])
    services.add_item(actor=h.actor(DISPATCHER), station_id=s.pk, service_type="health", name="量血压", groups=[])
    with pytest.raises(NotFound):
        services.add_item(actor=h.actor(WORKER), station_id=s.pk, service_type="life", name="x", groups=[])
    with pytest.raises(NotFound):
        services.add_item(actor=h.actor(OTHER_WORKER), station_id=s.pk, service_type="life", name="x", groups=[])
    with pytest.raises(Forbidden):
        services.add_item(actor=h.actor("leader"), station_id=s.pk, service_type="life", name="x", groups=[])
    point = services.create_station(actor=h.actor(WORKER), name="我的服务点", grid_code=h.GRID)
    assert point.level == 3 and rules.may_act(h.actor(WORKER), point.code)
    with pytest.raises(BadInput):
        services.add_item(actor=SYSTEM, station_id=s.pk, service_type="fun", name="x", groups=[])
    with pytest.raises(BadInput):
        services.add_item(actor=SYSTEM, station_id=s.pk, service_type="life", name="x", groups=["pets"])
    assert set(selectors.staff_stations(h.actor(OTHER_WORKER))) == set()
    assert s in set(selectors.staff_stations(h.actor(LEADER)))


def test_attendance_writes_the_log_once(activity, clock):
    made = [bookings.sign_up(resident=resident(p), offering_id=activity.pk, name="某人") for p in PHONES[:3]]
    with pytest.raises(Conflict):  # not started yet
        services.mark_attendance(actor=SYSTEM, offering_id=activity.pk, attended=[made[0].pk])
    clock.move_to(activity.starts_at + timedelta(hours=3))
    with pytest.raises(BadInput):  # a waitlisted booking did not hold a place
        services.mark_attendance(actor=SYSTEM, offering_id=activity.pk, attended=[made[2].pk])
    log = services.mark_attendance(actor=h.actor(LEADER), offering_id=activity.pk, attended=[made[0].pk])
    assert (log.person_times, log.service_type, log.groups) == (1, "culture", ["youth", "elderly"])
    assert [Booking.objects.get(pk=b.pk).status for b in made] == ["attended", "no_show", "cancelled"]
    again = services.mark_attendance(actor=h.actor(LEADER), offering_id=activity.pk, attended=[made[0].pk, made[1].pk])
    assert again.pk == log.pk and again.person_times == 2
    assert ServiceLog.objects.filter(offering=activity).count() == 1
    with pytest.raises(Conflict):  # held: no more sign-ups
        bookings.sign_up(resident=resident(PHONES[5]), offering_id=activity.pk, name="迟到")


def test_figures_by_hand(activity, clock):
    s = Station.objects.get(pk=activity.station_id)
    other = services.create_station(actor=SYSTEM, name="兄弟社区服务站", grid_code="410102001003")
    for p in PHONES[:2]:
        bookings.sign_up(resident=resident(p), offering_id=activity.pk, name="某人")
    cancelled = bookings.sign_up(resident=resident(PHONES[2]), offering_id=activity.pk, name="某人")
    bookings.cancel(resident=resident(PHONES[2]), booking_id=cancelled.pk)
    clock.move_to(activity.ends_at)
    first = Booking.objects.filter(offering=activity, status="confirmed").order_by("pk").first()
    services.mark_attendance(actor=SYSTEM, offering_id=activity.pk, attended=[first.pk])  # culture, youth+elderly: 1
    day = ON.date()
    services.add_log(actor=SYSTEM, station_id=s.pk, service_type="government", day=day, person_times=5, groups=["poor"])
    services.add_log(actor=SYSTEM, station_id=other.pk, service_type="life", day=day, person_times=7, groups=[])
    services.add_log(  # outside the range
        actor=SYSTEM, station_id=s.pk, service_type="life", day=day - timedelta(days=40), person_times=100, groups=[]
    )
    start, end = day - timedelta(days=29), day + timedelta(days=1)
    f = selectors.figures(h.COMMUNITY, start, end)
    assert f["person_times"] == 6
    assert f["by_service_type"] == {"government": 5, "life": 0, "health": 0, "culture": 1, "welfare": 0, "security": 0}
    assert f["by_target_group"]["poor"] == 5 and f["by_target_group"]["youth"] == 1
    assert f["by_target_group"]["elderly"] == 1 and f["by_target_group"]["disabled"] == 0
    assert (f["activities_held"], f["bookings"], f["attended"], f["no_show"]) == (1, 2, 1, 1)
    assert f["attendance_rate"] == 0.5
    street = selectors.figures(h.STREET, start, end)
    assert street["person_times"] == 13 and street["by_service_type"]["life"] == 7
    assert selectors.figures(h.STREET, start, end, station=other.pk)["person_times"] == 7
    with pytest.raises(BadInput):
        services.add_log(
            actor=SYSTEM, station_id=s.pk, service_type="life", day=date(2026, 4, 1), person_times=1, groups=[]
        )
