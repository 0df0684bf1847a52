"""Safety of the closed loop: idempotent intake, refused transitions change nothing, and two people
racing for the same step (in separate processes, on PostgreSQL) cannot both take it.

The module imports nothing from Django or gridgov at its top: the racing processes are started with
the 'spawn' method and import this module (for the function they run) *before* they configure Django.
"""

import multiprocessing
import os
import queue
import time
from urllib.parse import quote

import pytest

# ---- helpers -------------------------------------------------------------------------------------

STREET_DISPATCHER = "dispatcher-410102001"


def report_body(spot, title="小区门口垃圾堆积") -> dict:
    return {
        "title": title,
        "description": "三天没人清运",
        "lon": spot["lon"],
        "lat": spot["lat"],
        "reporter": {"name": "王五", "phone": "13700001234"},
    }


def snapshot(number: str) -> tuple:
    from gridgov.cases.models import Case, CaseEvent

    case = Case.objects.get(number=number)
    return (
        case.status,
        case.version,
        case.event_count,
        case.last_hash,
        case.lead_unit,
        case.platform,
        case.resolve_by,
        case.accepted_at,
        CaseEvent.objects.filter(case=case).count(),
    )


def dispatched_case(account, spot) -> str:
    """A resident's case, registered and dispatched by the street to its own grid (no category: the
    route is the grid); the grid's worker or leader may accept it."""
    from gridgov.cases import services
    from gridgov.people.actors import Actor

    number = services.report_case(
        actor=Actor.anonymous(), title="楼道堆放杂物", lon=spot["lon"], lat=spot["lat"]
    ).case.number
    dispatcher = Actor.of(account(STREET_DISPATCHER))
    services.register_case(actor=dispatcher, number=number)
    case = services.dispatch_case(actor=dispatcher, number=number)
    assert case.lead_unit == spot["grid"] and case.status == "dispatched"
    return number


# ---- idempotent intake ---------------------------------------------------------------------------


def test_same_key_same_body_gives_the_same_case(api, spot):
    from gridgov.cases.models import Case, CaseEvent, IdempotencyKey

    resident = api()
    body = report_body(spot)
    first = resident.post("/cases", body, HTTP_IDEMPOTENCY_KEY="k-7f3a9c")
    assert first.status_code == 201, first.content
    second = resident.post("/cases", body, HTTP_IDEMPOTENCY_KEY="k-7f3a9c")
    assert second.status_code == 201, second.content
    a, b = first.json(), second.json()
    assert a["replayed"] is False and b["replayed"] is True
    assert a["number"] == b["number"] and a["tracking_code"] == b["tracking_code"] and a["tracking_code"]
    assert Case.objects.filter(title=body["title"]).count() == 1
    assert CaseEvent.objects.filter(case__number=a["number"]).count() == 1
    assert IdempotencyKey.objects.filter(key="k-7f3a9c").count() == 1

    # without a key, or with another key, the same body is a new report
    third = resident.post("/cases", body, HTTP_IDEMPOTENCY_KEY="k-other")
    fourth = resident.post("/cases", body)
    assert third.status_code == fourth.status_code == 201
    assert len({a["number"], third.json()["number"], fourth.json()["number"]}) == 3


def test_same_key_another_body_is_409(api, spot):
    from gridgov.cases.models import Case

    resident = api()
    first = resident.post("/cases", report_body(spot), HTTP_IDEMPOTENCY_KEY="k-42")
    assert first.status_code == 201, first.content
    count = Case.objects.count()
    for changed in (
        report_body(spot, title="另一件事"),
        {**report_body(spot), "lon": spot["lon"] + 1e-5},
        {**report_body(spot), "reporter": {"name": "王五", "phone": "13700009999"}},
    ):
        r = resident.post("/cases", changed, HTTP_IDEMPOTENCY_KEY="k-42")
        assert r.status_code == 409, r.content
        assert set(r.json()) == {"detail"} and "Idempotency-Key" in r.json()["detail"]
    assert Case.objects.count() == count


def test_same_key_from_another_reporter_is_409(api, spot):
    """A key is not a way to read someone else's tracking code."""
    from gridgov.cases.models import Case

    assert api().post("/cases", report_body(spot), HTTP_IDEMPOTENCY_KEY="k-shared").status_code == 201
    count = Case.objects.count()
    r = api("worker-410102001002001").post("/cases", report_body(spot), HTTP_IDEMPOTENCY_KEY="k-shared")
    assert r.status_code == 409 and "tracking_code" not in r.json()
    assert Case.objects.count() == count


def test_empty_or_long_key_is_400(api, spot):
    from gridgov.cases.models import Case

    count = Case.objects.count()
    for key in ("   ", "k" * 129):
        r = api().post("/cases", report_body(spot), HTTP_IDEMPOTENCY_KEY=key)
        assert r.status_code == 400 and "Idempotency-Key" in r.json()["detail"], r.content
    assert Case.objects.count() == count


# ---- refused transitions change nothing ----------------------------------------------------------


@pytest.mark.parametrize(
    "who, action, body",
    [
        (STREET_DISPATCHER, "close", {}),
        (STREET_DISPATCHER, "register", {}),
        (STREET_DISPATCHER, "dispatch", {}),
        (STREET_DISPATCHER, "resume", {}),
        (STREET_DISPATCHER, "grant_extension", {}),
        ("worker-410102001002001", "resolve", {"result": "已清理"}),
        ("worker-410102001002001", "escalate", {"note": "处理不了"}),
        ("leader-410102001002", "verify", {"passed": True}),
    ],
)
def test_illegal_transition_is_409_and_changes_nothing(api, account, spot, who, action, body):
    number = dispatched_case(account, spot)
    before = snapshot(number)
    r = api(who, language="en").act(number, action, body)  # the English wording names the status code
    assert r.status_code == 409, r.content
    assert set(r.json()) == {"detail"} and "dispatched" in r.json()["detail"]
    assert snapshot(number) == before


# 404: the case is out of their sight (answered like an unknown number); 403: they see it, but the
# table does not give their role (or their post's relation to the case) this action.
@pytest.mark.parametrize(
    "who, action, body, status",
    [
        ("worker-410102001002002", "accept", {}, 404),  # a worker of the neighbouring grid
        ("leader-410102001003", "accept", {}, 404),  # the leader of another community
        ("handler-D410102001", "accept", {}, 404),  # a department that is not the lead unit
        ("dispatcher-410102002", "return", {"reason": "不归我们"}, 404),
        ("dispatcher-410102002", "supervise", {"note": "快办"}, 404),
        ("deputy-410102001", "supervise", {"note": "快办"}, 403),
        ("supervisor", "accept", {}, 403),  # a role the table does not give this action
        ("admin", "close", {}, 403),
    ],
)
def test_actor_outside_scope_is_refused_and_changes_nothing(api, account, spot, who, action, body, status):
    number = dispatched_case(account, spot)
    before = snapshot(number)
    r = api(who).act(number, action, body)
    assert r.status_code == status, r.content
    assert set(r.json()) == {"detail"} and r.json()["detail"]
    if status == 404:  # word for word what an unknown number gets
        unknown = api(who).act("29991231999999", action, body)
        assert unknown.status_code == 404
        assert r.json()["detail"].replace(number, "N") == unknown.json()["detail"].replace("29991231999999", "N")
    assert snapshot(number) == before


def test_scope_is_checked_before_state(api, account, spot):
    """An outsider learns nothing about the state of a case: 404 like an unknown number, not 409."""
    number = dispatched_case(account, spot)
    r = api("dispatcher-410102002").act(number, "close")
    assert r.status_code == 404, r.content
    r = api("supervisor").act(number, "close")  # sees it, may not close it: 403, still not 409
    assert r.status_code == 403, r.content


# ---- races between processes (PostgreSQL) --------------------------------------------------------


def _on_postgresql() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


needs_postgresql = pytest.mark.skipif(
    "not _on_postgresql()",
    reason="races need real concurrent connections and row locks: SQLite's test database lives in one "
    "process's memory and serialises writers; run with GRIDGOV_DATABASE_URL=postgresql://…",
)


def _test_database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    host = s.get("HOST") or "127.0.0.1"
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgresql://{auth}@{host}{port}/{quote(s['NAME'], safe='')}"


def _contender(env: dict, barrier, results, index: int, username: str | None, call: str, kwargs: dict) -> None:
    """One racing process: set Django up on the test database, wait for the others, act once."""
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from gridgov.cases import services
    from gridgov.core.errors import GridgovError
    from gridgov.people.actors import Actor

    outcome = None
    try:
        actor = Actor.of(get_user_model().objects.get(username=username)) if username else Actor.anonymous()
        if call == "post_case":
            from django.test import Client

            client = Client()
            client.get("/api/v1/openapi.json")  # warm up URL resolving and the schema before the start
            connection.ensure_connection()
            barrier.wait(timeout=60)
            r = client.post(
                "/api/v1/cases", kwargs["body"], content_type="application/json", HTTP_IDEMPOTENCY_KEY=kwargs["key"]
            )
            outcome = (r.status_code, r.json())
        else:
            connection.ensure_connection()
            barrier.wait(timeout=60)
            try:
                case = services.perform(call, actor=actor, number=kwargs["number"], **kwargs.get("body", {}))
                outcome = (200, case.status)
            except GridgovError as exc:
                outcome = (exc.status, exc.message)
    except Exception as exc:  # reported to the parent, which fails the test with it
        outcome = ("crash", repr(exc))
    finally:
        connection.close()
        results.put((index, outcome))


def race(contenders: list[tuple[str | None, str, dict]]) -> list[tuple]:
    """Run each (username, call, kwargs) in its own spawned process, all released at one moment."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(contenders))
    results = ctx.Queue()
    env = {
        "DJANGO_SETTINGS_MODULE": "gridgov.settings",
        "GRIDGOV_DATABASE_URL": _test_database_url(),
        "GRIDGOV_REDIS_URL": "",
    }
    processes = [
        ctx.Process(target=_contender, args=(env, barrier, results, i, username, call, kwargs), daemon=True)
        for i, (username, call, kwargs) in enumerate(contenders)
    ]
    for p in processes:
        p.start()
    outcomes: dict[int, tuple] = {}
    try:
        deadline = time.monotonic() + 180
        while len(outcomes) < len(processes):
            try:
                index, outcome = results.get(timeout=1)
                outcomes[index] = outcome
            except queue.Empty:
                # a process that died without reporting (it could not even import) fails the test at once
                dead = [
                    p.exitcode for i, p in enumerate(processes) if i not in outcomes and p.exitcode not in (None, 0)
                ]
                assert not dead, f"a racing process died with exit code {dead}"
                assert time.monotonic() < deadline, f"the race did not finish: {outcomes}"
    finally:
        for p in processes:
            p.join(timeout=30)
            if p.is_alive():
                p.terminate()
    crashed = [o for o in outcomes.values() if o[0] == "crash"]
    assert not crashed, crashed
    return [outcomes[i] for i in range(len(contenders))]


def one_winner(outcomes: list[tuple]) -> None:
    statuses = sorted(status for status, _ in outcomes)
    assert statuses == [200, 409], outcomes
    loser = next(message for status, message in outcomes if status == 409)
    assert loser  # the loser is told why


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_people_race_to_accept_resolve_and_close(account, spot):
    from gridgov.cases import services
    from gridgov.cases.chains import verify_chains
    from gridgov.cases.models import Case, CaseEvent
    from gridgov.people.actors import Actor

    number = dispatched_case(account, spot)
    worker, leader = f"worker-{spot['grid']}", f"leader-{spot['community']}"
    events = CaseEvent.objects.filter(case__number=number)

    one_winner(race([(worker, "accept", {"number": number}), (leader, "accept", {"number": number})]))
    assert events.filter(action="accept").count() == 1
    assert Case.objects.get(number=number).status == "in_progress"

    body = {"result": "已清理楼道"}
    outcomes = race(
        [(worker, "resolve", {"number": number, "body": body}), (leader, "resolve", {"number": number, "body": body})]
    )
    one_winner(outcomes)
    assert events.filter(action="resolve").count() == 1
    case = Case.objects.get(number=number)
    assert case.status == "resolved"

    checker = leader if case.resolved_by.username == worker else worker
    services.verify_case(actor=Actor.of(account(checker)), number=number, passed=True)

    closing = {"number": number, "body": {"reply": "已办结"}}
    one_winner(race([(STREET_DISPATCHER, "close", closing), ("dispatcher", "close", closing)]))
    assert events.filter(action="close").count() == 1
    case = Case.objects.get(number=number)
    assert case.status == "closed"
    assert list(events.order_by("seq").values_list("seq", flat=True)) == list(range(1, case.event_count + 1))
    assert list(events.order_by("seq").values_list("action", flat=True)) == [
        "report",
        "register",
        "dispatch",
        "accept",
        "resolve",
        "verify",
        "close",
    ]
    assert verify_chains([number]).ok


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_processes_posting_the_same_idempotency_key_make_one_case(spot):
    from gridgov.cases.models import Case, IdempotencyKey

    body = report_body(spot, title="并发重试的上报")
    outcomes = race(
        [(None, "post_case", {"body": body, "key": "k-race-1"}), (None, "post_case", {"body": body, "key": "k-race-1"})]
    )
    assert [status for status, _ in outcomes] == [201, 201], outcomes
    numbers = {made["number"] for _, made in outcomes}
    codes = {made["tracking_code"] for _, made in outcomes}
    assert len(numbers) == 1 and len(codes) == 1, outcomes
    assert sorted(made["replayed"] for _, made in outcomes) == [False, True]
    assert Case.objects.filter(title=body["title"]).count() == 1
    assert IdempotencyKey.objects.filter(key="k-race-1").count() == 1
