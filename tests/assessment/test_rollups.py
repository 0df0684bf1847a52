"""The rollups equal the raw computation from the event log, on random histories (hypothesis),
however the refreshes interleave with the steps; and a rerun never counts twice."""

from datetime import date, datetime, timedelta
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridgov.assessment import selectors, services
from gridgov.assessment.facts import COUNTERS
from gridgov.assessment.models import Rollup
from gridgov.cases import services as case_services
from gridgov.cases.models import Case
from tests.cases import helpers
from tests.cases.helpers import PATHS, bring

START = datetime.fromisoformat("2026-10-05T09:30:00+08:00")
RANGE = (date(2026, 10, 1), date(2026, 10, 31))
SUBJECTS = [
    ("region", "410102"),
    ("region", helpers.STREET),
    ("region", helpers.COMMUNITY),
    ("region", helpers.GRID),
    ("region", helpers.OTHER_STREET),
    ("unit", helpers.UNIT),
]


def snapshot() -> dict:
    return {
        (r["kind"], r["code"], r["day"]): tuple(r[n] for n in COUNTERS)
        for r in Rollup.objects.values("kind", "code", "day", *COUNTERS)
        if any(r[n] for n in COUNTERS)
    }


def check_equal_to_events():
    subjects = SUBJECTS + [
        ("person", str(pk))
        for pk in Case.objects.exclude(reporter=None).values_list("reporter_id", flat=True).distinct()
    ]
    for kind, code in subjects:
        assert selectors.totals(kind, code, *RANGE) == selectors.totals_from_events(kind, code, *RANGE), (kind, code)


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    cases=st.lists(st.tuples(st.sampled_from(sorted(PATHS)), st.integers(0, 20)), min_size=1, max_size=4),
    refresh_after=st.lists(st.booleans(), min_size=40, max_size=40),
)
def test_rollups_match_the_events_whatever_the_order_of_refreshes(demo_city, cases, refresh_after):
    steps = iter(refresh_after * 10)
    perform = case_services.perform

    def perform_and_maybe_refresh(action, *, number, **kw):
        result = perform(action, number=number, **kw)
        if next(steps):  # the task that follows this step ran now …
            services.refresh_cases(numbers=[number])
        return result  # … or was lost: the sweep must make up for it

    with mock.patch.object(helpers.services, "perform", perform_and_maybe_refresh):
        for path, day in cases:
            bring(path, at=START + timedelta(days=day, minutes=day))
    services.catch_up()
    check_equal_to_events()
    before = snapshot()
    # reruns: the sweep, a refresh of every case, a rebuild — nothing may change
    assert services.catch_up() == 0
    assert services.refresh_cases(numbers=list(Case.objects.values_list("number", flat=True))) == 0
    assert snapshot() == before
    services.rebuild_rollups()
    assert snapshot() == before


def test_a_step_after_a_refresh_moves_the_counts_exactly_once(demo_city):
    made = bring("verified", at=START)
    services.catch_up()
    closed_before = selectors.totals("region", "410102", *RANGE)["closed"]
    case = made.case()
    case_services.perform(
        "close",
        actor=helpers.actor(helpers.dispatcher_for(case.platform)),
        number=made.number,
        reply="已办结",
        at=START + timedelta(hours=3),
    )
    assert services.refresh_cases(numbers=[made.number]) == 1
    assert services.refresh_cases(numbers=[made.number]) == 0
    assert selectors.totals("region", "410102", *RANGE)["closed"] == closed_before + 1
    check_equal_to_events()
