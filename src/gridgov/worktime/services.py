"""Writes to the working calendar (工作日历): each one audited, each one refreshing the shared snapshot."""

from datetime import date, datetime

from django.db import transaction

from gridgov.core.audit import record
from gridgov.worktime.calendar import forget_overrides
from gridgov.worktime.models import WorkdayOverride

NOTE_MAX_LENGTH = WorkdayOverride._meta.get_field("note").max_length


def _check_day(day: date) -> None:
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"day must be a date, got {day!r}")


@transaction.atomic
def set_override(*, day: date, is_workday: bool, note: str = "", actor=None) -> WorkdayOverride:
    """Declare `day` a workday or a day off (本地调整), whatever the statutory calendar says."""
    _check_day(day)
    note = note.strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValueError(f"note is longer than {NOTE_MAX_LENGTH} characters")
    previous = (WorkdayOverride.objects.select_for_update().filter(date=day)
                .values("is_workday", "note").first())
    override, _ = WorkdayOverride.objects.update_or_create(
        date=day, defaults={"is_workday": bool(is_workday), "note": note})
    record(actor=actor, action="worktime.override", object_type="workday", object_id=day.isoformat(),
           data={"is_workday": override.is_workday, "note": note, "previous": previous})
    # After commit only: until then other connections must keep seeing the old calendar.
    transaction.on_commit(forget_overrides)
    return override


@transaction.atomic
def delete_override(*, day: date, actor=None) -> bool:
    """Remove the override of `day`, so the statutory calendar applies again; False if there was none."""
    _check_day(day)
    previous = (WorkdayOverride.objects.select_for_update().filter(date=day)
                .values("is_workday", "note").first())
    if previous is None:
        return False
    WorkdayOverride.objects.filter(date=day).delete()
    record(actor=actor, action="worktime.override_delete", object_type="workday", object_id=day.isoformat(),
           data={"previous": previous})
    transaction.on_commit(forget_overrides)
    return True
