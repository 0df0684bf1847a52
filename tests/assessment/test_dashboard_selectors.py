"""The dashboard's figures against counts made straight from the cases table."""

from collections import Counter
from datetime import date

from gridgov.assessment import selectors, services
from gridgov.assessment.services import category_roots
from gridgov.cases.models import Case
from gridgov.cases.transitions import OPEN_STATUSES
from gridgov.sim.history import simulate_history

START, END = date(2026, 10, 30), date(2026, 11, 2)


def test_breakdown_hot_spots_and_lights_agree_with_the_cases(demo_city):
    from datetime import datetime

    simulate_history(days=3, seed=5, now=datetime.fromisoformat("2026-11-02T18:00:00+08:00"))
    services.catch_up()
    cases = list(Case.objects.select_related("grid"))
    assert len(cases) > 30
    roots = category_roots()
    for region in ("410102", "410102001", "410102001002"):
        mine = [c for c in cases if c.grid.code.startswith(region) and c.category_id]
        want = Counter(roots[c.category_id] for c in mine)
        got = {row["category"]: row["received"] for row in selectors.category_breakdown(region, START, END)}
        assert got == dict(want), region
        open_lights = Counter(
            c.light or "none" for c in cases if c.grid.code.startswith(region) and c.status in OPEN_STATUSES
        )
        assert {k: v for k, v in selectors.lights(region).items() if v} == dict(open_lights)
    per_grid = Counter(c.grid.code for c in cases if c.grid.code.startswith("410102001"))
    spots = selectors.hot_spots("410102001", START, END, limit=5)
    assert [s["received"] for s in spots] == sorted(per_grid.values(), reverse=True)[:5]
    assert all(per_grid[s["code"]] == s["received"] for s in spots)
    assert selectors.category_breakdown("410102001002001", START, END) == []  # kept down to communities
