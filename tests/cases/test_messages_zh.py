"""Words people understand (issue 9): with Chinese as the default, every refusal the API or a page
gives reads Chinese — 400, 401, 403, 404, 409 and 422 alike — and English only when asked (?lang=en)."""

import re

import pytest
from django.test import Client
from django.utils import translation

from gridgov.cases import services
from gridgov.cases.models import Case
from gridgov.cases.phones import normalise_phone
from gridgov.cases.transitions import TABLE
from gridgov.cases.wording import action_name
from gridgov.core.errors import BadInput
from tests.cases import helpers as h

CJK = re.compile(r"[\u4e00-\u9fff]")
# An English sentence: three or more ASCII words in a row, space-separated (codes such as
# POST /api/v1/uploads, crs=wgs84 or a list of channel codes are not sentences and pass).
ENGLISH = re.compile(r"\b[A-Za-z]{2,}(?: +[A-Za-z]{2,}){2,}\b")
STREET_DISPATCHER = "dispatcher-410102001"
OTHER_STREET_DISPATCHER = "dispatcher-410102002"


def chinese(detail) -> str:
    assert isinstance(detail, str) and CJK.search(detail), detail
    assert not ENGLISH.search(detail), f"an English sentence in {detail!r}"
    return detail


def detail(response, status: int) -> str:
    assert response.status_code == status, (response.status_code, response.content)
    return chinese(response.json()["detail"])


def body(spot, **extra) -> dict:
    return {"title": "井盖缺失", "lon": spot["lon"], "lat": spot["lat"], **extra}


@pytest.fixture
def reported(api, spot):
    r = api().post("/cases", body(spot, reporter={"name": "李四", "phone": "13900001111"}))
    assert r.status_code == 201, r.content
    return r.json()["number"]


# ---- one of each kind through the API, in the default language ----------------------------------


def test_400_is_chinese(api, spot):
    assert "问题类别" in detail(api().post("/cases", body(spot, category="Z9999")), 400)
    assert "不在本平台任何网格内" in detail(
        api().post("/cases", {"title": "路灯不亮", "lon": 116.397, "lat": 39.909}), 400
    )


def test_401_is_chinese(reported):
    assert "令牌" in detail(Client(HTTP_AUTHORIZATION="Bearer not-a-token").get(f"/api/v1/cases/{reported}"), 401)
    assert "用户名或密码错误" in detail(
        Client().post("/api/v1/auth/token", {"username": "nobody", "password": "x"}, content_type="application/json"),
        401,
    )


def test_403_is_chinese(api, reported):
    assert "只能由" in detail(api("worker-410102001002001").act(reported, "register"), 403)
    # out of sight: the words of an unknown number (finding 11), in Chinese too
    assert f"没有编号为 {reported} 的案件" in detail(api(OTHER_STREET_DISPATCHER).get(f"/cases/{reported}"), 404)
    assert "查询码" in detail(api().get(f"/cases/{reported}", {"tracking_code": "ABCDEFGHJK"}), 403)


def test_404_is_chinese(api):
    assert "没有编号为 19990101000001 的案件" in detail(api("dispatcher").get("/cases/19990101000001"), 404)
    assert "没有编码为 410102999 的网格" in detail(Client().get("/api/v1/grids/410102999"), 404)


def test_409_names_status_and_action_in_chinese(api, reported):
    message = detail(api(STREET_DISPATCHER).act(reported, "close"), 409)
    assert message == f"案件 {reported} 当前为“已上报”；“结案”要求案件处于“已核查”"


def test_422_is_chinese(api, spot):
    r = api().post("/cases", {"lon": spot["lon"], "lat": spot["lat"]})  # no title: the schema refuses it
    assert detail(r, 422) == "title：必填"
    assert r.json()["errors"][0]["type"] == "missing"  # pydantic's own list stays for programs
    r = api().post("/cases", {"title": "路灯不亮", "lon": "east", "lat": 34.7})
    assert "lon：必须是数字" in detail(r, 422)


def test_english_when_asked(api, reported):
    r = api(STREET_DISPATCHER, language="en").act(reported, "close")
    assert r.json()["detail"] == f"case {reported} is reported; close needs it to be verified"
    r = Client().get("/api/v1/cases/19990101000001", {"tracking_code": "ABCDEFGHJK", "lang": "en"})
    assert r.json()["detail"] == "no case numbered 19990101000001"


# ---- a sweep of bad requests: no English sentence in any default answer --------------------------


def test_no_english_sentence_in_any_default_refusal(api, spot, reported):
    worker = api("worker-410102001002001")
    requests = [
        (api().post("/cases", body(spot, title="   ")), 400),
        (api().post("/cases", body(spot, channel="carrier-pigeon")), 400),
        (api().post("/cases", body(spot, channel="hotline")), 403),
        (api().post("/cases", body(spot, photos=["0" * 32])), 400),
        (api().post("/cases", body(spot, lon=200.0)), 400),
        (api().post("/cases", body(spot, crs="bd09")), 422),
        (api().post("/cases", body(spot, reporter={"phone": "138abc5678"})), 400),
        (api("dispatcher").post("/cases", body(spot, channel="hotline")), 400),
        (api().get("/cases"), 401),
        (api().act(reported, "register"), 401),
        (api(STREET_DISPATCHER).act(reported, "teleport"), 404),
        (api(STREET_DISPATCHER).act(reported, "register", {"complexity": "weird"}), 400),
        (api(STREET_DISPATCHER).act(reported, "register", {"note": "x", "priority": "high"}), 400),
        (api(STREET_DISPATCHER).act(reported, "reject", {}), 400),
        (api(STREET_DISPATCHER).act(reported, "merge", {"into": reported}), 400),
        (api(STREET_DISPATCHER).act(reported, "dispatch", {"unit": "410102001002001"}), 409),
        (api(OTHER_STREET_DISPATCHER).act(reported, "register"), 404),
        (worker.act(reported, "accept"), 403),
        (worker.get(f"/cases/{reported}", {"reveal": "reporter"}), 403),
        (api("leader").get("/stats/indicators", {"region": "410102", "start": "2026-13-01"}), 400),
        (api("leader").get("/stats/indicators", {"region": "410102", "department": "D410102001"}), 400),
        (api("leader").get("/stats/indicators", {"region": "999999"}), 404),
        (api(OTHER_STREET_DISPATCHER).get("/stats/indicators", {"region": "410102001"}), 403),
        (Client().get("/api/v1/grids/locate", {"lon": 116.39, "lat": 39.91}), 404),
        (Client().get("/api/v1/grids/locate", {"lon": 200, "lat": 34.7}), 400),
        (Client().get("/api/v1/grids", {"limit": 0}), 422),  # outside the declared range: a schema error
        (Client().post("/api/v1/cases", "{not json", content_type="application/json"), 400),
    ]
    for response, status in requests:
        detail(response, status)


# ---- pages -----------------------------------------------------------------------------------------


def test_a_refusal_on_the_workers_page_is_chinese(client, demo_city):
    made = h.bring("in_progress_grid")
    client.force_login(h.user(f"worker-{h.GRID}"))
    r = client.post(f"/m/cases/{made.number}/", {"action": "accept"})  # signed for already: 409
    assert r.status_code == 409
    html = r.content.decode()
    refusal = re.search(r'<p class="error card" role="alert" id="action-error">(.*?)</p>', html, re.S).group(1)
    text = re.sub(r"<[^>]+>", " ", refusal)
    assert "“签收”要求案件处于“已派遣”" in text
    chinese(text)


# ---- the words inside the messages ------------------------------------------------------------------


def test_action_names_in_chinese_are_the_terms_of_the_table():
    with translation.override("zh-hans"):
        assert {a: action_name(a) for a in TABLE} == {a: t.label for a, t in TABLE.items()}
    with translation.override("en"):
        assert {a: action_name(a) for a in TABLE} == {a: a for a in TABLE}


# ---- phone numbers as people type them -------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        (" 138 - 1234 - 5678 ", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("+86-138-1234-5678", "13812345678"),
        ("0086 13812345678", "13812345678"),
        ("１３８ １２３４ ５６７８", "13812345678"),  # full-width digits and space from a Chinese keyboard
        ("＋８６－１３８１２３４５６７８", "13812345678"),
        ("(0371) 6688-1234", "037166881234"),
        ("+86 371 6688 1234", "037166881234"),  # a landline from abroad: the trunk 0 comes back
        ("+44 20 7946 0958", "+442079460958"),  # another country keeps its code
        ("12345", "12345"),
        ("", ""),
    ],
)
def test_phone_numbers_are_normalised(typed, stored):
    assert normalise_phone(typed) == stored


@pytest.mark.parametrize(
    "typed", ["138abc45678", "电话13812345678", "138+1234", "++8613812345678", "12", "1234567890123456"]
)
def test_phone_numbers_that_are_not_refused_in_chinese(typed):
    with pytest.raises(BadInput) as info:
        normalise_phone(typed)
    chinese(info.value.message)


def test_intake_stores_the_normalised_phone(api, spot):
    r = api().post("/cases", body(spot, reporter={"name": "王五", "phone": "+86 138-1234-5678"}))
    assert r.status_code == 201, r.content
    case = Case.objects.get(number=r.json()["number"])
    assert case.reporter_phone == "13812345678"
    assert services.phone_last4_matches(case, "5678")
    before = Case.objects.count()
    message = detail(api().post("/cases", body(spot, reporter={"phone": "138 1234 abcd"})), 400)
    assert "138 1234 abcd" in message and "只能包含数字" in message
    assert Case.objects.count() == before
