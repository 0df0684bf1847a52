"""`gridgov audit verify --json`: the electronic case file (电子案卷) is tamper-evident."""

import json
from datetime import datetime, timedelta
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import override_settings

from gridgov.cases import chains, services
from gridgov.cases.models import Case, CaseEvent, Status
from gridgov.grids.models import Grid
from gridgov.people.actors import Actor
from gridgov.routing.models import Category
from tests.cases.helpers import bring, user


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
        number = services.report_case(
            actor=Actor.anonymous(), title=title, lon=spot["lon"], lat=spot["lat"]
        ).case.number
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


@pytest.mark.parametrize(
    "field, value",
    [
        ("data", {"assisting": ["D410102001"]}),
        ("actor_label", "someone-else"),
        ("to_status", "closed"),
        ("from_status", "reported"),
        ("unit", "D410102001"),
        ("action", "reject"),
        ("actor_role", "leader"),
    ],
)
def test_other_edits_are_found(two_cases, field, value):
    target, _ = two_cases
    CaseEvent.objects.filter(case__number=target, seq=3).update(**{field: value})
    report, clean = verify()
    assert not clean and only_broken(report, target)["seq"] == 3


def test_edited_time_is_found(two_cases):
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
        "report",
        "register",
        "accept",
        "dispatch",
        "supervise",
    ]
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


# ---- issue 10, finding 4: a keyed chain that covers the case row, anchors, the old chain re-signed -------

ROW_EDITS = {
    "result": lambda case: "已整改完毕（改过）",
    "title": lambda case: "另一个标题",
    "lead_unit": lambda case: "D410102002",
    "assisting_units": lambda case: ["D410102001"],
    "satisfaction": lambda case: "satisfied",
    "solved": lambda case: True,
    "closed_at": lambda case: case.reported_at + timedelta(hours=2),
    "resolve_by": lambda case: case.resolve_by + timedelta(days=3),
    "resolved_at": lambda case: case.reported_at + timedelta(hours=1),
    "urgent": lambda case: not case.urgent,
    "return_count": lambda case: case.return_count + 1,
    "reporter_digest": lambda case: "0" * 64,
    "grid": lambda case: Grid.objects.exclude(pk=case.grid_id).filter(valid_to__isnull=True).first(),
    "category": lambda case: Category.objects.exclude(pk=case.category_id).filter(is_leaf=True).first(),
    "lon": lambda case: case.lon + 0.001,
}


@pytest.mark.parametrize("field", sorted(ROW_EDITS))
def test_edited_case_row_is_found(two_cases, field):
    target, bystander = two_cases
    case = Case.objects.get(number=target)
    Case.objects.filter(pk=case.pk).update(**{field: ROW_EDITS[field](case)})
    report, clean = verify()
    assert not clean
    broken = only_broken(report, target)
    assert broken == {
        "number": target,
        "seq": 5,
        "problem": "the case row differs from the state its last event recorded (edited after the fact)",
    }
    assert chains.verify_chains([target, bystander]).broken == [broken]


def test_fields_that_change_outside_events_are_not_covered(two_cases):
    """The deadline sweep writes the light; a user's deletion empties reporter/resolved_by."""
    target, _ = two_cases
    Case.objects.filter(number=target).update(light="red", reporter=None)
    report, clean = verify()
    assert clean and report["ok"] and report["broken"] == [] and report["cases"] == 2


def test_reporter_contact_is_covered_by_its_digest_and_may_be_erased(account, spot):
    number = services.report_case(
        actor=Actor.anonymous(),
        title="噪音扰民",
        lon=spot["lon"],
        lat=spot["lat"],
        reporter_name="王小明",
        reporter_phone="13812348819",
    ).case.number
    assert verify(number)[1]
    Case.objects.filter(number=number).update(reporter_phone="13900001111")
    report, clean = verify(number)
    assert not clean and "contact data" in only_broken(report, number)["problem"]
    assert not chains.verify_chains([number]).ok
    # the retention rule erases both: the file stays whole (only the digest was covered)
    Case.objects.filter(number=number).update(reporter_name="", reporter_phone="")
    assert verify(number)[1]


def rewrite_with_plain_sha256(number: str) -> None:
    """What anyone with database access could do to the chain before it was keyed."""
    prev = ""
    for e in CaseEvent.objects.filter(case__number=number).order_by("seq"):
        e.prev_hash = prev
        e.hash = prev = chains.legacy_digest(number, e)
        e.save(update_fields=["prev_hash", "hash"])
    Case.objects.filter(number=number).update(last_hash=prev)


def forge_rating(number: str) -> None:
    event = CaseEvent.objects.get(case__number=number, action="evaluate")
    event.data = {**event.data, "satisfaction": "satisfied", "solved": True}
    event.save(update_fields=["data"])
    Case.objects.filter(number=number).update(satisfaction="satisfied", solved=True)


def test_rating_edited_is_found(demo_city):
    number = bring("evaluated_dissatisfied").number
    assert verify(number)[1]
    forge_rating(number)
    report, clean = verify(number)
    assert not clean and "content" in only_broken(report, number)["problem"]


def test_rating_edited_with_the_chain_recomputed_without_the_key_is_found(demo_city):
    number = bring("evaluated_dissatisfied").number
    forge_rating(number)
    rewrite_with_plain_sha256(number)
    report, clean = verify(number)
    assert not clean and only_broken(report, number)["seq"] == 1
    assert not chains.verify_chains([number]).ok


def test_chain_recomputed_with_another_key_does_not_verify(demo_city):
    number = bring("evaluated_dissatisfied").number
    forge_rating(number)
    with override_settings(GRIDGOV_AUDIT_KEY="a key that is not the server's"):
        chains.rechain()
        assert chains.verify_chains([number]).ok  # consistent under the forger's key …
    report = chains.verify_chains([number])  # … and under the real one it is not
    assert not report.ok and report.broken[0]["seq"] == 1


def test_deleted_last_event_with_head_fixed_is_found_by_an_anchor(two_cases, tmp_path):
    target, bystander = two_cases
    anchor = chains.write_anchor(tmp_path)
    last = CaseEvent.objects.get(case__number=target, seq=5)  # a 督办: it changed nothing in the row
    before = CaseEvent.objects.get(case__number=target, seq=4)
    last.delete()
    Case.objects.filter(number=target).update(last_hash=before.hash, event_count=4)
    # the chain alone cannot tell: what is left is a whole, correctly keyed file
    assert chains.verify_chains().ok
    report, clean = verify_with(anchor)
    assert not clean and report["ok"] is False
    [checked] = report["anchors"]
    assert checked["ok"] is False and checked["heads"] == 2
    assert checked["broken"] == [{"number": target, "seq": 5, "problem": checked["broken"][0]["problem"]}]
    assert "missing" in checked["broken"][0]["problem"]
    assert chains.check_anchor(chains.read_anchor(anchor), [bystander]) == []


def verify_with(*anchors, numbers=()) -> tuple[dict, bool]:
    out = StringIO()
    args = [a for path in anchors for a in ("--anchor", str(path))]
    try:
        call_command("audit", "verify", "--json", *args, *numbers, stdout=out)
        clean = True
    except CommandError:
        clean = False
    return json.loads(out.getvalue()), clean


def test_anchor_command_writes_a_signed_daily_file(two_cases, tmp_path, tomorrow_at_ten):
    out = StringIO()
    call_command("audit", "anchor", "--output", str(tmp_path), stdout=out)
    path = Path(out.getvalue().strip())
    assert path.parent == tmp_path and path.name == f"anchor-{tomorrow_at_ten:%Y-%m-%d}.json"
    anchor = json.loads(path.read_text())
    heads = {n: (count, digest) for n, count, digest in anchor["cases"]}
    for number in two_cases:
        case = Case.objects.get(number=number)
        assert heads[number] == (case.event_count, case.last_hash) == (5, case.last_hash)
    assert len(anchor["signature"]) == 64 and anchor["audit_log"]["entries"] >= 0
    report, clean = verify_with(path)
    assert clean and report["anchors"][0]["ok"] and report["anchors"][0]["heads"] == 2
    # an anchor is evidence: never overwritten; the daily task writes only the day's first
    second = chains.write_anchor(tmp_path)
    assert second != path and path.read_text() == json.dumps(anchor, ensure_ascii=False, separators=(",", ":"))
    assert chains.write_anchor(tmp_path, daily=True) is None


@pytest.mark.parametrize("tamper", ["head", "dropped", "other_key", "garbage"])
def test_tampered_anchor_is_refused(two_cases, tmp_path, tamper):
    target, _ = two_cases
    path = chains.write_anchor(tmp_path)
    anchor = json.loads(path.read_text())
    if tamper == "head":  # a head moved back, as one would after removing events
        anchor["cases"] = [[n, c - 1 if n == target else c, h] for n, c, h in anchor["cases"]]
    elif tamper == "dropped":
        anchor["cases"] = [h for h in anchor["cases"] if h[0] != target]
    if tamper in ("head", "dropped"):
        path.write_text(json.dumps(anchor))
    elif tamper == "other_key":
        with override_settings(GRIDGOV_AUDIT_KEY="a key that is not the server's"):
            path.write_text(json.dumps(chains.make_anchor()))
    else:
        path.write_text("{not json")
    with pytest.raises(chains.AnchorError):
        chains.read_anchor(path)
    report, clean = verify_with(path)
    assert not clean and report["ok"] is False and report["cases"] == 2 and report["broken"] == []
    assert report["anchors"][0]["ok"] is False and str(path) in report["anchors"][0]["problem"]


def test_daily_anchor_task(two_cases, tmp_path, settings):
    from gridgov.cases.tasks import write_daily_anchor
    from gridgov.core.tasks import periodic_tasks

    settings.GRIDGOV_ANCHOR_DIR = str(tmp_path)
    assert "gridgov.cases.write_daily_anchor" in periodic_tasks()
    write_daily_anchor()
    write_daily_anchor()
    [written] = tmp_path.iterdir()
    assert chains.check_anchor(chains.read_anchor(written)) == []


def make_legacy(numbers: list[str]) -> None:
    """Files as written before the chain was keyed: plain SHA-256, no state."""
    CaseEvent.objects.filter(case__number__in=numbers).update(state_hash="")
    for number in numbers:
        rewrite_with_plain_sha256(number)


def test_rechain_signs_the_old_files_and_leaves_broken_ones_broken(two_cases):
    target, bystander = two_cases
    make_legacy(two_cases)
    assert not chains.verify_chains().ok  # the old chain does not pass the keyed check
    CaseEvent.objects.filter(case__number=bystander, seq=2).update(note="改过")  # tampered before the upgrade
    done = chains.rechain(legacy=True)
    assert (done.cases, done.events, done.skipped) == (1, 5, [bystander])
    report = chains.verify_chains()
    assert [b["number"] for b in report.broken] == [bystander]
    # earlier events cover no state (it is not known any more); the last covers the row
    states = list(CaseEvent.objects.filter(case__number=target).order_by("seq").values_list("state_hash", flat=True))
    assert states[:4] == [""] * 4 and len(states[4]) == 64
    # the file goes on under the new chain
    services.supervise_case(actor=Actor.of(user("dispatcher-410102001")), number=target, note="再次督办")
    assert chains.verify_chains([target]).ok
    Case.objects.filter(number=target).update(result="改过")
    assert not chains.verify_chains([target]).ok


def test_the_migration_calls_rechain(two_cases):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("gridgov.cases.migrations.0005_rechain_events")
    make_legacy(two_cases)
    migration.rechain_case_files(apps, None)
    assert chains.verify_chains().ok


NOW = datetime(2025, 6, 12, 15, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_untampered_demo_history_verifies_with_its_anchor(demo_city, tmp_path):
    from gridgov.sim.history import simulate_history

    result = simulate_history(days=1, seed=1, now=NOW)
    assert result["cases"] > 10
    path = chains.write_anchor(tmp_path)
    report, clean = verify_with(path)
    assert clean and report["ok"] and report["cases"] == result["cases"] and report["events"] == result["events"]
    assert report["audit_log"]["ok"] and report["anchors"][0]["heads"] == result["cases"]
    assert Case.objects.exclude(status=Status.REPORTED).exists()
