"""`gridgov bench duplicates`: the truth and the detector on hand-made messages, and the bench's figure."""

from datetime import datetime, timedelta

import pytest

from gridgov.bench import duplicates as bench

T0 = datetime(2019, 3, 1, 9, 0)


def msg(user, title, text="", days=0):
    return {"user": user, "title": title, "text": text, "at": T0 + timedelta(days=days), "likes": 0}


def test_truth_takes_near_identical_titles_or_identical_texts_from_different_users():
    rows = [
        msg("u1", "A3区某小区门口路灯不亮"),
        msg("u2", "A3区某小区门口路灯不亮！"),  # same title but punctuation
        msg("u1", "A3区某小区门口路灯不亮"),  # the same user again: not a repeat by another
        msg("u3", "请求整治噪音", "楼下KTV每晚营业到凌晨两点，严重影响休息，请相关部门处理"),
        msg("u4", "噪音扰民", "楼下KTV每晚营业到凌晨两点，严重影响休息，请相关部门处理"),
        msg("u5", "公交线路调整建议"),
    ]
    assert bench.truth(rows) == {(0, 1), (1, 2), (3, 4)}


def test_detection_keeps_to_the_window_and_the_production_score():
    rows = [
        msg("u1", "小区门口路灯不亮"),
        msg("u2", "小区门口路灯不亮了", days=3),
        msg("u3", "小区门口路灯不亮", days=40),
    ]
    scores, scored = bench.detect(rows, timedelta(days=30), bench.TEXT_THRESHOLD)
    assert set(scores) == {(0, 1)} and scored == 1  # (0, 2) and (1, 2) lie beyond 30 days: never scored


@pytest.mark.once  # reads a shipped file, no database
def test_the_figure_at_a_small_scale():
    fig = bench.run(0.1, lambda m: None)
    assert fig["unit"] == "F1" and fig["limit"] == bench.F1_GOAL and fig["size"]["messages"] == 428
    assert 0 <= fig["precision"] <= 1 and 0 <= fig["recall"] <= 1
    assert fig["detected_pairs"] >= 0 and fig["repeated_pairs"] >= fig["repeated_beyond_window"]
    assert set(fig["text_only_curve"]) == {"0.5", "0.6", "0.7", "0.8"}
