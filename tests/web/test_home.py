"""Every role has a home page (issue 12, item 8): deputies, supervisors and mediators sign in to their
workspace (/home/) — their posts, their tasks, links only to pages they may open — never to a 403."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from gridgov.cases import services
from gridgov.cases.models import Case, Channel
from gridgov.people.models import Post
from gridgov.sim.models import DemoAccount
from tests.cases.helpers import GRID, STREET, actor, bring, report

pytestmark = pytest.mark.django_db

DEPUTY, SUPERVISOR, MEDIATOR = f"deputy-{STREET}", f"supervisor-{STREET}", f"mediator-{STREET}"


def _client(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def _home(username: str) -> str:
    r = _client(username).get("/home/")
    assert r.status_code == 200, (username, r.status_code)
    return r.content.decode()


def _section(html: str, section_id: str) -> str:
    match = re.search(rf'<section class="card" id="{section_id}".*?</section>', html, re.S)
    assert match, section_id
    return match.group(0)


@pytest.mark.parametrize("role", ["deputy", "supervisor", "mediator"])
def test_these_roles_sign_in_to_their_workspace(role, demo_city):
    account = DemoAccount.objects.filter(role=role).order_by("username").first()
    client = Client()
    r = client.post("/login/", {"username": account.username, "password": account.password})
    assert r.status_code == 302 and r["Location"] == "/home/"
    page = client.get("/home/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<title>我的工作台 · " in html and 'id="my-posts"' in html
    for post in Post.objects.filter(user__username=account.username):
        assert f'data-scope="{post.scope}"' in html and f'href="/board/{post.scope}/"' in html


def test_the_auditor_lands_on_the_audit_page(demo_city):
    account = DemoAccount.objects.get(username="auditor")
    client = Client()
    r = client.post("/login/", {"username": account.username, "password": account.password})
    assert r["Location"] == "/audit/" and client.get("/audit/").status_code == 200


@pytest.mark.parametrize(
    "username", [DEPUTY, SUPERVISOR, MEDIATOR, "supervisor", "leader", "auditor", f"worker-{GRID}", "dispatcher"]
)
def test_every_link_of_a_home_page_opens_for_its_reader(username, demo_city):
    client = _client(username)
    html = client.get("/home/").content.decode()
    links = re.findall(r'<a (?:id="go-[a-z]+" )?href="(/[^"]*)"', html)
    assert links, username
    for path in set(links):
        answer = client.get(path)
        assert answer.status_code == 200, f"{username}: {path} answers {answer.status_code}"


def test_a_person_without_posts_gets_the_page_not_a_refusal(demo_city):
    user = get_user_model().objects.create(username="nobody-here", first_name="无岗位")
    client = Client()
    client.force_login(user)
    html = client.get("/home/").content.decode()
    assert "您目前没有在任的岗位" in html and 'id="deputy-tasks"' not in html and 'id="go-console"' not in html


def test_the_deputy_sees_what_they_passed_on(demo_city):
    mine = report(username=DEPUTY, title="代表接待日：路灯不亮").case
    report(title="居民自己反映")  # a resident's report: not the deputy's
    assert mine.channel == Channel.DEPUTY
    html = _home(DEPUTY)
    section = _section(html, "deputy-tasks")
    assert mine.number in section and "代表接待日：路灯不亮" in section and "居民自己反映" not in section
    assert 'href="/report/"' in section
    assert f'href="/console/cases/{mine.number}/"' not in html, "a deputy cannot open the console: no link"
    assert 'id="supervisor-overdue"' not in html and 'id="go-console"' not in html


def test_the_supervisor_sees_overdue_cases_and_the_ones_pressed(demo_city):
    late = bring("in_progress_grid")
    on_time = bring("in_progress_unit")
    Case.objects.filter(number=late.number).update(resolve_by=timezone.now() - timedelta(hours=1))
    Case.objects.filter(number=on_time.number).update(resolve_by=timezone.now() + timedelta(days=3))
    html = _home(SUPERVISOR)
    overdue = _section(html, "supervisor-overdue")
    assert f'href="/console/cases/{late.number}/"' in overdue and on_time.number not in overdue
    assert "您还没有督办过案件" in _section(html, "supervisor-pressed")
    services.supervise_case(actor=actor(SUPERVISOR), number=on_time.number, note="请加快办理")
    pressed = _section(_home(SUPERVISOR), "supervisor-pressed")
    assert on_time.number in pressed and late.number not in pressed
    assert 'id="go-console"' in html and 'id="go-dashboard"' in html


def test_the_mediator_sees_the_open_disputes_of_their_street(demo_city):
    dispute = report(title="楼上漏水邻里争执", category="S010401").case
    other = report(title="井盖缺失").case
    html = _home(MEDIATOR)
    section = _section(html, "mediator-disputes")
    assert dispute.number in section and other.number not in section
    assert "/console/" not in section, "a mediator cannot open the console: numbers without links"
    Case.objects.filter(pk=dispute.pk).update(status="closed")
    assert dispute.number not in _section(_home(MEDIATOR), "mediator-disputes")


def test_a_dispute_case_taken_into_mediation_leaves_the_waiting_list(demo_city):
    from gridgov.mediation import services as mediation

    dispute = report(title="楼上漏水邻里争执", category="S010401").case
    assert dispute.number in _section(_home(MEDIATOR), "mediator-disputes")
    parties = [{"role": "applicant", "name": "张三", "phone": ""}, {"role": "respondent", "name": "李四", "phone": ""}]
    taken = mediation.open_dispute(
        actor=actor(MEDIATOR),
        dispute_class=1,
        domain="",
        title="",
        grid_code="",
        case_number=dispute.number,
        parties=parties,
    )
    html = _home(MEDIATOR)
    assert dispute.number not in _section(html, "mediator-disputes")
    assert taken.number in _section(html, "mediator-mediation")


def test_the_page_is_in_english_too(demo_city):
    html = _client(MEDIATOR).get("/home/", {"lang": "en"}).content.decode()
    assert "My workspace" in html and "Dispute cases not yet in mediation" in html
