"""The 12345 exchange (exchange/hotline): a round trip against the simulated city platform — orders pulled into
cases once, steps pushed back in order, the city re-sending an order, refusing a reply, and being down."""

import json
from datetime import timedelta

import numpy as np
import pytest
import time_machine
from django.utils import timezone

from gridgov.cases import services
from gridgov.cases.models import Case
from gridgov.core.errors import BadInput
from gridgov.core.geo import wgs84_to_gcj02
from gridgov.core.outbox import drain_outbox
from gridgov.exchange.hotline.city import CityPlatform
from gridgov.exchange.hotline.config import DEFAULT_MAPPING, current
from gridgov.exchange.hotline.pull import pull_orders
from gridgov.exchange.models import MessageStatus, OutboundMessage, PullCursor, ReturnedOrder, WorkOrder
from gridgov.exchange.outbound import deliver_due, redeliver
from tests.cases import helpers as h

pytestmark = pytest.mark.django_db
LEAD = f"handler-{h.UNIT}"
PLATFORM = h.dispatcher_for(h.STREET)


@pytest.fixture
def city(settings):
    platform = CityPlatform(token="t-12345").start()
    settings.GRIDGOV_12345_URL = platform.url
    settings.GRIDGOV_12345_TOKEN = "t-12345"
    yield platform
    platform.stop()


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now(), tick=True) as traveller:
        yield traveller


def order(number: str, *, code: str = h.GRID, **fields) -> dict:
    """A city work order in the city's field names (hotline/mapping.json), placed in grid `code` (GCJ-02)."""
    lon, lat = wgs84_to_gcj02(np.array([h.point_in(code)]))[0]
    return {
        "gdbh": number,
        "slsj": "2026-03-10 09:30:00",
        "lyqd": "电话",
        "ldrxm": "王女士",
        "lxdh": "13800001234",
        "sfdz": "中原区某小区门口",
        "jd": f"{lon:.6f}",
        "wd": f"{lat:.6f}",
        "zbx": "GCJ02",
        "bt": "小区门口路灯不亮",
        "sqnr": "小区门口路灯连续三晚不亮，夜间出行不便，请尽快维修。",
        "blsx": "2026-03-17 18:00:00",
        **fields,
    }


def deliver():
    """What the worker does: the follow-up tasks (the case events' signal makes the messages), then one
    delivery round to the city."""
    drain_outbox()
    return deliver_due(destination="12345")


def handled_to_verified(number: str) -> None:
    platform = h.actor(PLATFORM)
    services.register_case(actor=platform, number=number, complexity="general")
    services.dispatch_case(actor=platform, number=number, unit=h.UNIT)
    services.accept_case(actor=h.actor(LEAD), number=number)
    services.resolve_case(actor=h.actor(LEAD), number=number, result="已更换路灯灯泡，恢复照明")
    worker, _leader = h.grid_staff(h.GRID)
    services.verify_case(actor=h.actor(worker), number=number, passed=True)


def test_an_order_becomes_one_case_and_its_steps_go_back_in_order(demo_city, city):
    city.add_order(order("GD2026031000001"))
    pulled = pull_orders()
    assert (pulled.fetched, pulled.created, pulled.duplicates, pulled.returned) == (1, 1, 0, 0)
    case = Case.objects.get(number=pulled.cases[0])
    assert case.channel == "hotline" and case.grid.code == h.GRID  # the GCJ-02 point placed in its grid
    assert case.reporter_phone == "13800001234"  # kept (encrypted) on the case for the call-back
    assert WorkOrder.objects.get(system="12345", number="GD2026031000001", source="pull").case == case
    assert PullCursor.objects.get(system="12345").cursor == "1"

    handled_to_verified(case.number)
    services.close_case(actor=h.actor(PLATFORM), number=case.number, reply="路灯已于今日修复，感谢您的反映。")
    result = deliver()
    assert result.delivered == len(city.messages["GD2026031000001"]) and result.retrying == 0
    assert city.kinds("GD2026031000001") == [
        "accept",
        "progress",  # 立案
        "progress",  # 派遣
        "progress",  # 签收
        "progress",  # 处置反馈
        "close",
    ]
    accept, *_, close = city.messages["GD2026031000001"]
    assert accept["case_number"] == case.number and accept["grid"]["code"] == h.GRID
    assert close["reply"] == "路灯已于今日修复，感谢您的反映。" and close["result"] == "已更换路灯灯泡，恢复照明"
    # never a person's name or phone in what goes out
    sent = json.dumps(city.messages, ensure_ascii=False)
    assert "13800001234" not in sent and "王女士" not in sent
    # nothing is sent twice: a second round finds nothing due
    assert deliver().delivered == 0 and city.duplicates == 0


def test_the_city_resending_an_order_writes_nothing_and_sends_nothing_again(demo_city, city):
    city.add_order(order("GD2026031000002"))
    first = pull_orders()
    deliver()
    city.resend("GD2026031000002")
    again = pull_orders()
    assert (again.fetched, again.created, again.duplicates) == (1, 0, 1)
    assert Case.objects.filter(work_orders__number="GD2026031000002").count() == 1
    deliver()
    assert city.kinds("GD2026031000002") == ["accept"]
    # a message delivered again (a lost answer) is answered by the city and not kept twice
    message = OutboundMessage.objects.get(stream="GD2026031000002", kind="accept")
    assert redeliver(ids=[message.pk]) == 1
    assert deliver().delivered == 1
    assert city.duplicates == 1 and city.kinds("GD2026031000002") == ["accept"]
    assert first.cases[0] == Case.objects.get(work_orders__number="GD2026031000002").number


def test_a_refused_reply_is_withdrawn_and_the_case_cannot_close_until_a_new_one(demo_city, city):
    city.add_order(order("GD2026031000003"))
    number = pull_orders().cases[0]
    handled_to_verified(number)
    services.reply_to_requester(actor=h.actor(PLATFORM), number=number, reply="已处理")  # too thin for the city
    deliver()
    refused = OutboundMessage.objects.get(stream="GD2026031000003", kind="reply")
    assert refused.status == MessageStatus.REFUSED
    assert refused.attempt_log.get().status_code == 422
    case = Case.objects.get(number=number)
    assert case.reply == "" and case.events.filter(action="reply_withdrawn").exists()
    assert "答复内容过于简单" in case.events.get(action="reply_withdrawn").note
    assert WorkOrder.objects.get(number="GD2026031000003").data["refusals"][0]["kind"] == "reply"
    with pytest.raises(BadInput, match="句号管理"):
        services.close_case(actor=h.actor(PLATFORM), number=number)
    services.close_case(actor=h.actor(PLATFORM), number=number, reply="经核实，路灯线路老化，已更换线路并恢复照明。")
    deliver()
    assert city.kinds("GD2026031000003")[-1] == "close"
    assert "reply" not in city.kinds("GD2026031000003")  # the refused one was never kept by the city


def test_an_order_outside_the_district_goes_back_once_with_the_reason(demo_city, city):
    city.add_order(order("GD2026031000004", jd="119.296", wd="26.074"))  # 福州 鼓楼区
    city.add_order(order("GD2026031000005", bt="", sqnr=""))  # nothing to act on
    pulled = pull_orders()
    assert (pulled.created, pulled.returned) == (0, 2)
    assert set(ReturnedOrder.objects.values_list("number", flat=True)) == {"GD2026031000004", "GD2026031000005"}
    city.resend("GD2026031000004")
    assert pull_orders().duplicates == 1
    deliver()
    assert city.kinds("GD2026031000004") == ["return"] and city.kinds("GD2026031000005") == ["return"]
    # the reasons are the city's to read: in Chinese, whatever the adapter's own language
    assert "既无标题也无内容" in city.messages["GD2026031000005"][0]["reason"]
    assert "本区无法受理" in city.messages["GD2026031000004"][0]["reason"]
    assert Case.objects.filter(channel="hotline").count() == 0


def test_the_platform_down_for_a_while_loses_nothing_and_repeats_nothing(demo_city, city, clock):
    city.add_order(order("GD2026031000006"))
    city.down()
    pulled = pull_orders()
    assert pulled.down and pulled.created == 0 and PullCursor.objects.get(system="12345").cursor == ""
    city.up()
    number = pull_orders().cases[0]
    city.down()
    platform = h.actor(PLATFORM)
    services.register_case(actor=platform, number=number, complexity="general")
    result = deliver()  # accept fails (503): the register message waits behind it
    assert (result.delivered, result.retrying) == (0, 1)
    waiting = OutboundMessage.objects.filter(stream="GD2026031000006").order_by("seq")
    assert [m.attempts for m in waiting] == [1, 0]
    assert waiting[0].attempt_log.get().status_code == 503
    assert deliver().delivered == 0  # backing off: nothing is due yet
    city.up()
    clock.shift(timedelta(seconds=11))
    assert deliver().delivered == 2
    assert city.kinds("GD2026031000006") == ["accept", "progress"]
    assert city.messages["GD2026031000006"][1]["step"] == "register"


def test_the_field_mapping_is_configuration(demo_city, city, settings, tmp_path):
    mapping = json.loads(DEFAULT_MAPPING.read_text(encoding="utf-8"))
    mapping["fields"] = {**mapping["fields"], "number": "orderNo", "title": "subject", "text": "content"}
    path = tmp_path / "mapping.json"
    path.write_text(json.dumps(mapping, ensure_ascii=False), encoding="utf-8")
    settings.GRIDGOV_12345_MAPPING = str(path)
    raw = order("X")
    for theirs, ours in (("gdbh", "orderNo"), ("bt", "subject"), ("sqnr", "content")):
        raw[ours] = raw.pop(theirs)
    raw["orderNo"] = "GD2026031000007"
    city.add_order(raw, number_field="orderNo")
    assert pull_orders().created == 1
    assert WorkOrder.objects.get(number="GD2026031000007").case.title == "小区门口路灯不亮"


def test_a_wrong_token_is_the_platform_refusing_us(demo_city, city, settings):
    settings.GRIDGOV_12345_TOKEN = "wrong"
    city.add_order(order("GD2026031000008"))
    pulled = pull_orders()
    assert "403" in pulled.down and pulled.created == 0


def test_without_a_url_the_adapter_is_off(demo_city, settings):
    settings.GRIDGOV_12345_URL = ""
    assert not current().enabled
    with pytest.raises(BadInput, match="GRIDGOV_12345_URL"):
        pull_orders()


def test_the_demo_round_trip_takes_the_district_s_orders_and_returns_the_others(demo_city):
    from gridgov.sim.hotline import round_trip

    figures = round_trip(orders=20)
    # one in ten of the simulated orders lies outside the district; the first is sent twice
    assert figures["orders_at_city"] == 21
    assert (figures["created"], figures["returned"], figures["duplicates"]) == (18, 2, 1)
    assert figures["city_received"] == {"accept": 18, "return": 2}
    assert figures["delivered"] == 20
    assert Case.objects.filter(channel="hotline", work_orders__source="pull").count() == 18
