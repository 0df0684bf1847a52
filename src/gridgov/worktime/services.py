"""Writes to the working calendar (工作日历): each one audited, each one refreshing the shared snapshot."""

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from gridgov.core.audit import record
from gridgov.core.rows import RowError, RowErrors, duplicates, parse_bool, parse_date, row_number, text
from gridgov.worktime.calendar import forget_overrides
from gridgov.worktime.models import WorkdayOverride

NOTE_MAX_LENGTH = WorkdayOverride._meta.get_field("note").max_length
# What a calendar file may say instead of yes/no (是/否 work too).
DAY_WORDS = {"上班": True, "工作日": True, "班": True, "休": False, "休息": False, "休息日": False, "放假": False}


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
    previous = WorkdayOverride.objects.select_for_update().filter(date=day).values("is_workday", "note").first()
    override, _ = WorkdayOverride.objects.update_or_create(
        date=day, defaults={"is_workday": bool(is_workday), "note": note}
    )
    record(
        actor=actor,
        action="worktime.override",
        object_type="workday",
        object_id=day.isoformat(),
        data={"is_workday": override.is_workday, "note": note, "previous": previous},
    )
    # After commit only: until then other connections must keep seeing the old calendar.
    transaction.on_commit(forget_overrides)
    return override


@transaction.atomic
def delete_override(*, day: date, actor=None) -> bool:
    """Remove the override of `day`, so the statutory calendar applies again; False if there was none."""
    _check_day(day)
    previous = WorkdayOverride.objects.select_for_update().filter(date=day).values("is_workday", "note").first()
    if previous is None:
        return False
    WorkdayOverride.objects.filter(date=day).delete()
    record(
        actor=actor,
        action="worktime.override_delete",
        object_type="workday",
        object_id=day.isoformat(),
        data={"previous": previous},
    )
    transaction.on_commit(forget_overrides)
    return True


@transaction.atomic
def import_overrides(*, rows: Sequence[Mapping[str, Any]], actor=None, source: str = "") -> dict[str, int]:
    """Local calendar days from a file (本地调整导入): columns date, is_workday, note; all rows or none.

    Each new or changed day goes through `set_override` (audited), and the import itself is recorded once;
    days the file does not name are kept.
    Returns `{created, updated, unchanged}`.
    """
    errors: list[RowError] = []
    days: list[tuple[int, date, bool, str]] = []
    for index, row in enumerate(rows):
        number, raw_day = row_number(row, index), text(row.get("date"))
        day = parse_date(row.get("date"))
        is_workday = DAY_WORDS.get(text(row.get("is_workday")), parse_bool(row.get("is_workday")))
        note = text(row.get("note"))
        problems = []
        if day is None:
            problems.append(
                gettext("date %(date)s is not a date like 2027-01-01") % {"date": raw_day or "—"}
                if raw_day
                else gettext("date is missing")
            )
        if is_workday is None:
            problems.append(
                gettext("workday must be 是/yes (a workday) or 否/no (a day off), not %(value)s")
                % {"value": text(row.get("is_workday")) or "—"}
            )
        if len(note) > NOTE_MAX_LENGTH:
            problems.append(gettext("note is longer than %(limit)d characters") % {"limit": NOTE_MAX_LENGTH})
        errors.extend(RowError(number, raw_day, p) for p in problems)
        if not problems and day is not None and is_workday is not None:  # no problem: both were read
            days.append((number, day, is_workday, note))
    for number, first in duplicates([(n, day) for n, day, _, _ in days]).items():
        day = next(d for n, d, _, _ in days if n == number)
        message = gettext("date %(date)s appears twice (rows %(first)d and %(row)d)") % {
            "date": day.isoformat(),
            "first": first,
            "row": number,
        }
        errors.append(RowError(number, day.isoformat(), message))
    if errors:
        raise RowErrors(sorted(errors, key=lambda e: e.row))
    named = [d for _, d, _, _ in days]
    existing = {o.date: (o.is_workday, o.note) for o in WorkdayOverride.objects.filter(date__in=named)}
    created = updated = 0
    for _, day, is_workday, note in days:
        if existing.get(day) == (is_workday, note):
            continue
        created, updated = (created + 1, updated) if day not in existing else (created, updated + 1)
        set_override(day=day, is_workday=is_workday, note=note, actor=actor)
    result = {"created": created, "updated": updated, "unchanged": len(days) - created - updated}
    record(actor=actor, action="worktime.import", object_type="workday_overrides", data={"source": source, **result})
    return result
