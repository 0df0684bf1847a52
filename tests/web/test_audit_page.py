"""/audit/: the auditors' page of case file readings and reveals (issue 10)."""

from django.contrib.auth import get_user_model
from django.test import Client

from tests.cases.helpers import report


def _session(username):
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def test_the_auditor_page_lists_readings_and_reveals_in_chinese(demo_city):
    number = report().case.number
    assert _session("dispatcher").get(f"/console/cases/{number}/").status_code == 200
    auditor = _session("auditor")
    r = auditor.get("/audit/")
    html = r.content.decode()
    assert r.status_code == 200 and "案卷查阅记录" in html and "<script>" not in html and "style=" not in html
    assert number in html and "dispatcher" in html and "指挥中心" in html
    assert "王五" not in html and "13700001234" not in html
    # filtered by person and case
    assert number not in auditor.get("/audit/", {"user": "leader"}).content.decode()
    assert number in auditor.get("/audit/", {"case": number, "since": "2000-01-01"}).content.decode()
    assert "暂无记录" in auditor.get("/audit/", {"until": "2000-01-01"}).content.decode()

    _session("dispatcher").get("/console/", {"phone": "1234"})  # a phone search: a reveal
    html = auditor.get("/audit/", {"show": "reveals"}).content.decode()
    assert "按电话查询" in html and number in html and "1234" not in html.split("audit-table")[1]


def test_nobody_else_opens_the_auditor_page(demo_city):
    for username in ("dispatcher", "leader", "supervisor"):
        r = _session(username).get("/audit/")
        assert r.status_code == 403 and "只有审计员和管理员" in r.content.decode()
    assert _session("admin").get("/audit/").status_code == 200
    assert Client().get("/audit/").status_code == 302  # to the sign-in page
