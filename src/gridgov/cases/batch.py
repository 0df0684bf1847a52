"""批量派遣: several cases dispatched at once, each in its own transaction (one refusal undoes nothing else)."""

from __future__ import annotations

from dataclasses import dataclass

from gridgov.cases import services
from gridgov.core.errors import GridgovError
from gridgov.people.actors import Actor

MAX_BATCH = 100


@dataclass(frozen=True)
class Outcome:
    number: str
    done: bool
    unit: str = ""  # the lead unit it went to
    message: str = ""  # why it was refused
    status: int = 200


def dispatch_cases(*, actor: Actor, numbers: list[str], unit: str | None = None) -> list[Outcome]:
    """Dispatch each case to `unit`, or each to the unit the dispatch catalogue names for it (unit None).

    Not one transaction on purpose: each case is dispatched (or refused) on its own, by the same
    service as a single dispatch, so the cases that could go have gone whatever happened to the others."""
    outcomes = []
    for number in list(dict.fromkeys(n.strip() for n in numbers if n.strip()))[:MAX_BATCH]:
        try:
            case = services.dispatch_case(actor=actor, number=number, unit=unit or None)
        except GridgovError as exc:
            outcomes.append(Outcome(number=number, done=False, message=exc.message, status=exc.status))
        else:
            outcomes.append(Outcome(number=number, done=True, unit=case.lead_unit))
    return outcomes
