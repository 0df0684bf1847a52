"""Devices: registration returns the secret once (only its hash is kept), scope like cases (404 outside),
silent devices found by their own threshold and flagged by the periodic task."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from gridgov.core.errors import Forbidden
from gridgov.people.actors import Actor
from gridgov.sensors import selectors, services, tasks
from gridgov.sensors.models import Device
from tests.sensors.conftest import RESIDENT_NAME, device_headers

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
OTHER_WORKER = "worker-410102002001001"  # a 三级网格 of another street


def test_the_secret_is_kept_only_as_a_hash(smoke):
    device, secret = smoke
    stored = Device.objects.get(pk=device.pk)
    assert secret not in stored.secret_hash and stored.secret_hash == services.secret_hash(secret)
    assert stored.silent_after_hours == 24  # the smoke detector's default


def test_only_the_grids_staff_register_devices(household, account):
    with pytest.raises(Forbidden):
        services.register_device(
            actor=Actor.of(account(OTHER_WORKER)), household=household, kind="door", serial="DOOR-1"
        )


def test_devices_are_seen_in_scope_and_404_outside(api, smoke, spot):
    device, _ = smoke
    worker = api(f"worker-{spot['grid']}")
    listed = worker.get("/sensors/devices").json()["devices"]
    assert [d["serial"] for d in listed] == ["SMK-0001"]
    assert listed[0]["grid"]["code"] == spot["grid"]
    assert RESIDENT_NAME not in str(listed)
    leader = api(f"leader-{spot['community']}")
    assert leader.get(f"/sensors/devices/{device.serial}").status_code == 200
    assert leader.get("/sensors/devices", {"grid": spot["grid"]}).json()["devices"][0]["serial"] == "SMK-0001"

    other = api(OTHER_WORKER)
    assert other.get("/sensors/devices").json() == {"devices": []}
    assert other.get(f"/sensors/devices/{device.serial}").status_code == 404
    assert other.get("/sensors/devices", {"grid": spot["grid"]}).status_code == 404
    assert other.get("/sensors/silent", {"grid": spot["grid"]}).status_code == 404
    assert api().get("/sensors/devices").status_code == 401


def test_silent_devices_by_their_own_threshold(api, household, account, spot):
    worker = Actor.of(account(f"worker-{spot['grid']}"))
    with time_machine.travel(T0, tick=False):
        smoke = services.register_device(actor=worker, household=household, kind="smoke", serial="SMK-1")
        fall = services.register_device(actor=worker, household=household, kind="fall", serial="FALL-1")
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        beat = api().post("/sensors/heartbeat", {}, **device_headers("SMK-1", smoke.secret))
        assert beat.status_code == 200, beat.content
    with time_machine.travel(T0 + timedelta(hours=13), tick=False):
        # the fall detector's 12 hours since registration are over; the smoke detector's 24 since its beat are not
        assert [d.serial for d in selectors.silent_devices()] == ["FALL-1"]
    with time_machine.travel(T0 + timedelta(hours=25, minutes=1), tick=False):
        assert [d.serial for d in selectors.silent_devices()] == ["FALL-1", "SMK-1"]
        assert tasks.flag_silent_devices() == 2
        assert tasks.flag_silent_devices() == 0  # flagged once
        shown = api(f"worker-{spot['grid']}").get("/sensors/silent").json()["devices"]
        assert [d["serial"] for d in shown] == ["FALL-1", "SMK-1"]
        assert all(d["silent_since"] for d in shown)
        assert api().post("/sensors/heartbeat", {}, **device_headers("FALL-1", fall.secret)).status_code == 200
        assert [d.serial for d in selectors.silent_devices()] == ["SMK-1"]
        assert Device.objects.get(serial="FALL-1").silent_since is None
    # a retired device is never silent
    services.retire_device(actor=worker, device=smoke.device)
    with time_machine.travel(T0 + timedelta(days=3), tick=False):
        assert [d.serial for d in selectors.silent_devices()] == ["FALL-1"]


def test_the_admin_shows_devices_and_alarms_but_not_the_secret(root, smoke):
    device, secret = smoke
    listed = root.get("/admin/sensors/device/")
    assert listed.status_code == 200 and "SMK-0001" in listed.content.decode()
    page = root.get(f"/admin/sensors/device/{device.pk}/change/").content.decode()
    assert "SMK-0001" in page and device.secret_hash not in page and secret not in page
    assert root.get("/admin/sensors/alarm/").status_code == 200
    assert root.get("/admin/sensors/device/add/").status_code == 403  # registered through the service only
