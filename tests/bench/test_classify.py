"""`gridgov bench classify`: the figure's shape at a tiny scale (the speed and F1 goals live in the output)."""

import json

import pytest

from tests.bench.test_bench import FIGURE_KEYS, run_bench


@pytest.mark.once  # the classify bench never touches the database
def test_classify_json_at_a_tiny_scale():
    data = json.loads(run_bench("classify", "--scale", "0.01", "--json"))
    fig = data["classify"]
    assert fig.keys() >= FIGURE_KEYS and fig["unit"] == "macro-F1" and fig["limit"] == 0.9
    assert fig["size"] == {"titles": 300, "folds": 5, "labels": 7}  # the smallest sample it draws
    assert 0 < fig["value"] <= 1 and 0 < fig["accuracy"] <= 1
    assert fig["ratio"] == pytest.approx(fig["value"] / 0.9, rel=1e-3)
    assert set(fig["f1_by_label"]) == {
        "城乡建设",
        "劳动和社会保障",
        "教育文体",
        "商贸旅游",
        "环境保护",
        "卫生计生",
        "交通运输",
    }
    speed = fig["throughput"]
    assert speed.keys() >= FIGURE_KEYS and speed["unit"] == "titles/s" and speed["limit"] == 5000 and speed["value"] > 0
