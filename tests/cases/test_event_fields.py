"""Issue 11, finding 2: an event's fields are named once (services.record.EVENT_FIELDS), for the digest
and for the row, and what the digest covers is unchanged — chains written before still verify."""

import inspect
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import override_settings

from gridgov.cases import chains, services
from gridgov.cases.models import CaseEvent
from gridgov.cases.services.record import EVENT_FIELDS, EventContent, event_digest
from gridgov.people.actors import Actor

KEY = override_settings(GRIDGOV_AUDIT_KEY="golden-audit-key", GRIDGOV_DATA_KEY="golden-data-key")


def test_event_fields_are_the_digests_and_the_rows():
    """EVENT_FIELDS is what event_digest takes besides the case number and the chain links, and each is
    a column of CaseEvent: the one list record_event and the chain check both spell out."""
    assert set(inspect.signature(event_digest).parameters) == {"prev_hash", "content"}  # content: EventContent
    params = set(EventContent.__annotations__) - {"number", "state"}
    assert set(EVENT_FIELDS) == params and len(EVENT_FIELDS) == len(params)
    columns = {f.name for f in CaseEvent._meta.concrete_fields}
    assert set(EVENT_FIELDS) <= columns


@KEY
def test_digest_format_is_unchanged():
    """A digest pinned before the refactor (the same inputs give the same 64 hex digits): what is
    covered, its names, order and canonical form did not move."""
    digest = event_digest(
        number="GG20260101000001",
        seq=3,
        action="dispatch",
        actor_label="王五 (调度员)",
        actor_role="dispatcher",
        actor_unit="U01",
        from_status="registered",
        to_status="dispatched",
        unit="U02",
        note="请处理",
        data={"b": 1, "a": [1, "二"]},
        at=datetime(2026, 1, 2, 3, 4, 5, 600000, tzinfo=UTC),
        state="s" * 64,
        prev_hash="p" * 64,
    )
    assert digest == "8e1ec947f5e49ff03cf2d3062cbf87533fa1d9b660999dc0dfa96d0abb835f89"


@KEY
@pytest.mark.django_db
def test_written_events_carry_what_was_digested(account, spot):
    """record_event's rows hold the very values it digested: recomputed from EVENT_FIELDS of the row,
    every hash matches, and the chain check (cases.chains, `gridgov audit verify`) agrees."""
    dispatcher = Actor.of(account("dispatcher-410102001"))
    with time_machine.travel(datetime(2026, 3, 2, 2, 0, tzinfo=UTC), tick=False):
        number = services.report_case(
            actor=Actor.anonymous(), title="井盖缺失", lon=spot["lon"], lat=spot["lat"], reporter_phone="13800001234"
        ).case.number
        services.register_case(actor=dispatcher, number=number, note="立案")
        services.dispatch_case(actor=dispatcher, number=number, unit=spot["grid"])
    events = list(CaseEvent.objects.filter(case__number=number).order_by("seq"))
    assert [e.action for e in events] == ["report", "register", "dispatch"]
    for e in events:
        fields = {name: getattr(e, name) for name in EVENT_FIELDS}
        assert event_digest(number=number, **fields, state=e.state_hash, prev_hash=e.prev_hash) == e.hash
    assert chains.verify_chains([number]).ok
