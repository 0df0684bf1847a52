"""The whole loop through the API, once for every intake channel."""

import pytest

from gridgov.cases.models import Case, CaseEvent

CHANNEL_REPORTER = {  # channel → who reports through it (None: a resident without an account)
    "resident": None,
    "wechat": None,
    "open311": None,
    "patrol": "worker-410102001002001",
    "hotline": "dispatcher",
    "deputy": "deputy-410102001",
    "supervisor": "supervisor",
    "sensor": "admin",
    "import": "admin",
}


def handler_for(unit: str) -> str:
    if unit.startswith("D"):
        return f"handler-{unit}"
    return f"worker-{unit}" if len(unit) == 15 else f"leader-{unit}"


@pytest.mark.parametrize("channel", sorted(CHANNEL_REPORTER))
def test_full_loop_for_each_channel(api, spot, channel):
    reporter = api(CHANNEL_REPORTER[channel])
    body = {
        "title": "路灯不亮",
        "description": "小区门口路灯连续三晚不亮",
        "lon": spot["lon"],
        "lat": spot["lat"],
        "channel": channel,
        "reporter": {"name": "张三", "phone": "13812345678"},
        "address": "建设路12号院门口",
    }
    r = reporter.post("/cases", body)
    assert r.status_code == 201, r.content
    made = r.json()
    number, code = made["number"], made["tracking_code"]
    assert made["status"] == "reported" and made["grid"]["code"] == spot["grid"] and made["deadlines"] is None
    assert made["address"] == "建设路12号院门口"
    assert len(number) == 14 and number[:8].isdigit() and code

    case = Case.objects.get(number=number)
    dispatcher = api(f"dispatcher-{case.platform}" if case.platform != "410102" else "dispatcher")
    r = dispatcher.act(number, "register", {"complexity": "general"})
    assert r.status_code == 200, r.content
    r = dispatcher.act(number, "dispatch", {})
    assert r.status_code == 200, r.content
    detail = r.json()
    assert detail["status"] == "dispatched" and detail["deadlines"]["light"] == "green"
    assert detail["deadlines"]["resolve_by"].endswith("+08:00")

    unit = api(handler_for(detail["lead_unit"]))
    assert unit.act(number, "accept").status_code == 200
    r = unit.act(number, "resolve", {"result": "已更换灯泡"})
    assert r.status_code == 200 and r.json()["status"] == "resolved"

    resolver = unit.user.username
    checker = api(f"leader-{spot['community']}" if resolver.startswith("worker-") else f"worker-{spot['grid']}")
    r = checker.act(number, "verify", {"passed": True})
    assert r.status_code == 200, r.content
    r = dispatcher.act(number, "close", {"reply": "已办结，感谢您的反映"})
    assert r.status_code == 200 and r.json()["status"] == "closed"

    resident = api()
    public = resident.get(f"/cases/{number}", {"tracking_code": code}).json()
    assert public["status"] == "closed" and public["can_evaluate"]
    assert "张三" not in str(public) and "13812345678" not in str(public) and "actor" not in str(public)
    r = resident.act(number, "evaluate", {"satisfaction": "satisfied", "solved": True, "tracking_code": code})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "evaluated"

    staff = dispatcher.get(f"/cases/{number}").json()
    assert [e["action"] for e in staff["events"]] == [
        "report",
        "register",
        "dispatch",
        "accept",
        "resolve",
        "verify",
        "close",
        "evaluate",
    ]
    assert staff["reporter"] == {"name": "张*", "phone": "138****5678", "masked": True}
    assert staff["channel"] == channel
    assert CaseEvent.objects.filter(case__number=number).count() == 8
