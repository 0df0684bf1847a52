"""Scores from schemes kept as data: the arithmetic of each rule, reproducibility, evidence, rankings."""

import re
from datetime import datetime, timedelta

import pytest
from django.utils import translation

from gridgov.assessment import scoring, services
from gridgov.assessment.facts import COUNTERS
from gridgov.assessment.models import ScoringScheme
from gridgov.core.errors import BadInput
from tests.cases import helpers
from tests.cases.helpers import bring

OCT = datetime.fromisoformat("2026-10-12T10:00:00+08:00")
NOV = datetime.fromisoformat("2026-11-10T10:00:00+08:00")


def counters(**values):
    return {**dict.fromkeys(COUNTERS, 0), **values}


def test_three_rates_with_a_county_weighting_of_30_35_35(demo_city):
    scheme = ScoringScheme(
        code="x",
        name="三率",
        subject="unit",
        total=100,
        items=[
            {"key": "r", "input": "response_rate", "rule": "rate", "points": 30},
            {"key": "s", "input": "resolution_rate", "rule": "rate", "points": 35},
            {"key": "m", "input": "satisfaction_rate", "rule": "rate", "points": 35},
        ],
    )
    got = scoring.score(scheme, counters(sign_due=10, signed_on_time=9, evaluated=20, solved=15, satisfied=18))
    assert got["score"] == pytest.approx(30 * 0.9 + 35 * 0.75 + 35 * 0.9)
    assert [i["points"] for i in got["items"]] == [pytest.approx(27), pytest.approx(26.25), pytest.approx(31.5)]


def test_deductions_targets_bonus_cap_and_inputs_not_collected_yet(demo_city):
    scheme = ScoringScheme.objects.get(code="worker-1000")
    got = scoring.score(
        scheme,
        counters(received=10, reworks=3, on_spot=80),
        counters(registered=4, closed=2, closed_on_time=1, evaluated=2, satisfied=2),
    )
    items = {i["key"]: i for i in got["items"]}
    assert items["discovery"]["points"] == pytest.approx(300 * 10 / 20)  # target 20 reports
    assert items["handling"]["points"] == pytest.approx(250 * 2 / 4)  # the grid's closure rate
    assert items["rework"]["points"] == pytest.approx(-0.6)  # −0.2 per rework
    assert items["visits"]["available"] is True and items["visits"]["points"] == 0  # no visits recorded
    assert got["bonus"] == 50  # 80 on-the-spot fixes, capped at 50
    assert got["score"] == pytest.approx(150 + 125 + 200 * 0.5 + 150 - 0.6 + 50)


@translation.override("en")  # the English wording
def test_a_scheme_with_an_unknown_input_is_refused(demo_city):
    with pytest.raises(BadInput, match="unknown input"):
        services.save_scheme(
            actor=None,
            code="bad",
            name="bad",
            subject="region",
            level=1,
            items=[{"key": "a", "input": "happiness", "rule": "rate", "points": 10}],
        )
    with pytest.raises(BadInput, match="target"):
        services.save_scheme(
            actor=None,
            code="bad",
            name="bad",
            subject="region",
            level=1,
            items=[{"key": "a", "input": "received", "rule": "target", "points": 10}],
        )
    assert not ScoringScheme.objects.filter(code="bad").exists()


def test_rankings_are_reproducible_show_the_change_and_trace_to_cases(demo_city):
    # October: one case closed and one stuck in 林山寨街道; November: two closed there
    bring("closed", at=OCT)
    for path, at in (("in_progress_unit", OCT), ("closed", NOV), ("closed", NOV + timedelta(hours=1))):
        bring(path, at=at)
    services.catch_up()
    first = scoring.ranking("street-100", "2026-11")
    assert first == scoring.ranking("street-100", "2026-11")  # same events, same scores
    rows = {r["code"]: r for r in first["items"]}
    assert rows[helpers.STREET]["rank"] == 1 and rows[helpers.STREET]["score"] > 0
    assert rows[helpers.STREET]["rank_change"] is not None
    assert first["previous_month"] == "2026-10"
    staff = scoring.ranking("street-100", "2026-11", public=False)
    items = {i["key"]: i for i in {r["code"]: r for r in staff["items"]}[helpers.STREET]["items"]}
    assert items["outcome_closure"]["counters"] == {"closed": 2, "registered": 2}
    evidence = scoring.evidence("region", helpers.STREET, *scoring.month_range("2026-11"), "closed")
    assert len(evidence) == 2 and all(n.startswith("202611") for n in evidence)


def test_public_rankings_of_people_carry_no_personal_data(demo_city):
    bring("verified_on_spot", at=NOV)
    services.catch_up()
    public = scoring.ranking("worker-1000", "2026-11")
    row = public["items"][0]
    assert set(row) == {"rank", "name", "area", "score", "rank_change", "score_change"}
    assert "*" in row["name"] and not re.search(r"worker-4101", str(public["items"]))  # no usernames


@translation.override("en")
def test_bad_month_is_a_clear_error():
    with pytest.raises(BadInput, match="2026-11"):
        scoring.month_range("November")
    assert scoring.previous_month("2026-01") == "2025-12"


def test_evidence_through_the_api_lists_the_cases_behind_a_figure(demo_city, api):
    made = bring("in_progress_rework", at=NOV)
    services.catch_up()
    leader = api("leader", language="en")
    r = leader.get(
        "/stats/evidence", {"counter": "reworked", "region": helpers.STREET, "start": "2026-11-01", "end": "2026-11-30"}
    )
    assert r.status_code == 200 and r.json()["items"] == [made.number]
    r = leader.get("/stats/evidence", {"counter": "happiness", "region": helpers.STREET})
    assert r.status_code == 422 and r.json()["errors"][0]["loc"][-1] == "counter"  # not one of facts.COUNTERS
    outsider = api(f"dispatcher-{helpers.OTHER_STREET}").get(
        "/stats/evidence", {"counter": "reworked", "region": helpers.STREET}
    )
    assert outsider.status_code == 403


def test_a_worker_is_scored_for_the_months_their_post_was_in_force(demo_city):
    """Post dates (任职起止): a worker who left before the month is not ranked in it; one who began during
    it is; a post without dates counts while active."""
    from datetime import date

    from gridgov.people.models import Post

    scheme = ScoringScheme.objects.get(code="worker-1000")
    posts = Post.objects.filter(role="grid_worker", active=True).order_by("pk")
    left, joined = posts[0], posts[1]
    Post.objects.filter(pk=left.pk).update(start_date=date(2025, 1, 1), end_date=date(2026, 10, 31))
    Post.objects.filter(pk=joined.pk).update(start_date=date(2026, 11, 30), end_date=None)
    # each person holds the one grid-worker post in the demo city
    assert posts.filter(user_id__in=(left.user_id, joined.user_id)).count() == 2

    def scored(month):
        return {int(s.code) for s in scoring.subjects(scheme, during=scoring.month_range(month))}

    october, november, december = scored("2026-10"), scored("2026-11"), scored("2026-12")
    assert left.user_id in october and left.user_id not in november and left.user_id not in december
    assert joined.user_id not in october and joined.user_id in november and joined.user_id in december
    assert len(november) == posts.values("user_id").distinct().count() - 1  # everyone else stays
