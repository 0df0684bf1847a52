"""The household-size rule per area (规模适度): a setting keyed by grid code prefix, 300–500 by default,
about 400 in 焦作, villager groups for villages (not measured in households)."""

import io
import json

import pytest
from django.core.management import call_command

from gridgov.grids.apps import grid_size_rules_check
from gridgov.grids.models import Grid
from gridgov.grids.size_rules import DEFAULT_RULE, grids_outside_rule, rule_for, rules
from tests.cases.helpers import COMMUNITY, GRID, SIBLING_GRID, STREET

pytestmark = pytest.mark.django_db


def _set(code: str, households: int) -> None:
    Grid.objects.filter(code=code).update(households=households)


def test_the_default_is_300_to_500(settings, demo_city):
    settings.GRIDGOV_GRID_SIZE_RULES = {}
    assert rule_for(GRID) == DEFAULT_RULE and (DEFAULT_RULE.min, DEFAULT_RULE.max) == (300, 500)
    _set(GRID, 299)
    _set(SIBLING_GRID, 500)
    flagged = {g["code"]: g for g in grids_outside_rule(root=COMMUNITY)}
    assert GRID in flagged and SIBLING_GRID not in flagged
    assert flagged[GRID] | {"name": ""} == {
        "code": GRID,
        "name": "",
        "households": 299,
        "min": 300,
        "max": 500,
        "prefix": "",
    }
    # every flagged grid is really outside, every other level-3 grid of the district inside
    for g in Grid.objects.filter(level=3, valid_to__isnull=True):
        assert (g.code in {f["code"] for f in grids_outside_rule()}) == (not 300 <= g.households <= 500)


def test_the_longest_prefix_decides_and_villages_are_not_counted(settings, demo_city):
    settings.GRIDGOV_GRID_SIZE_RULES = {
        "410102": {"min": 350, "max": 450},  # a city like 焦作: about 400
        COMMUNITY: {"basis": "villager_groups"},  # a village: one grid per 村民小组
    }
    assert [r.prefix for r in rules()] == [COMMUNITY, "410102"]
    assert rule_for(GRID).basis == "villager_groups" and rule_for(STREET + "001001").min == 350
    _set(GRID, 10)
    other = Grid.objects.filter(level=3, code__startswith=STREET).exclude(code__startswith=COMMUNITY).first()
    _set(other.code, 460)
    flagged = {g["code"]: g for g in grids_outside_rule(root=STREET)}
    assert GRID not in flagged, "a villager-group grid is not measured in households"
    assert flagged[other.code]["max"] == 450 and flagged[other.code]["prefix"] == "410102"
    _set(other.code, 400)
    assert other.code not in {g["code"] for g in grids_outside_rule(root=STREET)}


def test_the_command_lists_them_and_the_check_refuses_bad_rules(settings, demo_city):
    settings.GRIDGOV_GRID_SIZE_RULES = {}
    _set(GRID, 1)
    out = io.StringIO()
    call_command("people", "size-check", "--root", COMMUNITY, "--json", stdout=out)
    assert GRID in [g["code"] for g in json.loads(out.getvalue())]
    assert grid_size_rules_check(None) == []
    settings.GRIDGOV_GRID_SIZE_RULES = {"4101": {"min": 500, "max": 300}, "4102": {"basis": "streets"}}
    assert [e.id for e in grid_size_rules_check(None)] == ["gridgov.grids.E001"] * 2
