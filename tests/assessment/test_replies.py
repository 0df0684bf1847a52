"""Reply quality (答复质量): the scoring on hand-made messages and replies, the `gridgov replies score` command on the
泰迪杯 sample, and our own cases' weakest replies by selector, API and page, in the reader's scope."""

import csv
import json
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from gridgov.assessment import replies as r
from gridgov.assessment.reply_cases import weakest_replies
from gridgov.assessment.reply_file import DATA, parse_moment, read_rows, score_rows
from gridgov.cases import services
from gridgov.core.errors import Forbidden
from tests.cases import helpers as h

TZ = timezone.get_default_timezone()
ASKED = datetime(2026, 3, 10, 10, 0, tzinfo=TZ)  # a Tuesday
TITLE = "金桥小区门口井盖缺失"
TEXT = "金桥小区东门人行道上的井盖丢了好几天，晚上很危险，已经有老人摔倒，请尽快补上井盖。"
GOOD = (
    "网友您好！您反映的金桥小区门口井盖缺失的问题已收悉。经核实，东门人行道井盖确已丢失，林山寨街道已于次日"
    "安排市政维修队补装井盖并设置警示标志，现已恢复通行。下一步将加强对小区周边井盖的巡查。"
    "如有疑问请联系街道城管科，联系电话67891234。感谢您的关注！"
)
TEMPLATE = "网友您好！您的留言已收悉，感谢您的关注和支持！"


def days_later(n: int) -> datetime:
    return ASKED + timedelta(days=n)


# ---- the scoring ---------------------------------------------------------------------------------


def test_a_relevant_complete_timely_reply_beats_a_late_template():
    good = r.score_reply(TITLE, TEXT, GOOD, ASKED, days_later(2))
    poor = r.score_reply(TITLE, TEXT, TEMPLATE, ASKED, days_later(40))
    assert good.total > 75 and poor.total < 10
    assert (good.relevance, good.completeness, good.timeliness) > (poor.relevance, poor.completeness, poor.timeliness)
    assert good.reasons == []
    assert poor.reasons[0] == "无实质答复内容" and "超过15个工作日时限（用时" in poor.reasons[-1]
    assert good.working_days == pytest.approx(2.0)  # Tuesday 10:00 to Thursday 10:00


def test_each_part_moves_the_way_it_should():
    base = r.score_reply(TITLE, TEXT, GOOD, ASKED, days_later(2))
    off_topic = GOOD.replace("金桥小区门口井盖缺失", "道路照明").replace("井盖", "路灯").replace("东门人行道", "主干道")
    assert r.score_reply(TITLE, TEXT, off_topic, ASKED, days_later(2)).relevance < base.relevance
    no_contact = GOOD.replace("如有疑问请联系街道城管科，联系电话67891234。", "")
    thinner = r.score_reply(TITLE, TEXT, no_contact, ASKED, days_later(2))
    assert thinner.completeness < base.completeness and "未留联系方式" in thinner.reasons
    assert thinner.relevance == pytest.approx(base.relevance, abs=0.05)
    # timeliness: full up to 5 working days, 0.6 at the limit of 15, 0 at twice the limit
    later = [r.score_reply(TITLE, TEXT, GOOD, ASKED, days_later(n)).timeliness for n in (2, 14, 21, 60)]
    assert later[0] == 1.0 and later == sorted(later, reverse=True) and later[-1] == 0.0
    assert r.timeliness(r.LIMIT_DAYS) == pytest.approx(0.6) and r.timeliness(2 * r.LIMIT_DAYS) == 0.0


def test_echoing_the_title_and_forwarding_are_not_an_answer():
    echo = f"网友您好！您反映的“{TITLE}”问题已收悉，已转交相关单位办理。感谢您的关注！"
    score = r.score_reply(TITLE, TEXT, echo, ASKED, days_later(1))
    assert score.relevance < 0.3 and score.reasons[0] == "答复与留言内容关联较弱"
    assert "仅说明已转办，未说明办理结果" in score.reasons and "未说明已采取的措施" in score.reasons


def test_holidays_count_as_no_working_days():
    # 2026-09-30 (Wednesday) to 2026-10-09: the National Day week is holidays, 10-09 a working Friday
    before, after = datetime(2026, 9, 30, 10, tzinfo=TZ), datetime(2026, 10, 9, 10, tzinfo=TZ)
    assert r.working_days_between(before, after) < 3
    missing = r.score_reply(TITLE, TEXT, GOOD, ASKED, None)
    assert missing.timeliness == 0.0 and missing.working_days is None and "缺少留言或答复时间" in missing.reasons[-1]


# ---- the 12345 office's file ---------------------------------------------------------------------


def run_replies(*args) -> str:
    out = StringIO()
    call_command("replies", "score", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_command_on_the_teddy_sample(data_dir):
    sample = data_dir / "complaints_teddy2020_sample.csv"
    out = json.loads(run_replies("--input", str(sample), "--weakest", "5", "--json"))
    assert out["replies"] == 60
    scored = sorted(score_rows(read_rows(sample)), key=lambda s: (s.score.total, s.id))
    assert [w["id"] for w in out["weakest"]] == [s.id for s in scored[:5]]
    totals = [w["total"] for w in out["weakest"]]
    assert totals == sorted(totals) and totals[0] <= out["distribution"]["total"]["q1"]
    for part in ("relevance", "completeness", "timeliness", "total"):
        d = out["distribution"][part]
        assert d["q1"] <= d["median"] <= d["q3"]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in reason) for w in out["weakest"] for reason in w["reasons"])
    text = run_replies("--input", str(sample), "--weakest", "1")
    assert text.startswith("共 60 条答复") and "相关性" in text and out["weakest"][0]["title"] in text


def test_the_shipped_file_holds_every_reply():
    rows = read_rows(DATA)
    assert len(rows) == 2788 and len({row["id"] for row in rows}) == 2788
    assert all(row["title"] and row["asked_at"] for row in rows)
    assert max(len(row["reply"]) for row in rows) == 600 and parse_moment(rows[0]["replied_at"]) is not None


def test_the_command_reads_the_shipped_layout_and_refuses_another(tmp_path):
    good = tmp_path / "replies.csv"
    with open(good, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "title", "asked_at", "text", "reply", "replied_at"])
        w.writerow(["1", TITLE, "2026/3/10 10:00:00", TEXT, GOOD, "2026-03-12 10:00:00"])
        w.writerow(["2", TITLE, "2026/3/10 10:00:00", TEXT, TEMPLATE, "2026/5/10"])
    out = json.loads(run_replies("--input", str(good), "--json"))
    assert [w["id"] for w in out["weakest"]] == ["2", "1"] and out["late"] == 1
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="id, title"):
        run_replies("--input", str(bad))
    assert parse_moment("2019/4/25 9:32:09") == datetime(2019, 4, 25, 9, 32, 9, tzinfo=TZ)
    assert parse_moment("not a date") is None


# ---- our own cases -------------------------------------------------------------------------------

PLATFORM = h.dispatcher_for(h.STREET)
RANGE = {"start": "2026-03-01", "end": "2026-05-31"}


def replied_case(reply: str, replied: datetime) -> str:
    number = h.report(at=ASKED, title=TITLE, description=TEXT).case.number
    platform = h.actor(PLATFORM)
    services.register_case(actor=platform, number=number, at=ASKED)
    services.dispatch_case(actor=platform, number=number, unit=h.UNIT, at=ASKED)
    services.reply_to_requester(actor=platform, number=number, reply=reply, at=replied)
    return number


@pytest.fixture
def two_replies(demo_city):
    return replied_case(GOOD, days_later(2)), replied_case(TEMPLATE, days_later(40))


@pytest.mark.django_db
def test_the_weakest_of_our_replies_first_in_scope(two_replies):
    good, poor = two_replies
    first, last = datetime(2026, 3, 1).date(), datetime(2026, 5, 31).date()
    out = weakest_replies(h.actor(PLATFORM), since=first, until=last, region=h.STREET)
    assert (out["replies"], out["late"]) == (2, 1)
    assert [w["number"] for w in out["weakest"]] == [poor, good]
    assert out["weakest"][0]["reasons"][0] == "无实质答复内容"
    # the dispatcher of another street: refused for this street, and nothing of it in their own
    other = h.actor(h.dispatcher_for(h.OTHER_STREET))
    with pytest.raises(Forbidden):
        weakest_replies(other, since=first, until=last, region=h.STREET)
    theirs = weakest_replies(other, since=first, until=last)
    assert theirs["region"] == h.OTHER_STREET and theirs["replies"] == 0 and theirs["weakest"] == []


@pytest.mark.django_db
def test_the_api(two_replies, api):
    _good, poor = two_replies
    every = api("leader").get("/stats/replies", {"region": h.STREET, **RANGE})
    assert every.status_code == 200, every.content
    totals = [w["total"] for w in every.json()["weakest"]]
    assert every.json()["distribution"]["total"]["mean"] == pytest.approx(sum(totals) / 2, abs=0.1)
    one = api("leader").get("/stats/replies", {"region": h.STREET, **RANGE, "limit": 1}).json()
    assert one["replies"] == 2 and [w["number"] for w in one["weakest"]] == [poor]
    assert api().get("/stats/replies", {"region": h.STREET}).status_code == 401
    assert api(h.dispatcher_for(h.OTHER_STREET)).get("/stats/replies", {"region": h.STREET}).status_code == 403
    assert api("leader").get("/stats/replies", {"region": "999999"}).status_code == 404
    backwards = {"region": h.STREET, "start": "2026-05-01", "end": "2026-03-01"}
    assert api("leader").get("/stats/replies", backwards).status_code == 400


@pytest.mark.django_db
def test_the_page(two_replies, client):
    good, poor = two_replies
    client.force_login(h.user("leader"))
    html = client.get("/dashboard/replies/", {"region": h.STREET, **RANGE}).content.decode()
    table = html[html.index('id="weakest"') :]
    assert table.index(f'data-case="{poor}"') < table.index(f'data-case="{good}"')
    assert f"/console/cases/{poor}/" in table and "无实质答复内容" in table
    assert "答复质量" in html
    dashboard = client.get("/dashboard/", {"region": h.STREET, **RANGE}).content.decode()
    assert f'id="replies-link" href="/dashboard/replies/?region={h.STREET}&amp;start=2026-03-01' in dashboard
    client.force_login(h.user(h.dispatcher_for(h.OTHER_STREET)))
    refused = client.get("/dashboard/replies/", {"region": h.STREET, **RANGE})
    assert refused.status_code == 403 and poor not in refused.content.decode()
