import json

import pytest
import shapely
from django.core.management import CommandError, call_command
from django.utils import timezone
from shapely.geometry import box

from gridgov.grids.checks import check_tree
from gridgov.grids.models import Grid, GridBoundary
from gridgov.grids.services import import_grids, retire_grid
from tests.grids.helpers import TEST_DISTRICT, item, square_tree

S1, S2 = f"{TEST_DISTRICT}001", f"{TEST_DISTRICT}002"


def test_the_demo_city_covers_its_district_seamlessly(demo_city):
    report = check_tree("410102")
    assert report.counts_by_level == {"0": 1, "1": 14, "2": 157, "3": 660}
    assert (report.gaps, report.overlaps, report.outside_parent, report.orphans, report.invalid) == (0, 0, 0, 0, 0)
    assert report.size_flags == 0 and report.ok


def test_a_clean_square_tree_passes(db):
    import_grids(items=square_tree())
    assert check_tree(TEST_DISTRICT).ok


def test_gap_overlap_and_outside_parent_are_found(db):
    import_grids(items=square_tree())
    # shrink the east street's first grid: a gap in its community
    import_grids(items=[item(f"{S2}001001", geometry=box(110.01, 30.00, 110.02, 30.009))])
    # widen the west street's second grid into its sibling: an overlap
    import_grids(items=[item(f"{S1}001002", geometry=box(110.00, 30.005, 110.01, 30.02))])
    # push the west community beyond its street: outside its parent, and wider than its own grids
    import_grids(items=[item(f"{S1}001", geometry=box(110.00, 30.00, 110.011, 30.02))])
    report = check_tree(TEST_DISTRICT)
    kinds = {(p["check"], p["code"]) for p in report.problems}
    assert ("gaps", f"{S2}001") in kinds
    assert ("overlaps", f"{S1}001001") in kinds
    assert ("outside_parent", f"{S1}001") in kinds
    assert ("gaps", f"{S1}001") in kinds
    assert not report.ok
    gap = next(p for p in report.problems if p["check"] == "gaps" and p["code"] == f"{S2}001")
    assert gap["area_m2"] == pytest.approx(0.001 * 0.01 * 111_195**2 * 0.866, rel=0.02)


def test_slivers_under_one_square_metre_are_tolerated(db):
    import_grids(items=square_tree())
    # 1e-9° ≈ 0.1 mm: a hairline gap along a 1 km edge is ~0.1 m²
    import_grids(items=[item(f"{S2}001001", geometry=box(110.01 + 1e-9, 30.00, 110.02, 30.01))])
    assert check_tree(TEST_DISTRICT).gaps == 0


def test_invalid_and_orphaned_grids_are_found(db):
    import_grids(items=square_tree())
    # data that bypassed the importer (say, edited in the database by hand)
    bowtie = shapely.Polygon([(110, 30), (110.01, 30.01), (110.01, 30), (110, 30.01), (110, 30)])
    GridBoundary.objects.filter(grid__code=f"{S1}001001", valid_to__isnull=True).update(wkb=shapely.to_wkb(bowtie))
    Grid.objects.filter(code=S2).update(valid_to=timezone.now())  # its community is left without a parent
    report = check_tree(TEST_DISTRICT)
    assert report.invalid == 1 and report.orphans == 1
    assert {"check": "orphans", "code": f"{S2}001", "detail": "no current parent grid"} in report.problems


def test_size_balance_flags_without_rejecting(db):
    items = square_tree()
    items[3].households = 120  # a 三级网格 far below 300 households
    items[4].households = 800
    import_grids(items=items)
    report = check_tree(TEST_DISTRICT)
    assert report.size_flags == 2 and report.ok  # flagged, not an error


def test_size_balance_follows_the_rule_of_each_area(db, settings):
    """GRIDGOV_GRID_SIZE_RULES (grids/size_rules.py): the check measures each grid by its area's rule."""
    items = square_tree()
    items[3].households = 120
    items[4].households = 800
    import_grids(items=items)
    small, big = items[3].code, items[4].code
    settings.GRIDGOV_GRID_SIZE_RULES = {small: {"basis": "villager_groups"}, big: {"min": 700, "max": 900}}
    assert check_tree(TEST_DISTRICT).size_flags == 0  # a village grid is not counted; 800 is inside 700–900
    settings.GRIDGOV_GRID_SIZE_RULES = {TEST_DISTRICT: {"min": 100, "max": 150}}
    report = check_tree(TEST_DISTRICT)
    flagged = {p["code"]: p["detail"] for p in report.problems if p["check"] == "size_flags"}
    assert small not in flagged and flagged[big] == "800 households, outside 100–150"


def test_retired_subtree_leaves_the_check_and_the_locator(db):
    import_grids(items=square_tree())
    retire_grid(code=S2)
    report = check_tree(TEST_DISTRICT)
    assert report.counts_by_level == {"0": 1, "1": 1, "2": 1, "3": 2}
    assert report.gaps == 1  # the district is no longer covered where the street was


def test_cli_check_json_has_the_contract_keys(demo_city, capsys):
    call_command("grids", "check", "--json")
    out = json.loads(capsys.readouterr().out)
    for key in ("counts_by_level", "gaps", "overlaps", "outside_parent", "orphans", "invalid", "size_flags"):
        assert key in out
    assert out["counts_by_level"]["3"] >= 660 and out["gaps"] == 0


def test_cli_check_fails_on_a_broken_tree(db):
    import_grids(items=square_tree())
    import_grids(items=[item(f"{S2}001001", geometry=box(110.01, 30.00, 110.02, 30.009))])
    with pytest.raises(CommandError):
        call_command("grids", "check", "--root", TEST_DISTRICT, "--json")
