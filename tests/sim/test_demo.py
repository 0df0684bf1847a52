import json
import re

import pytest
import shapely
from django.core.management import call_command

from gridgov.grids.models import Grid
from gridgov.sim import city
from gridgov.sim.services import build_demo_city


def test_layout_is_deterministic_for_a_seed():
    a, b, c = city.build_layout(5), city.build_layout.__wrapped__(5), city.build_layout(6)
    assert [g.code for g in a] == [g.code for g in b]
    assert all(shapely.equals_exact(x.geometry, y.geometry, 0) for x, y in zip(a, b, strict=True))
    assert any(not shapely.equals_exact(x.geometry, y.geometry, 1e-9) for x, y in zip(a, c, strict=False))


def test_layout_uses_the_real_streets_and_communities():
    layout = city.build_layout(0)
    streets, communities = city.official_units()
    assert len(streets) == 14 and sum(len(v) for v in communities.values()) == 157
    by_code = {g.code: g for g in layout}
    assert by_code["410102001"].name == "林山寨街道"
    assert by_code["410102001002"].name == "碧沙岗社区"  # 碧沙岗社区居委会 without the committee suffix
    level3 = [g for g in layout if len(g.code) == 15]
    assert len(level3) == city.LEVEL3_TARGET == 660
    assert all(300 <= g.households <= 500 for g in level3)
    assert all(re.fullmatch(r"410102\d{9}", g.code) for g in level3)
    # households add up the tree
    kids = {}
    for g in layout:
        kids.setdefault(g.parent, []).append(g)
    for g in layout:
        if g.code in kids:
            assert g.households == sum(k.households for k in kids[g.code])


@pytest.mark.django_db
def test_a_second_demo_serves_what_is_there_and_reset_rebuilds(capsys):
    assert Grid.objects.filter(code="410102").exists()  # built at session start
    again = build_demo_city(seed=3)
    assert not again.built and again.grids >= 832
    call_command("demo", "--no-serve", "--json")
    assert json.loads(capsys.readouterr().out)["built"] is False


@pytest.mark.django_db(transaction=True)
def test_reset_builds_afresh_with_another_seed():
    first = dict(Grid.objects.filter(level=3).values_list("code", "households")[:50])
    result = build_demo_city(seed=9, reset=True, days=0)
    assert result.built and result.grids == 832
    assert dict(Grid.objects.filter(level=3).values_list("code", "households")[:50]) != first
