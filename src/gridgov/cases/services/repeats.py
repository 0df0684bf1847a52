"""重复件 at intake: a resident who sees that their problem is already reported follows that case instead.

The report is still written (the resident gets their own tracking code and their call is counted), and in
the same transaction it is merged into the open case it repeats, by the system on the resident's word: its
tracking code then shows the master's progress (selectors: a merged duplicate follows its master). Only an
open case near the report may be followed, so the choice cannot attach a report to anything elsewhere.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from gridgov.cases.duplicates import RADIUS_M
from gridgov.cases.models import Case
from gridgov.cases.services.intake import Intake, report_case
from gridgov.cases.services.locking import lock_case, move
from gridgov.cases.services.record import now as _now
from gridgov.cases.services.record import record_event
from gridgov.cases.transitions import OPEN_STATUSES, TABLE
from gridgov.core.errors import BadInput
from gridgov.core.geo import distance_m
from gridgov.people.actors import Actor

FOLLOW_RADIUS_M = 2 * RADIUS_M  # the candidates shown come from within RADIUS_M or the same community


@transaction.atomic
def report_following(*, follow: str, at: datetime | None = None, **report: Any) -> Intake:
    """上报 that repeats an open case (`follow`: its number): the report, merged into it, in one transaction.
    A retry with the same Idempotency-Key answers the first report and merges nothing again."""
    intake = report_case(at=at, **report)
    if intake.created:
        _merge_into(intake.case.number, follow, _now(at))
        intake.case.refresh_from_db()
    return intake


def _merge_into(number: str, into: str, at: datetime) -> Case:
    case = lock_case(number, Actor.system("repeat"))
    master = Case.objects.filter(number=into, status__in=OPEN_STATUSES).exclude(pk=case.pk).first()
    if master is None:
        raise BadInput(
            gettext("case %(number)s is not an open case to follow: report it as a new problem") % {"number": into}
        )
    if (
        distance_m(case.lon, case.lat, master.lon, master.lat) > FOLLOW_RADIUS_M
        and case.grid.code[:12] != master.grid.code[:12]
    ):
        raise BadInput(gettext("case %(number)s is not near this place: report it as a new problem") % {"number": into})
    t = TABLE["merge"]
    case.master = master
    before = move(case, t)
    record_event(
        case,
        actor=Actor.system("repeat"),
        action=t.action,
        from_status=before,
        role="system",
        note=f"→ {into}",
        data={"into": into, "by": "reporter"},
        at=at,
    )
    return case
