"""`gridgov audit verify --json`: the electronic case file (电子案卷) is tamper-evident."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from gridgov.cases import services
from gridgov.cases.models import Case, CaseEvent
from gridgov.people.actors import Actor


def verify(*numbers) -> tuple[dict, bool]:
    """Run the command; its JSON report and whether it exited cleanly."""
    out = StringIO()
    try:
        call_command("audit", "verify", "--json", *numbers, stdout=out)
        clean = True
    except CommandError:
        clean = False
    return json.loads(out.getvalue()), clean


@pytest.fixture
def two_cases(account, spot):
    """Two cases with a few events each: (number of the one to tamper with, number of a bystander)."""
    dispatcher = Actor.of(account("dispatcher-410102001"))
    worker = Actor.of(account(f"worker-{spot['grid']}"))
    numbers = []
    for title in ("占道经营", "垃圾满溢"):
        number = services.report_case(actor=Actor.anonymous(), title=title, lon=spot["lon"], lat=spot["lat"]).case.number
        services.register_case(actor=dispatcher, number=number, note="立案")
        services.dispatch_case(actor=dispatcher, number=number, unit=spot["grid"])
        services.accept_case(actor=worker, number=number)
        services.supervise_case(actor=dispatcher, number=number, note="请尽快处理")
        numbers.append(number)
    assert CaseEvent.objects.filter(case__number=numbers[0]).count() == 5
    return numbers


def test_intact_files_verify(two_cases):
    report, clean = verify()
    assert clean and report["ok"] is True and report["broken"] == []
    assert report["cases"] >= 2 and report["events"] >= 10
    report, clean = verify(*two_cases)
    assert clean and report == {"cases": 2, "events": 10, "ok": True, "broken": []}


def only_broken(report: dict, number: str) -> dict:
    assert report["ok"] is False
    assert [b["number"] for b in report["broken"]] == [number], report
    return report["broken"][0]


def test_edited_note_is_found(two_cases):
    target, bystander = two_cases
    CaseEvent.objects.filter(case__number=target, seq=2).update(note="立案（改过）")
    report, clean = verify()
    assert not clean
    broken = only_broken(report, target)
    assert broken["seq"] == 2 and "content" in broken["problem"]
    assert verify(bystander) == ({"cases": 1, "events": 5, "ok": True, "broken": []}, True)


@pytest.mark.parametrize("field, value", [("data", {"assisting": ["D410102001"]}), ("actor_label", "someone-else"),
                                          ("to_status", "closed"), ("from_status", "reported"),
                                          ("unit", "D410102001"), ("action", "reject"),
                                          ("actor_role", "leader")])
def test_other_edits_are_found(two_cases, field, value):
    target, _ = two_cases
    CaseEvent.objects.filter(case__number=target, seq=3).update(**{field: value})
    report, clean = verify()
    assert not clean and only_broken(report, target)["seq"] == 3


def test_edited_time_is_found(two_cases):
    from datetime import timedelta

    target, _ = two_cases
    event = CaseEvent.objects.get(case__number=target, seq=4)
    CaseEvent.objects.filter(pk=event.pk).update(at=event.at - timedelta(hours=1))
    report, clean = verify()
    assert not clean and only_broken(report, target)["seq"] == 4


def test_deleted_last_event_is_found(two_cases):
    target, _ = two_cases
    deleted, _ = CaseEvent.objects.filter(case__number=target, seq=5).delete()
    assert deleted == 1
    report, clean = verify()
    assert not clean
    broken = only_broken(report, target)
    assert broken["seq"] == 5 and "removed" in broken["problem"]


def test_deleted_middle_event_is_found(two_cases):
    target, _ = two_cases
    CaseEvent.objects.filter(case__number=target, seq=3).delete()
    report, clean = verify()
    assert not clean
    broken = only_broken(report, target)
    assert broken["seq"] in (3, 4) and "3" in broken["problem"]


def test_rewritten_chain_head_is_found(two_cases):
    target, _ = two_cases
    Case.objects.filter(number=target).update(last_hash="0" * 64)
    report, clean = verify()
    assert not clean
    # the command names the first seq past the surviving chain (6); the last event (5) would be as fair
    assert only_broken(report, target)["seq"] in (5, 6)


def test_swapped_events_are_found(two_cases):
    target, _ = two_cases
    events = CaseEvent.objects.filter(case__number=target)
    with transaction.atomic():  # (case, seq) is unique: swap through a free number
        events.filter(seq=3).update(seq=1000)
        events.filter(seq=4).update(seq=3)
        events.filter(seq=1000).update(seq=4)
    assert list(events.order_by("seq").values_list("action", flat=True)) == [
        "report", "register", "accept", "dispatch", "supervise"]
    report, clean = verify()
    assert not clean
    broken = only_broken(report, target)
    assert broken["seq"] == 3


def test_human_output_names_the_broken_case(two_cases):
    target, _ = two_cases
    CaseEvent.objects.filter(case__number=target, seq=1).update(note="tampered")
    out = StringIO()
    with pytest.raises(CommandError, match="1 case file"):
        call_command("audit", "verify", stdout=out)
    assert f"BROKEN {target} at event 1" in out.getvalue()
