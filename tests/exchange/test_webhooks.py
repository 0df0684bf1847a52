"""Webhooks (exchange.webhooks): signed, retried with backoff, in order per case, logged, redelivered from the
admin — against a live HTTP receiver, with the cases moved along through the real API."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.cases.models import Case, CaseEvent
from gridgov.core.errors import BadInput, Conflict
from gridgov.core.models import AuditEvent
from gridgov.core.outbox import drain_outbox
from gridgov.exchange import webhooks
from gridgov.exchange.models import DeliveryAttempt, MessageStatus, OutboundMessage, Subscription
from gridgov.exchange.outbound import MAX_ATTEMPTS, deliver_due
from tests.cases.helpers import dispatcher_for, unit_actor
from tests.exchange import webhook_receiver

NAME, PHONE = "张三", "13812345678"
DESCRIPTION = "小区门口路灯连续三晚不亮，王五家门口最黑"


@pytest.fixture
def receiver():
    receiver, server = webhook_receiver.start()
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def clock():
    """The clock held where it is (ticking): tests shift it past the backoff."""
    with time_machine.travel(timezone.now(), tick=True) as traveller:
        yield traveller


@pytest.fixture
def flow(api, spot):
    """Report cases and move them along through the API; `flush()` runs the follow-up tasks (the case
    events' signal), as the drainer does after a commit."""

    class Flow:
        def report(self, title: str = "路灯不亮") -> str:
            body = {
                "title": title,
                "description": DESCRIPTION,
                "lon": spot["lon"],
                "lat": spot["lat"],
                "channel": "resident",
                "reporter": {"name": NAME, "phone": PHONE},
                "address": "建设路12号院门口",
            }
            r = api().post("/cases", body)
            assert r.status_code == 201, r.content
            return r.json()["number"]

        def dispatch(self, number: str, note: str = "") -> None:
            dispatcher = api(dispatcher_for(Case.objects.get(number=number).platform))
            assert dispatcher.act(number, "register", {"complexity": "general"}).status_code == 200
            assert dispatcher.act(number, "dispatch", {"note": note}).status_code == 200

        def resolve(self, number: str, result: str) -> None:
            unit = api(unit_actor(Case.objects.get(number=number).lead_unit))
            assert unit.act(number, "accept").status_code == 200
            assert unit.act(number, "resolve", {"result": result}).status_code == 200

        def flush(self) -> None:
            drain_outbox()

    return Flow()


def _subscribe(receiver, **kwargs) -> tuple[Subscription, str]:
    return webhooks.create_subscription(name=kwargs.pop("name", "城市运行中心"), url=receiver.url, **kwargs)


def _deliver():
    return deliver_due(destination=webhooks.KIND)


def _messages(sub: Subscription, number: str) -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(destination=sub.destination, stream=number).order_by("seq"))


# ---- signature and payload --------------------------------------------------------------------------------


def test_a_delivery_is_signed_with_the_secret_and_carries_no_personal_data(flow, receiver):
    sub, secret = _subscribe(receiver)
    number = flow.report(title=f"路灯不亮 请回电{PHONE}")
    flow.flush()
    assert _deliver().delivered == 1
    [got] = receiver.requests
    message = OutboundMessage.objects.get(destination=sub.destination, stream=number)
    assert got.headers["X-Gridgov-Event"] == "case.report"
    assert got.headers["X-Gridgov-Delivery"] == str(message.pk)

    # the recipe of docs/exchange.md, written out here rather than through webhooks.sign
    header = got.headers["X-Gridgov-Signature"]
    parts = dict(p.split("=", 1) for p in header.split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + got.raw, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(parts["v1"], expected)
    assert webhooks.verify(secret, got.raw, header)
    assert not webhooks.verify("another-secret", got.raw, header)
    assert not webhooks.verify(secret, got.raw.replace(b"report", b"close"), header)  # a changed body
    assert not webhooks.verify(secret, got.raw, header, now=int(parts["t"]) + 3600)  # a replay an hour later

    body = got.body
    event = CaseEvent.objects.get(case__number=number, seq=1)
    assert body["id"] == f"{number}-1" and body["type"] == "case.report"
    assert body["occurred_at"].endswith("+08:00")
    assert body["case"]["number"] == number and body["case"]["grid"]["code"] == "410102001002001"
    assert body["case"]["title"] == "路灯不亮 请回电138****5678"
    assert body["event"] == {
        "seq": 1,
        "action": "report",
        "from_status": None,
        "to_status": event.to_status,
        "unit": None,
        "note": "",
    }
    text = got.raw.decode()
    for private in (NAME, PHONE, DESCRIPTION, "建设路12号院", "reporter", "actor"):
        assert private not in text


def test_steps_carry_units_and_deadlines_but_no_staff_names_nor_internal_notes(flow, receiver, account):
    _, secret = _subscribe(receiver)
    number = flow.report()
    flow.dispatch(number, note="内部：王五家，电话13912345678")
    flow.resolve(number, result="已更换灯泡，如有问题请拨13700001111")
    flow.flush()
    assert _deliver().delivered == 5
    by_type = {r.body["type"]: r.body for r in receiver.requests}
    dispatched, resolved = by_type["case.dispatch"], by_type["case.resolve"]
    case = Case.objects.get(number=number)
    assert dispatched["event"]["to_status"] == "dispatched" and dispatched["event"]["note"] == ""  # internal
    assert resolved["event"]["note"] == "已更换灯泡，如有问题请拨137****1111"  # public, phone masked
    assert resolved["case"]["lead_unit"] == case.lead_unit and resolved["case"]["deadlines"]["resolve_by"]
    everything = "".join(r.raw.decode() for r in receiver.requests)
    assert "王五" not in everything and "13912345678" not in everything and "13700001111" not in everything
    names = set()
    for username in (dispatcher_for(case.platform), unit_actor(case.lead_unit)):
        user = account(username)
        names |= {user.username, user.get_full_name(), user.first_name, user.last_name} - {""}
    assert names and not any(name in everything for name in names)
    assert all(webhooks.verify(secret, r.raw, r.headers["X-Gridgov-Signature"]) for r in receiver.requests)


def test_a_rotated_secret_signs_the_next_try_and_is_stored_encrypted(flow, receiver):
    sub, old = _subscribe(receiver)
    _, new = webhooks.rotate_secret(subscription_id=sub.pk)
    assert new != old and Subscription.objects.get(pk=sub.pk).secret == new
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM exchange_subscription WHERE id = %s", [sub.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("v1:") and new not in stored
    flow.report()
    flow.flush()
    _deliver()
    [got] = receiver.requests
    assert webhooks.verify(new, got.raw, got.headers["X-Gridgov-Signature"])
    assert not webhooks.verify(old, got.raw, got.headers["X-Gridgov-Signature"])
    logged = AuditEvent.objects.filter(object_type="exchange.subscription", object_id=str(sub.pk))
    actions = set(logged.values_list("action", flat=True))
    assert {"exchange.webhook_created", "exchange.webhook_secret_rotated"} <= actions
    assert not any(s in json.dumps(list(logged.values_list("data", flat=True))) for s in (old, new))


# ---- retries, ordering, dead messages ---------------------------------------------------------------------------


def test_a_failing_receiver_is_retried_with_backoff_and_every_try_is_logged(flow, receiver, clock):
    sub, _ = _subscribe(receiver)
    number = flow.report()
    flow.flush()
    receiver.script = [500, 500]
    assert _deliver().retrying == 1
    [message] = _messages(sub, number)
    first = DeliveryAttempt.objects.get(message=message)
    assert message.status == MessageStatus.PENDING and message.next_at - first.at == timedelta(seconds=10)

    assert _deliver().delivered == 0 and len(receiver.requests) == 1  # not before its backoff
    clock.shift(timedelta(seconds=11))
    assert _deliver().retrying == 1
    message.refresh_from_db()
    second = DeliveryAttempt.objects.filter(message=message).last()
    assert message.next_at - second.at == timedelta(seconds=20)  # doubled
    clock.shift(timedelta(seconds=11))
    assert _deliver().delivered == 0  # still waiting
    clock.shift(timedelta(seconds=10))
    assert _deliver().delivered == 1

    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED and message.attempts == 3 and message.delivered_at
    log = list(DeliveryAttempt.objects.filter(message=message).values_list("status_code", "outcome"))
    assert log == [(500, "pending"), (500, "pending"), (200, "delivered")]
    assert receiver.ids() == [f"{number}-1"] and len(receiver.requests) == 3


def test_a_4xx_is_retried_for_webhooks(flow, receiver, clock):
    sub, _ = _subscribe(receiver)
    number = flow.report()
    flow.flush()
    receiver.script = [404]
    assert _deliver().retrying == 1
    clock.shift(timedelta(seconds=11))
    assert _deliver().delivered == 1
    assert [m.status for m in _messages(sub, number)] == [MessageStatus.DELIVERED]
    assert Subscription.objects.get(pk=sub.pk).active


def test_a_case_waits_behind_its_failed_message_and_other_cases_do_not(flow, receiver, clock):
    sub, _ = _subscribe(receiver)
    held, other = flow.report(), flow.report(title="井盖缺失")
    flow.flush()
    receiver.per_case[held] = 503
    result = _deliver()
    assert (result.delivered, result.retrying) == (1, 1)

    flow.dispatch(held)
    flow.dispatch(other)
    flow.flush()
    assert len(_messages(sub, held)) == 3
    assert _deliver().delivered == 2  # the other case's register and dispatch
    assert receiver.ids(held) == []  # nothing of the held case overtook its first message
    assert receiver.ids(other) == [f"{other}-1", f"{other}-2", f"{other}-3"]
    clock.shift(timedelta(seconds=11))
    assert _deliver().retrying == 1  # still failing: the later ones still wait
    assert [r.id for r in receiver.requests if r.body["case"]["number"] == held] == [f"{held}-1"] * 2

    del receiver.per_case[held]
    clock.shift(timedelta(seconds=21))
    assert _deliver().delivered == 3
    assert receiver.ids(held) == [f"{held}-1", f"{held}-2", f"{held}-3"]
    assert [m.body["event"]["seq"] for m in _messages(sub, held)] == [1, 2, 3]


def test_dead_after_max_attempts_then_redelivered_from_the_admin(flow, receiver, clock, root):
    sub, _ = _subscribe(receiver)
    number = flow.report()
    flow.flush()
    receiver.per_case[number] = 500
    for _ in range(MAX_ATTEMPTS):
        _deliver()
        clock.shift(timedelta(hours=1, seconds=1))
    [message] = _messages(sub, number)
    assert message.status == MessageStatus.DEAD and message.attempts == MAX_ATTEMPTS
    assert DeliveryAttempt.objects.filter(message=message).count() == MAX_ATTEMPTS
    flow.dispatch(number)  # later events wait behind the dead one
    flow.flush()
    assert _deliver().delivered == 0 and len(receiver.requests) == MAX_ATTEMPTS

    root.force_login(root.user)  # half a day passed: the session from before has expired
    page = root.get(f"/admin/exchange/outboundmessage/{message.pk}/change/")
    assert page.status_code == 200
    assert f"/admin/exchange/outboundmessage/{message.pk}/redeliver/" in page.content.decode()
    assert page.content.decode().count("HTTP 500") >= MAX_ATTEMPTS  # the delivery log, inline
    assert "重新投递" in page.content.decode() and "投递记录" in page.content.decode()  # in Chinese
    listing = root.get("/admin/exchange/outboundmessage/", {"status__exact": "dead"})
    assert listing.status_code == 200 and number in listing.content.decode()
    assert "重新投递所选消息" in listing.content.decode()

    del receiver.per_case[number]
    r = root.post("/admin/exchange/outboundmessage/", {"action": "redeliver", "_selected_action": [message.pk]})
    assert r.status_code == 302
    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING and message.attempts == 0
    assert _deliver().delivered == 3
    assert receiver.ids(number) == [f"{number}-1", f"{number}-2", f"{number}-3"]
    assert AuditEvent.objects.filter(action="exchange.redelivered", actor=root.user).exists()

    # the button on a message's page sends it again (at least once: the same id twice)
    r = root.post(f"/admin/exchange/outboundmessage/{message.pk}/redeliver/")
    assert r.status_code == 302 and r["Location"].endswith(f"/admin/exchange/outboundmessage/{message.pk}/change/")
    assert _deliver().delivered == 1
    assert receiver.ids(number)[-1] == f"{number}-1"
    assert root.get(f"/admin/exchange/outboundmessage/{message.pk}/redeliver/").status_code == 405


def test_staff_without_the_change_permission_cannot_redeliver(flow, receiver, client, django_user_model):
    from django.contrib.auth.models import Permission

    sub, _ = _subscribe(receiver)
    flow.report()
    flow.flush()
    message = OutboundMessage.objects.get(destination=sub.destination)
    viewer = django_user_model.objects.create_user("hook-viewer", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_outboundmessage"))
    client.force_login(viewer)
    assert client.get(f"/admin/exchange/outboundmessage/{message.pk}/change/").status_code == 200
    assert client.post(f"/admin/exchange/outboundmessage/{message.pk}/redeliver/").status_code == 403
    assert not AuditEvent.objects.filter(action="exchange.redelivered").exists()


def test_410_gone_switches_the_subscription_off(flow, receiver):
    sub, _ = _subscribe(receiver)
    number = flow.report()
    flow.dispatch(number)
    flow.flush()
    receiver.script = [410]
    result = _deliver()
    assert result.refused == 3 and len(receiver.requests) == 1  # the rest are not sent to a gone receiver
    sub.refresh_from_db()
    assert not sub.active and "410" in sub.inactive_reason
    statuses = [(m.status, m.last_error) for m in _messages(sub, number)]
    assert statuses[0] == (MessageStatus.REFUSED, "HTTP 410")
    unsent = gettext("the subscription is switched off: not sent")
    assert statuses[1:] == [(MessageStatus.REFUSED, unsent)] * 2
    flow.report()
    flow.flush()
    assert OutboundMessage.objects.filter(destination=sub.destination).count() == 3  # none for the new case
    assert AuditEvent.objects.filter(action="exchange.webhook_deactivated", object_id=str(sub.pk)).exists()


# ---- which events reach which subscription ---------------------------------------------------------------------


def test_events_and_region_filters(flow, receiver):
    only_dispatch, _ = _subscribe(receiver, name="派单订阅", events=["dispatch"])
    here, _ = _subscribe(receiver, name="林山寨街道", region="410102001")
    elsewhere, _ = _subscribe(receiver, name="另一个街道", region="410102002")
    number = flow.report()
    flow.dispatch(number)
    flow.flush()
    assert [m.kind for m in _messages(only_dispatch, number)] == ["case.dispatch"]
    assert [m.kind for m in _messages(here, number)] == ["case.report", "case.register", "case.dispatch"]
    assert _messages(elsewhere, number) == []
    assert [m.seq for m in _messages(here, number)] == [1, 2, 3]


def test_no_subscription_costs_one_query(flow, django_assert_num_queries):
    flow.report()
    ids = list(CaseEvent.objects.values_list("pk", flat=True)[:5])
    with django_assert_num_queries(1):
        assert webhooks.on_case_events(event_ids=ids) == 0


def test_subscriptions_are_checked(demo_city, receiver):
    with pytest.raises(BadInput):
        webhooks.create_subscription(name="x", url="ftp://127.0.0.1/hooks")
    with pytest.raises(BadInput):
        webhooks.create_subscription(name="x", url=receiver.url, events=["dispatch", "teleport"])
    with pytest.raises(BadInput):
        webhooks.create_subscription(name="x", url=receiver.url, region="999999")
    with pytest.raises(BadInput):
        webhooks.create_subscription(name="x", url=receiver.url, secret="short")
    sub, plain = webhooks.create_subscription(name="x", url=receiver.url, secret="a-given-secret-of-24-chars")
    assert sub.secret == plain == "a-given-secret-of-24-chars"
    with pytest.raises(Conflict):
        webhooks.create_subscription(name="x", url=receiver.url)
    changed = webhooks.update_subscription(subscription_id=sub.pk, events=["close", "dispatch"], active=False)
    assert changed.events == ["close", "dispatch"] and not changed.active


# ---- the admin and the CLI -----------------------------------------------------------------------------------


def test_the_admin_creates_through_the_service_and_shows_the_secret_once(demo_city, receiver, root):
    form = root.get("/admin/exchange/subscription/add/")
    assert form.status_code == 200 and "推送地址" in form.content.decode() and "签名密钥" not in form.content.decode()
    r = root.post(
        "/admin/exchange/subscription/add/",
        {"name": "区指挥中心", "url": receiver.url, "events": "dispatch,close", "region": "410102"},
        follow=True,
    )
    assert r.status_code == 200
    sub = Subscription.objects.get(name="区指挥中心")
    assert sub.events == ["close", "dispatch"] and sub.region == "410102"
    assert sub.secret in r.content.decode()  # shown once, on the page after saving
    assert sub.secret not in root.get(f"/admin/exchange/subscription/{sub.pk}/change/").content.decode()
    bad = root.post("/admin/exchange/subscription/add/", {"name": "坏地址", "url": "ftp://x/y", "events": ""})
    assert bad.status_code == 200 and not Subscription.objects.filter(name="坏地址").exists()
    assert AuditEvent.objects.filter(action="exchange.webhook_created", actor=root.user).count() == 1

    listing = root.get("/admin/exchange/subscription/")
    assert listing.status_code == 200 and "区指挥中心" in listing.content.decode()
    r = root.post(
        f"/admin/exchange/subscription/{sub.pk}/change/",
        {"name": "区指挥中心", "url": receiver.url, "events": "close", "region": "", "active": "on"},
    )
    assert r.status_code == 302, r.content.decode()[-2000:]
    sub.refresh_from_db()
    assert sub.events == ["close"] and sub.region == "" and sub.active
    assert AuditEvent.objects.filter(action="exchange.webhook_updated", actor=root.user).exists()

    old = sub.secret
    r = root.post("/admin/exchange/subscription/", {"action": "rotate", "_selected_action": [sub.pk]}, follow=True)
    sub.refresh_from_db()
    assert sub.secret != old and sub.secret in r.content.decode()
    root.post("/admin/exchange/subscription/", {"action": "switch_off", "_selected_action": [sub.pk]})
    sub.refresh_from_db()
    assert not sub.active and sub.inactive_reason
    assert root.post(f"/admin/exchange/subscription/{sub.pk}/delete/").status_code == 403  # switched off, kept


def test_the_cli_adds_lists_and_delivers(flow, receiver):
    out = StringIO()
    call_command("webhooks", "add", "--name", "CLI", "--url", receiver.url, "--events", "report", "--json", stdout=out)
    made = json.loads(out.getvalue())
    assert made["name"] == "CLI" and made["url"] == receiver.url and len(made["secret"]) >= 32
    number = flow.report()
    flow.flush()
    out = StringIO()
    call_command("webhooks", "deliver", "--json", stdout=out)
    assert json.loads(out.getvalue())["delivered"] == 1
    assert receiver.ids() == [f"{number}-1"]
    [got] = receiver.requests
    assert webhooks.verify(made["secret"], got.raw, got.headers["X-Gridgov-Signature"])
    out = StringIO()
    call_command("webhooks", "list", "--json", stdout=out)
    [listed] = json.loads(out.getvalue())
    assert listed["events"] == ["report"] and listed["messages"] == {"delivered": 1} and "secret" not in listed
    with pytest.raises(CommandError):
        call_command("webhooks", "add", "--name", "bad", "--url", "mailto:x@example.org", stdout=StringIO())


def test_redelivering_an_old_message_lets_nothing_overtake_a_dead_one(flow, receiver):
    """Messages 1 delivered, 2 dead, 3 waiting: sending 1 again must not carry 3 past 2."""
    from gridgov.exchange.outbound import redeliver

    sub, _ = _subscribe(receiver)
    number = flow.report()
    flow.flush()
    assert _deliver().delivered == 1
    flow.dispatch(number)
    flow.flush()
    first, second, third = _messages(sub, number)
    OutboundMessage.objects.filter(pk=second.pk).update(status=MessageStatus.DEAD, attempts=MAX_ATTEMPTS)
    redeliver(ids=[first.pk])
    assert _deliver().delivered == 1
    assert receiver.ids(number) == [f"{number}-1", f"{number}-1"]
    third.refresh_from_db()
    assert third.status == MessageStatus.PENDING and third.attempts == 0
