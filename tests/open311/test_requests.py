"""GET requests and requests/{id}: filters (ids override the rest, service, dates with time zones, status),
the 90-day default, the 1,000 cap and paging, the status mapping, and the public timeline (extensions=true)
without personal data."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from gridgov.cases.models import Case, Status
from gridgov.cases.services.actions import perform
from gridgov.cases.transitions import OPEN_STATUSES
from gridgov.grids.models import Grid
from gridgov.people.actors import Actor
from gridgov.people.models import Post
from tests.open311.schema import problems

TZ = timezone.get_default_timezone()
ON = datetime(2026, 3, 10, 10, 0, tzinfo=TZ)  # a Tuesday, 10:00 local (02:00Z)
DISPATCHER = "dispatcher-410102001"  # the platform of the spot's street


@pytest.fixture
def filed(o311, report):
    """Post a report at a moment (the clock held there); its number."""

    def file(at: datetime, **changes) -> str:
        with time_machine.travel(at, tick=False):
            response, body = o311().post("requests", {**report, "device_id": "", **changes})
        assert response.status_code == 201, body
        return body[0]["service_request_id"]

    return file


def ids(body) -> list[str]:
    return [r["service_request_id"] for r in body]


def test_one_request_is_a_list_of_one_in_both_formats_and_unknown_is_404(o311, filed):
    number = filed(ON)
    response, body = o311().get(f"requests/{number}")
    assert response.status_code == 200
    assert problems("requests", body) == []
    assert ids(body) == [number]
    assert body[0]["requested_datetime"] == "2026-03-10T10:00:00+08:00"
    _, root = o311("xml").get(f"requests/{number}")
    assert root.tag == "service_requests" and [c.tag for c in root] == ["request"]
    assert root.findtext("request/service_request_id") == number
    assert root.findtext("request/lat") == str(body[0]["lat"])
    for fmt in ("json", "xml"):
        assert o311(fmt).get("requests/20260310999999")[0].status_code == 404


def test_status_maps_to_open_or_closed_with_notes(o311, filed):
    number = filed(ON)
    for status in Status.values:
        Case.objects.filter(number=number).update(status=status)
        row = o311().get(f"requests/{number}")[1][0]
        assert row["status"] == ("open" if status in OPEN_STATUSES else "closed"), status
        assert row["status_notes"]
    assert {s for s in Status.values if s not in OPEN_STATUSES} == {"closed", "evaluated", "rejected", "merged"}


def test_filters_status_service_and_ids_overriding_them(o311, filed, rich_service):
    with time_machine.travel(ON, tick=False):
        a, b = filed(ON - timedelta(hours=2)), filed(ON - timedelta(hours=1))
        c = filed(ON, service_code=rich_service, **{"attribute[kind]": "cover"})
        Case.objects.filter(number=b).update(status=Status.CLOSED)
        get = o311().get
        assert ids(get("requests")[1]) == [c, b, a]  # newest first
        assert ids(get("requests", status="open")[1]) == [c, a]
        assert ids(get("requests", status="closed")[1]) == [b]
        assert ids(get("requests", status="open,closed")[1]) == [c, b, a]
        assert ids(get("requests", service_code=rich_service)[1]) == [c]
        assert ids(get("requests", service_request_id=f"{a},{b}", status="closed", service_code=rich_service)[1]) == [
            b,
            a,
        ]
        assert ids(get("requests", status="", service_code="")[1]) == [c, b, a]  # empty is absent
        for bad in ({"status": "pending"}, {"status": "open,done"}, {"extensions": "maybe"}):
            response, body = get("requests", **bad)
            assert response.status_code == 400 and problems("errors", body) == []
        assert get("requests", service_code="NO-SUCH")[0].status_code == 404


def test_dates_are_read_with_their_time_zone(o311, filed, client):
    early = filed(datetime(2026, 3, 10, 7, 30, tzinfo=TZ))  # 2026-03-09T23:30Z
    with time_machine.travel(ON, tick=False):
        get = o311().get
        assert ids(get("requests", start_date="2026-03-10T00:00:00Z")[1]) == []
        assert ids(get("requests", start_date="2026-03-10T00:00:00+08:00")[1]) == [early]
        assert ids(get("requests", start_date="2026-03-10")[1]) == [early]  # a bare date: the local day
        assert ids(get("requests", start_date="2026-03-10T07:00:00")[1]) == [early]  # no zone: local
        assert ids(get("requests", end_date="2026-03-09T23:00:00Z")[1]) == []
        assert ids(get("requests", end_date="2026-03-09T23:30:00Z")[1]) == [early]
        assert ids(get("requests", end_date="2026-03-09")[1]) == []
        assert ids(get("requests", end_date="2026-03-10")[1]) == [early]  # an end date is inclusive
        # an unencoded "+" arrives as a space: still the +08:00 it was
        raw = client.get("/open311/v2/requests.json?start_date=2026-03-10T07:30:00+08:00")
        assert ids(raw.json()) == [early]
        for bad in (
            {"start_date": "yesterday"},
            {"start_date": "2026-02-30"},
            {"end_date": "2026-03-10T25:00:00Z"},
            {"start_date": "2026-03-10", "end_date": "2026-03-09"},
            {"start_date": "2025-01-01", "end_date": "2026-03-10"},  # more than 90 days
        ):
            response, body = get("requests", **bad)
            assert response.status_code == 400, bad
            assert problems("errors", body) == []


def test_the_default_window_is_the_last_90_days(o311, filed):
    old = filed(ON - timedelta(days=100))
    recent = filed(ON - timedelta(days=10))
    with time_machine.travel(ON, tick=False):
        assert ids(o311().get("requests")[1]) == [recent]
        assert ids(o311().get("requests", start_date=(ON - timedelta(days=101)).date().isoformat())[1]) == [old]
        assert ids(o311().get("requests", service_request_id=old)[1]) == [old]


def _bulk(count: int, at: datetime) -> None:
    grid = Grid.objects.get(code="410102001002001", valid_to__isnull=True)
    Case.objects.bulk_create(
        Case(
            number=f"20260309{i:06d}",
            tracking_hash="-",
            title=f"bulk {i}",
            lon=113.6,
            lat=34.75,
            grid=grid,
            platform="410102001",
            channel="resident",
            status="reported",
            reported_at=at - timedelta(minutes=i),
            updated_at=at,
        )
        for i in range(1, count + 1)
    )


def test_at_most_1000_and_paging(o311, demo_city):
    _bulk(1005, ON)
    with time_machine.travel(ON, tick=False):
        get = o311().get
        first = get("requests")[1]
        assert len(first) == 1000
        assert problems("requests", first) == []
        assert ids(first)[:2] == ["20260309000001", "20260309000002"]
        assert ids(get("requests", page="2")[1]) == [f"20260309{i:06d}" for i in range(1001, 1006)]
        assert ids(get("requests", page="3", page_size="10")[1]) == [f"20260309{i:06d}" for i in range(21, 31)]
        assert get("requests", page="9")[1] == []
        for bad in ({"page_size": "0"}, {"page_size": "1001"}, {"page_size": "ten"}, {"page": "0"}, {"page": "-1"}):
            response, body = get("requests", **bad)
            assert response.status_code == 400, bad
            assert problems("errors", body) == []
        too_many = ",".join(f"20260309{i:06d}" for i in range(1, 1002))
        assert get("requests", service_request_id=too_many)[0].status_code == 400
        _, root = o311("xml").get("requests", page_size="3")
        assert root.tag == "service_requests" and [c.tag for c in root] == ["request"] * 3


def test_cases_of_closed_channels_are_not_published(o311, filed):
    number = filed(ON)
    Case.objects.filter(number=number).update(channel="hotline")
    with time_machine.travel(ON, tick=False):
        assert o311().get("requests/" + number)[0].status_code == 404
        assert ids(o311().get("requests", service_request_id=number)[1]) == []


def test_extensions_give_the_public_timeline_without_personal_data(o311, filed, report):
    master, duplicate = filed(ON), filed(ON + timedelta(minutes=5), description="同一盏路灯")
    dispatcher = Actor.of(Post.objects.filter(user__username=DISPATCHER).first().user)
    with time_machine.travel(ON + timedelta(hours=1), tick=False):
        perform("merge", actor=dispatcher, number=duplicate, into=master)
        perform("reject", actor=dispatcher, number=master, reason="已由供电公司处理，联系电话13912345678")
        response, body = o311().get("requests", extensions="true")
        _, root = o311("xml").get("requests", extensions="true")
    assert problems("requests", body) == []
    rows = {r["service_request_id"]: r for r in body}
    ext = rows[master]["extended_attributes"]
    assert ext["duplicates"] == [duplicate]
    assert rows[duplicate]["extended_attributes"]["parent_service_request_id"] == master
    assert rows[duplicate]["status"] == "closed" and master in rows[duplicate]["status_notes"]
    assert [n["type"] for n in ext["notes"]] == ["opened", "closed"]
    assert ext["notes"][1]["description"] == "已由供电公司处理，联系电话139****5678"
    assert ext["notes"][1]["unit"]  # the platform that acted, by name …
    text = response.content.decode() + open_xml(root)
    staff = dispatcher.user
    for secret in ("张三", "13812345678", "zhangsan", report["api_key"], staff.username):
        assert secret not in text, secret
    if staff.get_full_name():
        assert staff.get_full_name() not in text  # … never the person
    assert root.find("request/extended_attributes/notes/note/summary") is not None
    with time_machine.travel(ON + timedelta(hours=1), tick=False):
        assert "extended_attributes" not in o311().get("requests")[1][0]


def open_xml(root) -> str:
    from xml.etree import ElementTree as ET

    return ET.tostring(root, encoding="unicode")


def test_expected_datetime_is_the_deadline_and_the_agency_the_unit_handling_it(o311, filed):
    from gridgov.people.selectors import unit_names

    number = filed(ON)
    with time_machine.travel(ON, tick=False):
        row = o311().get(f"requests/{number}")[1][0]
        assert row["expected_datetime"] is None  # not dispatched: no deadline yet
        assert row["agency_responsible"] == unit_names(["410102001"])["410102001"]  # the platform holding it
        Case.objects.filter(number=number).update(
            resolve_by=datetime(2026, 3, 13, 2, 0, tzinfo=UTC), lead_unit="D410102001"
        )
        row = o311().get(f"requests/{number}")[1][0]
    assert row["expected_datetime"] == "2026-03-13T10:00:00+08:00"
    assert row["agency_responsible"] == unit_names(["D410102001"])["D410102001"] != "D410102001"
