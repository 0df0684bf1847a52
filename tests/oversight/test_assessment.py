"""Supervisor findings reaching the assessment: a finding lowers the worker's score by the scheme's points."""

from gridgov.assessment import scoring
from gridgov.assessment.models import ScoringScheme
from gridgov.oversight import selectors
from tests.oversight.conftest import GRID, ON, SIBLING, STREET, inspect, missed_here, patrol


def _row(rows, username):
    from tests.cases import helpers as h

    uid = str(h.user(username).pk)
    return next(r for r in rows if r["code"] == uid)


def _item(row, key):
    return next(i for i in row["items"] if i["key"] == key)


def test_supervisor_findings_reaching_the_assessment(supervisor):
    scheme = ScoringScheme.objects.get(code="worker-1000")
    deduction = next(i for i in scheme.items if i["input"] == "oversight_findings")
    before = _row(scoring.scores(scheme, "2026-03", region=STREET), f"worker-{GRID}")
    assert _item(before, "oversight")["value"] == 0 and _item(before, "oversight")["points"] == 0
    patrol()
    inspect(**missed_here())
    rows = scoring.scores(scheme, "2026-03", region=STREET)
    after = _row(rows, f"worker-{GRID}")
    item = _item(after, "oversight")
    assert item["value"] == 1 and item["points"] == deduction["per"] == -10
    # in the total, by exactly the scheme's points
    assert after["base"] == round(sum(i["points"] for i in after["items"] if i["key"] != "on_spot"), 4)
    other = _row(rows, f"worker-{SIBLING}")
    assert _item(other, "oversight")["value"] == 0
    # the grid and its street count it; another month does not
    assert selectors.findings_by_region([GRID, SIBLING, STREET], ON.replace(day=1), ON) == {
        GRID: 1,
        SIBLING: 0,
        STREET: 1,
    }
    assert _item(_row(scoring.scores(scheme, "2026-04", region=STREET), f"worker-{GRID}"), "oversight")["value"] == 0
