"""`gridgov bench`: the shape of the figures and that both sides of a comparison agree.

No timing assertions here: speed goals live in the bench output (`ratio`), never in unit tests.
"""

import inspect
import json
from io import StringIO

import numpy as np
import pytest
import shapely
from django.core.management import call_command
from django.core.management.base import CommandError

from gridgov.bench import locate as locate_bench
from gridgov.bench import registry

FIGURE_KEYS = {"value", "unit", "limit", "ratio", "better", "size"}


def run_bench(*args) -> str:
    out = StringIO()
    call_command("bench", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def assert_figure(fig: dict, grids: int, points: int):
    assert fig.keys() >= FIGURE_KEYS
    assert fig["unit"] == "points/s"
    assert fig["better"] == "higher"
    assert fig["size"] == {"grids": grids, "points": points}
    assert fig["value"] > 0 and fig["limit"] > 0 and fig["raw_strtree"] > 0
    assert fig["ratio"] == pytest.approx(fig["value"] / fig["limit"], rel=1e-3)
    assert fig["limit"] == pytest.approx(0.9 * fig["raw_strtree"], rel=1e-3)
    assert fig["share_of_raw"] == pytest.approx(fig["value"] / fig["raw_strtree"], rel=1e-3)
    assert fig["same_answer"] is True
    assert 0 < fig["points_outside"] < points
    assert fig["points_on_shared_edges"] > 0  # the grid-corner points hit several grids


@pytest.mark.django_db
def test_locate_json(demo_city):
    data = json.loads(run_bench("locate", "--scale", "0.01", "--json"))
    assert list(data) == ["locate"]
    fig = data["locate"]
    assert_figure(fig, grids=10_000, points=10_000)
    assert fig["locate_many_from_coords"] > 0

    demo = fig["demo_city"]
    assert_figure(demo, grids=660, points=10_000)
    assert demo["source"] == "database"

    single = fig["single_locate_us"]
    assert 0 < single["p50"] <= single["p95"]
    assert single["calls"] >= 200
    assert "selectors.locate" in single["via"]
    assert 0 < fig["single_locate_synthetic_us"]["p50"] <= fig["single_locate_synthetic_us"]["p95"]


@pytest.mark.once  # the locate bench never touches the database
def test_locate_without_the_database_builds_the_demo_city_in_memory():
    data = json.loads(run_bench("locate", "--scale", "0.001", "--json"))
    fig = data["locate"]
    assert_figure(fig, grids=10_000, points=1_000)
    assert fig["demo_city"]["source"] == "build_layout(0)"
    assert fig["demo_city"]["size"]["grids"] == 660
    assert "Locator.locate" in fig["single_locate_us"]["via"]


@pytest.mark.once  # the locate bench never touches the database
def test_without_names_runs_every_benchmark(monkeypatch):
    """The command runs every registered benchmark, in order, handing the options to those that take them.
    Each benchmark's figures are tested in its own file on each engine; here locate runs for real and the
    others are stand-ins with their real signatures (running them all took minutes of CI for nothing new)."""
    real_get = registry.get
    calls = []

    def get(name):
        real = real_get(name)
        if name == "locate":
            return real

        def run(scale, progress, **options):
            calls.append((name, scale, options))
            return {"value": 2.0, "unit": "u", "limit": 1.0, "ratio": 2.0, "better": "higher", "size": {}}

        run.__signature__ = inspect.signature(real)  # type: ignore[attr-defined]
        return run

    monkeypatch.setattr(registry, "get", get)
    data = json.loads(run_bench("--scale", "0.001", "--seconds", "1", "--connections", "2", "--json"))
    assert list(data) == registry.names()
    for fig in data.values():
        assert fig.keys() >= FIGURE_KEYS
    assert [name for name, _, _ in calls] == [n for n in registry.names() if n != "locate"]
    assert {name: options for name, _, options in calls}["intake"] == {"seconds": 1.0, "connections": 2}
    assert all(scale == 0.001 and (options == {} or name == "intake") for name, scale, options in calls)
    assert data["locate"]["same_answer"] is True


@pytest.mark.once  # the locate bench never touches the database
def test_human_readable_output():
    text = run_bench("locate", "--scale", "0.001")
    assert text.startswith("locate: ")
    assert "points/s" in text and "ratio" in text and "raw_strtree" in text and "demo_city" in text


def test_unknown_benchmark_is_a_clear_error():
    with pytest.raises(CommandError, match=r"unknown benchmark 'nope'; known: .*locate"):
        run_bench("locate", "nope", "--json")


@pytest.mark.parametrize("scale", ["0", "-1"])
def test_scale_must_be_positive(scale):
    with pytest.raises(CommandError, match="--scale"):
        run_bench("locate", "--scale", scale)


@pytest.mark.once  # the locate bench never touches the database
def test_a_disagreement_fails_the_benchmark(monkeypatch):
    real = locate_bench.Locator.locate_many

    def off_by_one(self, points):
        result = real(self, points)
        result[0] = -1 if result[0] != -1 else 0
        return result

    monkeypatch.setattr(locate_bench.Locator, "locate_many", off_by_one)
    with pytest.raises(CommandError, match="disagrees with raw STRtree"):
        run_bench("locate", "--scale", "0.001", "--json")


def test_synthetic_city_is_a_deterministic_tiled_tree():
    nodes, geoms = locate_bench.synthetic_city(grids=300)
    again_nodes, again_geoms = locate_bench.synthetic_city(grids=300)
    assert nodes == again_nodes
    assert all(shapely.equals_exact(geoms[c], again_geoms[c], 0) for c in geoms)

    by_code = {n.code: n for n in nodes}
    parents = {n.parent for n in nodes if n.parent}
    leaves = [n for n in nodes if n.code not in parents]
    assert len(leaves) == 300
    assert all(len(n.code) == {0: 6, 1: 9, 2: 12, 3: 15}[n.level] for n in nodes)
    assert all(n.parent is None or by_code[n.parent].level == n.level - 1 for n in nodes)
    district = geoms[locate_bench.SYNTHETIC_DISTRICT]
    leaf_area = sum(geoms[n.code].area for n in leaves)
    assert leaf_area == pytest.approx(district.area, rel=1e-9)  # no gaps, no overlaps


def test_smallest_hit_takes_the_lowest_index_per_point():
    point_idx = np.array([0, 0, 2, 2, 2, 3])
    tree_idx = np.array([5, 1, 7, 3, 9, 0])
    assert locate_bench._smallest_hit(5, point_idx, tree_idx).tolist() == [1, -1, 3, 0, -1]


def test_figure_ratio_for_lower_is_better():
    fig = registry.figure(value=50.0, limit=100.0, unit="ms", better="lower", size={})
    assert fig["ratio"] == 2.0
    with pytest.raises(ValueError):
        registry.figure(value=1, limit=1, unit="ms", better="sideways", size={})
