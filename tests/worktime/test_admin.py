"""The admin: list, filters and search, and writes that go through the services (audited)."""

from datetime import date

import pytest

from gridgov.core.models import AuditEvent
from gridgov.worktime.models import WorkdayOverride
from gridgov.worktime.services import set_override

pytestmark = pytest.mark.django_db

URL = "/admin/worktime/workdayoverride/"


@pytest.fixture
def admin(client, django_user_model):
    user = django_user_model.objects.create_superuser("wt-root", "root@example.org", "x-Very-Long-Pass-1")
    client.force_login(user)
    return user


@pytest.fixture
def rows(db):
    set_override(day=date(2026, 10, 8), is_workday=False, note="本地补休")
    set_override(day=date(2027, 1, 1), is_workday=False, note="元旦")
    set_override(day=date(2027, 2, 20), is_workday=True, note="春节调休上班")


def _listed(response) -> list[str]:
    return [row.date.isoformat() for row in response.context["cl"].result_list]


def test_list_filter_and_search(client, admin, rows):
    response = client.get(URL)
    assert response.status_code == 200
    assert _listed(response) == ["2026-10-08", "2027-01-01", "2027-02-20"]
    assert _listed(client.get(URL, {"year": "2027"})) == ["2027-01-01", "2027-02-20"]
    assert _listed(client.get(URL, {"year": "2027", "is_workday__exact": "0"})) == ["2027-01-01"]
    assert _listed(client.get(URL, {"q": "调休"})) == ["2027-02-20"]
    assert b"2026" in client.get(URL).content  # the year filter offers the years present


def test_add_change_and_delete_are_audited(client, admin):
    response = client.post(URL + "add/", {"date": "2027-02-08", "note": "春节"})  # unchecked: a day off
    assert response.status_code == 302, response.content.decode()[:2000]
    row = WorkdayOverride.objects.get(date=date(2027, 2, 8))
    assert row.is_workday is False

    response = client.post(f"{URL}{row.pk}/change/", {"is_workday": "on", "note": "改为上班"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.date, row.is_workday, row.note) == (date(2027, 2, 8), True, "改为上班")

    response = client.post(f"{URL}{row.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not WorkdayOverride.objects.exists()

    events = AuditEvent.objects.filter(object_type="workday", object_id="2027-02-08").order_by("id")
    assert [(e.action, e.actor) for e in events] == [
        ("worktime.override", admin),
        ("worktime.override", admin),
        ("worktime.override_delete", admin),
    ]


def test_bulk_delete_goes_through_the_service(client, admin, rows):
    pks = list(WorkdayOverride.objects.filter(date__year=2027).values_list("pk", flat=True))
    response = client.post(URL, {"action": "delete_selected", "_selected_action": pks, "post": "yes"})
    assert response.status_code == 302
    assert list(WorkdayOverride.objects.values_list("date", flat=True)) == [date(2026, 10, 8)]
    assert AuditEvent.objects.filter(action="worktime.override_delete").count() == 2
