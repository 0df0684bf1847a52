"""Progress, overdue grids and the 暗访 street ranking, computed by hand on a small fixture."""

from datetime import timedelta
from uuid import uuid4

import pytest
import time_machine

from gridgov.campaigns import covert, selectors, services
from gridgov.grids.models import Grid
from tests.campaigns.conftest import (
    DISPATCHER,
    GRID,
    ON,
    OTHER_STREET,
    SIBLING,
    STREET,
    at,
    close_case,
    make_campaign,
    tick,
)
from tests.cases import helpers as h

pytestmark = pytest.mark.django_db


def test_progress_per_grid_community_and_street(campaign):
    tick(campaign, GRID, 1)
    tick(campaign, GRID, 2, outcome="problem", problem={"title": "楼道堆物"})
    tick(campaign, SIBLING, 1, outcome="problem", problem={"resolved": {"result": "已清理"}})
    leader = h.actor("leader")
    p = selectors.progress(leader, campaign)
    rows = {r["grid"]: r for r in p["grids"]}
    n = len(rows)
    assert p["items"] == 3 and p["slots"] == 3 * n
    assert rows[GRID] | {} == {**rows[GRID], "done": 2, "slots": 3, "rate": round(2 / 3, 4), "problems": 1, "solved": 0}
    assert (rows[SIBLING]["done"], rows[SIBLING]["problems"], rows[SIBLING]["solved"]) == (1, 1, 1)
    community = next(r for r in p["communities"] if r["grid"] == GRID[:12])
    in_community = sum(1 for code in rows if code.startswith(GRID[:12]))
    assert community["done"] == 3 and community["slots"] == 3 * in_community
    assert community["rate"] == round(3 / (3 * in_community), 4)
    assert p["streets"] == [{**p["streets"][0], "grid": STREET, "done": 3, "problems": 2, "solved": 1}]
    # the worker sees their own grid only; the problem counts as solved once its case is closed
    mine = selectors.progress(h.actor(f"worker-{GRID}"), campaign)
    assert [r["grid"] for r in mine["grids"]] == [GRID]
    close_case(campaign.targets.get(grid__code=GRID).results.get(item__position=2).case.number)
    assert selectors.progress(leader, campaign, grid=GRID)["solved"] == 1


def test_overdue_targets_after_the_due_date_for_the_grid_leader(clock):
    campaign = make_campaign(due=ON + timedelta(days=2))
    for position in (1, 2, 3):
        if position == 3:
            from gridgov.cases.uploads import store_upload
            from tests.campaigns.test_services import png

            tick(campaign, GRID, 3, photos=[store_upload(data=png(), uploaded_by=h.user(f"worker-{GRID}")).id])
        else:
            tick(campaign, GRID, position)
    leader = h.actor(f"leader-{GRID[:12]}")
    assert selectors.overdue(leader, on=ON) == []
    assert selectors.overdue(leader, on=ON + timedelta(days=2)) == []  # due that day: not yet overdue
    with time_machine.travel(at(ON + timedelta(days=3)).timestamp(), tick=False):
        late = selectors.overdue(leader)
    grids = {r["grid"] for r in late}
    community = set(
        Grid.objects.filter(level=3, valid_to__isnull=True, code__startswith=GRID[:12]).values_list("code", flat=True)
    )
    assert grids == community - {GRID}  # the complete grid is not overdue
    assert {r["days_overdue"] for r in late} == {1}
    assert {(r["done"], r["items"]) for r in late if r["grid"] == SIBLING} == {(0, 3)}
    services.close_campaign(actor=h.actor(DISPATCHER), campaign=campaign)
    assert selectors.overdue(leader, on=ON + timedelta(days=3)) == []


def test_street_ranking_by_findings_per_thousand_households(clock):
    a, b = STREET, OTHER_STREET
    grid_b = Grid.objects.filter(level=3, valid_to__isnull=True, code__startswith=b).order_by("code").first().code
    found = []
    for grid, n in ((GRID, 3), (grid_b, 1)):
        lon, lat = h.point_in(grid)
        for k in range(n):
            done = covert.record_finding(
                actor=h.actor("supervisor"),
                client_id=uuid4(),
                category="垃圾乱堆",
                title=f"暗访发现{k}",
                lon=lon,
                lat=lat,
                found_at=at(ON - timedelta(days=1)),
            )
            found.append(done.obj)
    close_case(found[0].case.number)  # one of A's three rectified
    rows = {r["street"]: r for r in selectors.street_ranking(region="410102")}
    streets = Grid.objects.filter(level=1, valid_to__isnull=True, code__startswith="410102")
    hh = {s.code: s.households for s in streets}
    assert all(hh.values())
    assert rows[a] | {} == {
        **rows[a],
        "findings": 3,
        "households": hh[a],
        "per_1000": round(3000 / hh[a], 2),
        "rectified": 1,
        "share_rectified": round(1 / 3, 4),
    }
    assert (rows[b]["findings"], rows[b]["per_1000"], rows[b]["share_rectified"]) == (1, round(1000 / hh[b], 2), 0.0)
    clean = [r for r in rows.values() if r["findings"] == 0]
    assert {r["rank"] for r in clean} == {1} and len(clean) == len(rows) - 2
    first, second = sorted((a, b), key=lambda s: rows[s]["per_1000"])
    assert (rows[first]["rank"], rows[second]["rank"]) == (len(clean) + 1, len(clean) + 2)
    # a window before the findings holds none; one street as region ranks itself alone
    assert all(r["findings"] == 0 for r in selectors.street_ranking(region="410102", end=ON - timedelta(days=2)))
    assert [r["street"] for r in selectors.street_ranking(region=a)] == [a]
