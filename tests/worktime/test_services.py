"""set_override / delete_override: the rows, the audit trail, bad input."""

from datetime import date, datetime

import pytest

from gridgov.core.models import AuditEvent
from gridgov.worktime.models import WorkdayOverride
from gridgov.worktime.services import delete_override, set_override
from tests.worktime.util import SHANGHAI

pytestmark = pytest.mark.django_db

DAY = date(2027, 2, 20)


def _events(action: str):
    return AuditEvent.objects.filter(action=action, object_type="workday", object_id="2027-02-20").order_by("id")


def test_set_creates_then_updates_and_audits_both(django_user_model):
    admin = django_user_model.objects.create_user("wt-admin")
    set_override(day=DAY, is_workday=True, note=" 春节调休上班 ", actor=admin)
    set_override(day=DAY, is_workday=False, note="取消调休", actor=admin)

    row = WorkdayOverride.objects.get(date=DAY)
    assert (row.is_workday, row.note) == (False, "取消调休")
    assert WorkdayOverride.objects.filter(date=DAY).count() == 1
    created, updated = _events("worktime.override")
    assert created.actor == admin
    assert created.data == {"is_workday": True, "note": "春节调休上班", "previous": None}
    assert updated.data == {
        "is_workday": False,
        "note": "取消调休",
        "previous": {"is_workday": True, "note": "春节调休上班"},
    }


def test_delete_removes_and_audits():
    set_override(day=DAY, is_workday=True, note="调休")
    assert delete_override(day=DAY) is True
    assert not WorkdayOverride.objects.filter(date=DAY).exists()
    (event,) = _events("worktime.override_delete")
    assert event.data == {"previous": {"is_workday": True, "note": "调休"}}
    assert delete_override(day=DAY) is False
    assert _events("worktime.override_delete").count() == 1


@pytest.mark.parametrize("day", [datetime(2027, 2, 20, tzinfo=SHANGHAI), "2027-02-20"])
def test_only_dates_are_accepted(day):
    with pytest.raises(TypeError):
        set_override(day=day, is_workday=True, note="")


def test_a_note_longer_than_the_column_is_refused():
    with pytest.raises(ValueError):
        set_override(day=DAY, is_workday=True, note="长" * 201)
    assert not WorkdayOverride.objects.exists()


def test_arguments_are_keyword_only():
    with pytest.raises(TypeError):
        set_override(DAY, True, "")  # type: ignore[misc]
