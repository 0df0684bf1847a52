"""立案并派遣 (services.register_and_dispatch): both events in one transaction, or neither."""

import pytest

from gridgov.cases import services
from gridgov.cases.models import Case, CaseEvent
from gridgov.core.errors import BadInput, NotFound
from tests.cases.helpers import UNIT, actor, report

DISPATCHER = "dispatcher-410102001"


def _state(number: str):
    case = Case.objects.get(number=number)
    events = list(CaseEvent.objects.filter(case=case).order_by("seq").values_list("action", flat=True))
    return case.status, case.version, case.category_id, case.lead_unit, events


def test_registers_and_dispatches_with_two_events(demo_city):
    number = report().case.number
    case = services.register_and_dispatch(
        actor=actor(DISPATCHER), number=number, category="C0101", unit=UNIT, assisting=[], note="核实属实"
    )
    assert case.status == "dispatched" and case.lead_unit == UNIT and case.category.code == "C0101"
    events = list(CaseEvent.objects.filter(case=case).order_by("seq"))
    assert [e.action for e in events] == ["report", "register", "dispatch"]
    assert events[1].note == "核实属实" and events[2].unit == UNIT
    assert events[2].prev_hash == events[1].hash  # one chain


def test_a_refused_dispatch_undoes_the_registration(demo_city):
    number = report().case.number
    before = _state(number)
    with pytest.raises(BadInput):
        services.register_and_dispatch(actor=actor(DISPATCHER), number=number, category="C0101", unit="D410102999")
    assert _state(number) == before


def test_a_refused_registration_writes_nothing(demo_city):
    number = report().case.number
    before = _state(number)
    # another street's dispatcher does not see the case: refused as if it did not exist (issue 10, finding 11)
    with pytest.raises(NotFound):
        services.register_and_dispatch(actor=actor("dispatcher-410102002"), number=number, unit=UNIT)
    assert _state(number) == before
