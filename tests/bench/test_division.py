"""`gridgov bench division`: the figure's shape and its checks (no timing assertions: the goal is in `ratio`)."""

import json

import pytest

from gridgov.bench import division as division_bench
from tests.bench.test_bench import FIGURE_KEYS, run_bench


@pytest.mark.once  # the division bench never touches the database
def test_division_figure():
    data = json.loads(run_bench("division", "--scale", "0.2", "--json"))
    fig = data["division"]
    assert fig.keys() >= FIGURE_KEYS
    assert fig["unit"] == "s" and fig["better"] == "lower" and fig["limit"] == 60.0
    assert fig["size"] == {"households": 2000, "rule": [300, 500]}
    for run in (fig["first_division"], fig["redraw"]):
        assert 300 <= run["households_per_grid"]["min"] <= run["households_per_grid"]["max"] <= 500
        assert 0 < run["compactness_mean"] <= 1
    assert fig["redraw"]["kept"] >= 0 and fig["first_division"]["changed_households"] == 0


@pytest.mark.once
def test_a_grid_outside_the_rule_fails_the_benchmark(monkeypatch):
    real = division_bench.divide

    def sloppy(*args, **kwargs):
        result = real(*args, **kwargs)
        result.within_rule = False
        return result

    monkeypatch.setattr(division_bench, "divide", sloppy)
    with pytest.raises(division_bench.BenchmarkError, match="outside the rule"):
        division_bench.run(0.2)
