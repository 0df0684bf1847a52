"""Deadlines in working time (办理时限) and the traffic light (红黄绿灯).

The clock starts at dispatch: limits to sign in working hours, to resolve in working days, or in
clock hours for urgent classes. Yellow at 80 % of the time used, red when overdue. Suspension
stops the clock (resume moves the deadlines by the time spent suspended); a granted extension moves
the resolve deadline. Every move happens inside a transition, so the event log records it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from gridgov.worktime.calendar import add_working_days, add_working_hours, add_working_seconds, working_seconds_between

YELLOW_AT = 0.8
RUNNING = {"dispatched", "in_progress"}
# where a 联动办 case owes progress reports (the step "progress" of cases.transitions.STEPS; Case.progress_due)
PROGRESS_STATUSES = {"in_progress", "suspended"}
# past a deadline: the sweep's red is `now > deadline`, its progress press `progress_due < now`
JUST_AFTER = timedelta(microseconds=1)
# when rounding leaves the light short of its turn at the computed moment, look again this much later
RETRY = timedelta(minutes=1)
SEVERITY = {"green": 0, "yellow": 1, "red": 2}


def initial(
    *,
    start: datetime,
    sign_hours: float,
    resolve_days: float,
    urgent: bool,
    resolve_hours: float | None,
    resolve_working_hours: float | None = None,
) -> tuple[datetime, datetime]:
    sign_by = add_working_hours(start, sign_hours)
    if urgent and resolve_hours:
        # urgent classes run on the clock: a burst water main does not wait for Monday
        return min(sign_by, start + timedelta(hours=resolve_hours)), start + timedelta(hours=resolve_hours)
    if resolve_working_hours:
        # 立即办: a short clock of working hours (its ModeRule), never longer than the class's own days
        resolve_by = min(add_working_hours(start, resolve_working_hours), add_working_days(start, resolve_days))
        return min(sign_by, resolve_by), resolve_by
    return sign_by, add_working_days(start, resolve_days)


def spent(start: datetime, end: datetime, *, urgent: bool) -> float:
    """Time used between two instants: working seconds, or clock seconds for urgent cases."""
    if urgent:
        return max(0.0, (end - start).total_seconds())
    return working_seconds_between(start, end)


def _advance(start: datetime, seconds: float, urgent: bool) -> datetime:
    return start + timedelta(seconds=seconds) if urgent else add_working_seconds(start, seconds)


def shifted(deadline: datetime | None, *, paused_from: datetime, resumed_at: datetime, urgent: bool) -> datetime | None:
    """The deadline after a suspension: the time that was left at pause is left again at resume."""
    if deadline is None:
        return None
    left = spent(paused_from, deadline, urgent=urgent) if deadline > paused_from else 0.0
    return _advance(resumed_at, left, urgent)


def extended(resolve_by: datetime, *, days: int, urgent: bool) -> datetime:
    return resolve_by + timedelta(days=days) if urgent else add_working_days(resolve_by, days)


def light_of(
    *, start: datetime | None, deadline: datetime | None, now: datetime, urgent: bool, banked: float = 0.0
) -> str:
    """`start` is when the clock last started (dispatch, or the last resume) and `banked` the time
    used before that, so that time spent suspended never counts as used."""
    if start is None or deadline is None:
        return "green"
    if now > deadline:
        return "red"
    total = banked + spent(start, deadline, urgent=urgent)
    if total <= 0:
        return "red" if now >= deadline else "green"
    return "yellow" if banked + spent(start, now, urgent=urgent) >= YELLOW_AT * total else "green"


def case_light(case, now: datetime) -> str | None:
    """The light of a case now: the worse of the signing clock (until signed) and the resolving clock.

    None before dispatch. Once resolved, the light freezes at the moment of resolution; while
    suspended, at the moment of suspension.
    """
    if case.dispatched_at is None or case.resolve_by is None:
        return None
    if case.status in RUNNING:
        moment = now
    elif case.status == "suspended" and case.suspended_at:
        moment = case.suspended_at
    elif case.resolved_at:
        moment = case.resolved_at
    else:
        return case.light or None
    start, banked = case.clock_start or case.dispatched_at, case.clock_banked or 0.0
    light = light_of(start=start, deadline=case.resolve_by, now=moment, urgent=case.urgent, banked=banked)
    if _signing(case):
        sign = light_of(start=start, deadline=case.sign_by, now=moment, urgent=case.urgent, banked=banked)
        light = max(light, sign, key=SEVERITY.__getitem__)
    return light


def _signing(case) -> bool:
    return case.accepted_at is None and case.sign_by is not None and case.status == "dispatched"


def pressing_deadline(case, now: datetime) -> str:
    """Which deadline a red light is about — "sign:<time>" while unsigned and late to sign, else
    "resolve:<time>" — so that reminders and automatic 督办 come once per missed deadline."""
    from gridgov.core.timefmt import iso

    if _signing(case) and now > case.sign_by:
        return f"sign:{iso(case.sign_by)}"
    return f"resolve:{iso(case.resolve_by)}"


def next_light_change(case, now: datetime, *, settled: bool = False) -> datetime | None:
    """When the deadline sweep must next look at `case` (Case.light_next_at, docs/architecture.md §3): the
    first moment after `now` its light turns (yellow at 80 %, red past a deadline, for the signing clock
    while unsigned and for the resolving clock) or a progress report falls due; None when nothing can
    happen before the case moves again (suspended, resolved, closed …: each move recomputes it).

    Every writer of a case calls it with the case as written (`record_event`, bulk imports): then a
    deadline or progress date already passed counts as `now`, because its automatic 督办 may still be
    owed and only the sweep files it. The sweep, once it has done all that was due at `now`, passes
    `settled=True`: only what comes later counts.
    """
    moments: list[datetime] = []
    if case.status in RUNNING and case.dispatched_at is not None and case.resolve_by is not None:
        start, banked = case.clock_start or case.dispatched_at, case.clock_banked or 0.0
        clocks = [case.resolve_by, case.sign_by] if _signing(case) else [case.resolve_by]
        for deadline in clocks:
            moments.extend(_clock_turns(start=start, deadline=deadline, now=now, urgent=case.urgent, banked=banked))
    if case.status in PROGRESS_STATUSES and case.progress_due is not None:
        moments.append(case.progress_due + JUST_AFTER)
    if settled:
        moments = [m for m in moments if m > now]
    return max(min(moments), now) if moments else None


def _clock_turns(*, start: datetime, deadline: datetime, now: datetime, urgent: bool, banked: float) -> list[datetime]:
    """The moments one clock's light turns after `now` (red included even when passed: the caller
    decides whether its 督办 is settled)."""
    red = deadline + JUST_AFTER
    light = light_of(start=start, deadline=deadline, now=now, urgent=urgent, banked=banked)
    total = banked + spent(start, deadline, urgent=urgent)
    if light != "green" or total <= 0:
        return [red]
    left = YELLOW_AT * total - banked  # time still to use from `start` before yellow
    yellow = _advance(start, max(left, 0.0), urgent)
    if yellow <= now:  # float rounding: the light is still green at the computed turn
        yellow = now + RETRY
    return [min(yellow, red), red]


def as_dict(case, now: datetime) -> dict | None:
    from gridgov.core.timefmt import iso

    if case.dispatched_at is None:
        return None
    return {"sign_by": iso(case.sign_by), "resolve_by": iso(case.resolve_by), "light": case_light(case, now)}
