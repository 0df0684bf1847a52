"""/oversight/: the supervisor's page, in Chinese."""

from django.utils import translation

from gridgov.oversight.models import Finding
from tests.cases import helpers as h
from tests.oversight.conftest import GRID, missed_here, patrol


def test_the_page_shows_the_appointment_and_records_a_finding(supervisor, client):
    client.force_login(supervisor.user)
    with translation.override("zh-hans"):
        page = client.get("/oversight/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200 and "中原督聘〔2026〕1号" in page.content.decode()
    assert "我的聘任" in page.content.decode()
    answer = client.post(
        "/oversight/",
        {
            "grid": GRID,
            "kind": "missed",
            "description": "垃圾",
            **{k: str(v) for k, v in missed_here().items() if k in ("lon", "lat")},
        },
    )
    assert answer.status_code == 409 and not Finding.objects.exists()
    patrol()
    point = missed_here()
    answer = client.post(
        "/oversight/", {"grid": GRID, "kind": "missed", "description": "垃圾", "lon": point["lon"], "lat": point["lat"]}
    )
    assert answer.status_code == 302 and Finding.objects.count() == 1


def test_the_page_is_for_appointed_supervisors(supervisor, client):
    client.force_login(h.user(f"worker-{GRID}"))
    assert client.get("/oversight/").status_code == 403


def test_the_supervisor_home_links_the_page(supervisor, client):
    supervisor.user.set_password("Lh-supervisor-2026!")
    supervisor.user.save()
    client.force_login(supervisor.user)
    page = client.get("/home/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'href="/oversight/"' in page and "一聘三督：记录督查发现" in page
