"""The lean intake path (issue 11, item 8): a report costs a handful of SQL statements, counted here.

What a report must write: the case, its first event, the day's counter, the outbox rows of its
follow-up work (and the idempotency key when one is given). What it may read: the grid tree's
version (the locator's staleness check) and the platform's dispatchers (which platform gets the
case). Nothing else: no second write of the case, no SELECT of the counter after its UPDATE, no
look-up of the key before the insert, no SELECT of the grid once it is known. A count of statements,
not a time: the same on every machine.
"""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from gridgov.cases import services
from gridgov.cases.models import Case, CaseEvent, IdempotencyKey
from gridgov.core.models import OutboxItem
from gridgov.people.actors import Actor

REPORT_STATEMENTS = 6  # tree version, counter, dispatchers; case, event, the outbox rows (one INSERT)
REPORT_WITH_KEY_STATEMENTS = REPORT_STATEMENTS + 1  # … and the idempotency key


def _statements(run) -> list[str]:
    connection.queries_log.clear()  # the log is a bounded deque: indexes into a full one shift
    with CaptureQueriesContext(connection) as ctx:
        run()
    return [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


def _report(spot, **kw):
    return services.report_case(
        actor=Actor.anonymous(),
        title="路灯不亮",
        lon=spot["lon"],
        lat=spot["lat"],
        reporter_name="李四",
        reporter_phone="13900001111",
        **kw,
    )


def test_a_report_costs_a_handful_of_statements(spot):
    _report(spot)  # the process's first report of this grid reads the grid row once
    found = {}
    sql = _statements(lambda: found.setdefault("intake", _report(spot)))
    assert len(sql) <= REPORT_STATEMENTS, "\n".join(sql)
    case = found["intake"].case
    # … and it wrote what a report must: the case, once, with its first event and the follow-up work
    assert sum(s.startswith('INSERT INTO "cases_case"') for s in sql) == 1
    assert not any(s.startswith('UPDATE "cases_case"') for s in sql)
    stored = Case.objects.get(pk=case.pk)
    assert (stored.event_count, stored.version, stored.last_hash) == (1, case.version, case.last_hash)
    assert CaseEvent.objects.get(case=stored).hash == stored.last_hash
    refreshes = OutboxItem.objects.filter(task="gridgov.assessment.refresh_cases")
    assert [o.payload["numbers"] for o in refreshes if case.number in o.payload.get("numbers", [])] == [[case.number]]


def test_a_report_through_the_api_with_a_key(api, spot):
    _report(spot)
    client = api()
    body = {"title": "井盖缺失", "lon": spot["lon"], "lat": spot["lat"]}
    answers = []
    sql = _statements(lambda: answers.append(client.post("/cases", body, HTTP_IDEMPOTENCY_KEY="lean-1")))
    assert answers[0].status_code == 201, answers[0].content
    assert len(sql) <= REPORT_WITH_KEY_STATEMENTS, "\n".join(sql)
    assert IdempotencyKey.objects.get(key="lean-1").case.number == answers[0].json()["number"]

    again = client.post("/cases", body, HTTP_IDEMPOTENCY_KEY="lean-1")  # a retry: the same case, no new one
    assert again.status_code == 201 and again.json()["replayed"] is True
    assert again.json()["number"] == answers[0].json()["number"]
    assert again.json()["tracking_code"] == answers[0].json()["tracking_code"]
    assert Case.objects.filter(title="井盖缺失").count() == 1
