"""/rankings/ never publishes a month without data: such a month says 本月暂无数据 and is not the default;
较上月 compares only with a month that had cases; a subject without cases is 无案件, not last with 0."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.db import transaction

from gridgov.assessment import scoring

TZ = ZoneInfo("Asia/Shanghai")
CASES_AT = datetime(2026, 10, 15, 16, 0, tzinfo=TZ)  # two simulated days, both in October
TODAY = datetime(2026, 12, 9, 10, 0, tzinfo=TZ)  # September and November have no cases at all
SEED = 7


@pytest.fixture(scope="module")
def october(django_db_setup, django_db_blocker):
    """Two days of October cases, once for the module, rolled back after it (the other modules want none)."""
    from gridgov.assessment.services import catch_up
    from gridgov.sim.history import simulate_history

    with django_db_blocker.unblock(), transaction.atomic():
        result = simulate_history(days=2, seed=SEED, now=CASES_AT)
        catch_up()
        yield result
        transaction.set_rollback(True)


@pytest.fixture
def page(october, demo_city, client):
    cache.clear()  # the public rankings are cached a few minutes

    def get(**params) -> str:
        with time_machine.travel(TODAY, tick=False):
            response = client.get("/rankings/", params)
        assert response.status_code == 200
        return response.content.decode()

    return get


def section(html: str, scheme: str) -> str:
    return re.search(rf'data-scheme="{scheme}">(.*?)</table>', html, re.S).group(1)


def test_the_default_month_is_the_latest_with_data(page):
    html = page()
    assert '<option value="2026-10" selected>' in html, "November has no cases: October is published"
    assert re.search(r'<option value="2026-11">[^<]*暂无数据[^<]*</option>', html)
    assert not re.search(r'<option value="2026-10"[^>]*>[^<]*暂无数据', html)
    assert "本月暂无数据" not in html and 'data-scheme="street-100"' in html


def test_a_month_without_data_says_so_and_ranks_nobody(page):
    html = page(month="2026-11")
    assert "本月暂无数据" in html
    assert '<table class="ranking"' not in html and "▲" not in html and "▼" not in html
    assert all(r["rank"] is None for r in scoring.ranking("street-100", "2026-11")["items"])


def test_the_change_is_only_against_a_month_with_data(page):
    html = page(month="2026-10")
    assert "2026年9月暂无数据，不显示较上月变化" in html
    streets = section(html, "street-100")
    assert "▲" not in streets and "▼" not in streets and "新上榜" not in streets
    assert "上月暂无数据" in streets
    ranking = scoring.ranking("street-100", "2026-10")
    assert ranking["compared_with"] is None and all(r["rank_change"] is None for r in ranking["items"])


def test_a_unit_without_cases_shows_no_cases_and_is_not_ranked_last(page):
    ranking = scoring.ranking("unit-3rates", "2026-10")["items"]
    ranked = [r for r in ranking if r["rank"] is not None]
    idle = [r for r in ranking if r["rank"] is None]
    assert ranked and idle, "some departments had October cases and some had none"
    assert [r["rank"] for r in ranked] == list(range(1, len(ranked) + 1))
    assert ranking == ranked + idle, "units without cases come after every ranked unit"
    units = section(page(month="2026-10"), "unit-3rates")
    for r in idle:
        row = re.search(
            rf'<tr>\s*<td class="num">(.*?)</td>\s*<td class="name">{re.escape(r["name"])}</td>(.*?)</tr>', units, re.S
        )
        assert row and "无案件" in row.group(1), r["name"]
        assert not re.search(r">\s*0\.0\s*<", row.group(2)), "no score of 0 for a unit that had nothing to do"
    last = re.findall(r'<tr>\s*<td class="num">(\d+)</td>', units)
    assert last and int(last[-1]) == len(ranked)
