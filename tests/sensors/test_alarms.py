"""Alarms (智能守护): per-device authentication, one urgent case per incident in the household's grid,
repeated alarms folded within the window, every event id stored once."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from gridgov.cases.models import Case, Channel
from gridgov.cases.services import register_and_dispatch, reject_case, report_case
from gridgov.notifications.models import Notification
from gridgov.people.actors import Actor
from gridgov.sensors import services
from gridgov.sensors.models import Alarm
from tests.sensors.conftest import RESIDENT_NAME, device_headers

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Monday morning


@pytest.fixture
def clock():
    with time_machine.travel(T0 + timedelta(hours=3), tick=True) as traveller:
        yield traveller


def send(api, device, secret, event_id, at, **extra):
    body = {"event_id": event_id, "at": at.isoformat(), **extra}
    return api().post("/sensors/alarms", body, **device_headers(device.serial, secret))


def sensor_cases():
    return Case.objects.filter(channel=Channel.SENSOR)


def test_an_alarm_needs_its_own_devices_secret(api, smoke, account, spot, clock):
    device, secret = smoke
    body = {"event_id": "e1", "at": T0.isoformat()}
    assert api().post("/sensors/alarms", body).status_code == 401
    assert api().post("/sensors/alarms", body, **device_headers(device.serial, secret + "x")).status_code == 401
    assert api().post("/sensors/alarms", body, **device_headers("SMK-9999", secret)).status_code == 401
    assert api().post("/sensors/alarms", body, HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
    # a staff token is no device either
    assert api(f"worker-{spot['grid']}").post("/sensors/alarms", body).status_code == 401
    assert api().post("/sensors/heartbeat", {}, **device_headers(device.serial, "wrong")).status_code == 401
    # with the right secret a bad body is 400, and nothing is written
    bad = api().post("/sensors/alarms", {"at": "yesterday"}, **device_headers(device.serial, secret))
    assert bad.status_code == 400, bad.content
    naive = api().post(
        "/sensors/alarms", {"event_id": "e0", "at": "2026-03-02T09:00:00"}, **device_headers(device.serial, secret)
    )
    assert naive.status_code == 400, naive.content
    assert not Alarm.objects.exists() and not sensor_cases().exists()

    services.retire_device(actor=Actor.of(account(f"worker-{spot['grid']}")), device=device)
    assert send(api, device, secret, "e1", T0).status_code == 401
    assert not Alarm.objects.exists()


def test_an_alarm_opens_one_urgent_case_in_the_households_grid(api, smoke, household, account, spot, clock):
    device, secret = smoke
    answer = send(api, device, secret, "evt-1", T0, data={"smoke_density": 0.31})
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["folded"] is False and body["event_id"] == "evt-1"
    case = Case.objects.get(number=body["case"])
    assert case.channel == Channel.SENSOR and case.grid.code == spot["grid"]
    assert case.address == household.address.full_text
    assert (case.lon, case.lat) == pytest.approx((spot["lon"], spot["lat"]))
    assert case.reported_at == T0  # dated by the device's event time
    assert "紧急" in case.title and "SMK-0001" in case.description
    assert RESIDENT_NAME not in case.title + case.description + case.address
    alarm = Alarm.objects.get()
    assert alarm.case == case and alarm.opened and alarm.payload == {"smoke_density": 0.31}
    # the grid's worker hears of it at once
    worker = account(f"worker-{spot['grid']}")
    assert Notification.objects.filter(recipient=worker, kind="sensor_alarm", title=case.title).count() == 1
    device.refresh_from_db()
    assert device.last_seen_at is not None


def test_repeated_alarms_fold_into_the_open_case_within_the_window(api, smoke, settings, clock):
    settings.GRIDGOV_SENSOR_FOLD_MINUTES = 30
    device, secret = smoke
    first = send(api, device, secret, "a1", T0).json()
    again = send(api, device, secret, "a2", T0 + timedelta(minutes=10))
    assert again.status_code == 200, again.content
    assert again.json()["folded"] is True and again.json()["case"] == first["case"]
    edge = send(api, device, secret, "a3", T0 + timedelta(minutes=30))
    assert edge.json()["case"] == first["case"]
    # by event time: 31 minutes after the alarm that opened the case is a new incident
    later = send(api, device, secret, "a4", T0 + timedelta(minutes=31))
    assert later.status_code == 201, later.content
    assert later.json()["case"] != first["case"] and later.json()["folded"] is False
    assert sensor_cases().count() == 2
    assert list(Alarm.objects.order_by("at").values_list("event_id", "opened")) == [
        ("a1", True),
        ("a2", False),
        ("a3", False),
        ("a4", True),
    ]


def test_an_alarm_after_the_case_was_finished_opens_a_new_one(api, smoke, account, clock):
    device, secret = smoke
    first = send(api, device, secret, "b1", T0).json()
    # a false alarm: the dispatcher rejects it (不予立案), which ends the case
    reject_case(actor=Actor.of(account("dispatcher")), number=first["case"], reason="误报")
    again = send(api, device, secret, "b2", T0 + timedelta(minutes=5))
    assert again.status_code == 201 and again.json()["case"] != first["case"]


def test_an_alarm_case_runs_on_the_clock_whatever_its_category(api, smoke, account, spot, clock):
    """Urgent from the first moment (URGENT_CHANNEL_HOURS): once dispatched, two clock hours to make the
    household safe, even on a category whose own limit is working days."""
    device, secret = smoke
    number = send(api, device, secret, "u1", T0).json()["case"]
    assert Case.objects.get(number=number).urgent
    dispatched = register_and_dispatch(actor=Actor.of(account("dispatcher")), number=number, unit=spot["grid"])
    assert dispatched.urgent and dispatched.dispatched_at is not None
    assert dispatched.resolve_by == dispatched.dispatched_at + timedelta(hours=2)
    assert dispatched.sign_by <= dispatched.resolve_by
    # a report from another channel at the same spot stays on working days
    ordinary = report_case(
        actor=Actor.of(account(f"worker-{spot['grid']}")), title="井盖缺失", lon=spot["lon"], lat=spot["lat"]
    )
    assert not ordinary.case.urgent


def test_the_same_event_id_twice_is_stored_once_and_answered_alike(api, smoke, clock):
    device, secret = smoke
    first = send(api, device, secret, "dup-1", T0)
    events = first.json()
    repeat = send(api, device, secret, "dup-1", T0)
    # even a resend whose body differs (another time, another reading) is the same event: nothing new
    other = send(api, device, secret, "dup-1", T0 + timedelta(hours=2), data={"x": 1})
    assert (repeat.status_code, repeat.json()) == (first.status_code, events)
    assert (other.status_code, other.json()) == (first.status_code, events)
    assert Alarm.objects.count() == 1 and sensor_cases().count() == 1
    # and a folded alarm resent answers folded again
    folded = send(api, device, secret, "dup-2", T0 + timedelta(minutes=1))
    assert send(api, device, secret, "dup-2", T0 + timedelta(minutes=1)).json() == folded.json()
    assert Alarm.objects.count() == 2 and sensor_cases().count() == 1


def test_event_ids_are_per_device(api, smoke, household, account, spot, clock):
    device, secret = smoke
    worker = Actor.of(account(f"worker-{spot['grid']}"))
    gas = services.register_device(actor=worker, household=household, kind="gas", serial="GAS-0001")
    one = send(api, device, secret, "1", T0).json()
    two = send(api, gas.device, gas.secret, "1", T0).json()
    assert one["alarm"] != two["alarm"] and one["case"] != two["case"]  # another device: its own case
