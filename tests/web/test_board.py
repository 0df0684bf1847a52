"""The public grid board (公示牌): /board/<code>/."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gridgov.cases.models import Case
from gridgov.grids.models import Grid
from gridgov.people.models import Post
from gridgov.web.views import board_figures
from tests.cases.helpers import GRID, bring
from tests.cases.helpers import report as file_report


def _html(client, path, **params):
    r = client.get(path, params)
    assert r.status_code == 200, r.status_code
    return r.content.decode()


def test_board_of_a_level3_grid(client, demo_city):
    grid = Grid.objects.select_related("parent__parent").get(code=GRID)
    html = _html(client, f"/board/{GRID}/")
    assert f"<title>{grid.name} · 网格公示牌</title>" in html and '<html lang="zh-hans">' in html
    assert grid.name in html and GRID in html and "三级网格" in html
    assert "户数" in html and "人口" in html and "本网格责任人" in html and "上级网格" in html
    # the chain links to the boards above, the district first
    for code in ("410102", GRID[:9], GRID[:12]):
        assert f'href="/board/{code}/"' in html, code
    # its people: public posts, with name, role in Chinese, title and phone
    posts = Post.objects.filter(scope=GRID, active=True, public=True).select_related("user")
    assert posts.exists()
    for post in posts:
        assert (post.user.first_name or post.user.username) in html
        if post.phone:
            assert post.phone in html
    assert "网格员" in html or "网格长" in html
    # the community's and the street's people are shown too
    above = Post.objects.filter(scope__in=[GRID[:12], GRID[:9]], active=True, public=True).select_related("user")
    for post in above:
        assert (post.user.first_name or post.user.username) in html


def test_board_lists_children_with_links(client, demo_city):
    street = GRID[:9]
    html = _html(client, f"/board/{street}/")
    children = Grid.objects.filter(parent__code=street, valid_to__isnull=True)
    assert children.exists() and "下级网格" in html
    for child in children:
        assert f'href="/board/{child.code}/"' in html and child.name in html


def test_board_figures_count_the_subtree_in_the_last_30_days(client, demo_city):
    before = board_figures(GRID[:12])
    file_report()
    bring("closed")
    after = board_figures(GRID[:12])
    assert after["reported"] == before["reported"] + 3  # bring() files a master case as well
    assert after["closed"] == before["closed"] + 1
    since = timezone.now() - timedelta(days=30)
    assert after["reported"] == Case.objects.filter(grid__code__startswith=GRID[:12], reported_at__gte=since).count()
    html = _html(client, f"/board/{GRID[:12]}/")
    assert f'<dd id="f-reported">{after["reported"]}</dd>' in html
    assert f'<dd id="f-closed">{after["closed"]}</dd>' in html
    assert "近 30 天的案件" in html


def test_board_in_english(client, demo_city):
    html = _html(client, f"/board/{GRID}/", lang="en")
    assert "Grid board" in html and "People responsible for this grid" in html
    assert "Households" in html and "Cases in the last 30 days" in html and "level-3 grid" in html


def test_unknown_board_code_is_404(client, demo_city):
    assert client.get("/board/999999999/").status_code == 404
    assert client.get("/board/not-a-code/").status_code == 404


@pytest.mark.browser
def test_board_at_375_px(browser, live_server, demo_city, artifacts):
    context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/board/{GRID}/")
        assert page.inner_text("#b-code") == GRID
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.screenshot(path=artifacts / "board-375.png", full_page=True)
    finally:
        context.close()
