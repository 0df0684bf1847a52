"""Guessing a reporter's proof is bounded (cases.proof): after 5 failures on a case, or 20 from one
address, within an hour, every proof is refused with 429 and a wait in words — the right one too —
counted in the database, so every client and web process shares the count."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from gridgov.cases import proof, services
from gridgov.cases.models import Case
from gridgov.core.errors import Forbidden, TooMany
from gridgov.core.models import Attempt, AuditEvent
from gridgov.people.actors import Actor
from tests.cases import helpers as h


def _detail(client: Client, number: str, code: str, addr: str = "192.0.2.1"):
    return client.get(f"/api/v1/cases/{number}", {"tracking_code": code}, REMOTE_ADDR=addr)


def _guesses(n: int) -> list[str]:
    return [f"WRONG{i:05d}" for i in range(n)]


def test_a_hundred_guesses_do_not_get_through_and_then_neither_does_the_code(demo_city):
    made = h.bring("reported")
    client = Client()
    answers = [_detail(client, made.number, guess).status_code for guess in _guesses(100)]
    assert answers[:5] == [403] * 5 and set(answers[5:]) == {429}, "5 failures, then refused outright"
    right = _detail(client, made.number, made.tracking_code)
    assert right.status_code == 429, "while throttled the right code is refused too: guessing cannot go on"
    assert "分钟后再试" in right.json()["detail"] and int(right["Retry-After"]) > 0
    # only real failures are counted (and audited): refused tries while throttled are not
    assert Attempt.objects.filter(scope=proof.SCOPE, key=f"case:{made.number}").count() == 5
    assert AuditEvent.objects.filter(action="cases.proof_failed", object_id=made.number).count() == 5


def test_the_count_is_shared_by_every_client_of_a_case(demo_city):
    """Two clients (two addresses, as two web processes would see them) share the case's count: it is
    in the database, not in a process."""
    made = h.bring("reported")
    first, second = Client(), Client()
    for i, guess in enumerate(_guesses(5)):
        client, addr = (first, "192.0.2.1") if i % 2 else (second, "198.51.100.2")
        assert _detail(client, made.number, guess, addr).status_code == 403
    third = _detail(Client(), made.number, made.tracking_code, "203.0.113.3")
    assert third.status_code == 429


def test_one_address_guessing_across_cases_is_held_too(demo_city):
    cases = [h.bring("reported") for _ in range(5)]
    client = Client()
    statuses = []
    for made in cases:  # 4 failures per case, under the per-case limit: 20 from one address in all
        statuses += [_detail(client, made.number, g).status_code for g in _guesses(4)]
    assert set(statuses) == {403}
    held = _detail(client, cases[0].number, cases[0].tracking_code)
    assert held.status_code == 429, "20 failures from one address: that address waits"
    elsewhere = _detail(Client(), cases[0].number, cases[0].tracking_code, addr="203.0.113.50")
    assert elsewhere.status_code == 200, "the reporter from another address still gets in"


def test_failures_older_than_the_window_stop_counting(demo_city):
    made = h.bring("reported")
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for guess in _guesses(5):
            assert _detail(Client(), made.number, guess).status_code == 403
        assert _detail(Client(), made.number, made.tracking_code).status_code == 429
        clock.shift(proof.PER_CASE.window - timedelta(minutes=1))
        assert _detail(Client(), made.number, made.tracking_code).status_code == 429, "a minute short"
        clock.shift(timedelta(minutes=1, seconds=1))
        assert _detail(Client(), made.number, made.tracking_code).status_code == 200


def test_evaluate_with_guessed_codes_is_bounded(demo_city):
    """100 guessed tracking codes, then the right one rates nothing. (This test guessed the last 4
    phone digits before issue 10; a rating takes the tracking code only now.)"""
    made = h.bring("closed")
    refused = {"403": 0, "429": 0}
    for guess in _guesses(100):
        try:
            services.evaluate_case(
                actor=Actor.anonymous("reporter"),
                number=made.number,
                satisfaction="satisfied",
                solved=True,
                tracking_code=guess,
                client="192.0.2.9",
            )
        except TooMany:
            refused["429"] += 1
        except Forbidden:
            refused["403"] += 1
    assert refused == {"403": 5, "429": 95}
    with pytest.raises(TooMany) as info:
        services.evaluate_case(
            actor=Actor.anonymous("reporter"),
            number=made.number,
            satisfaction="satisfied",
            solved=True,
            tracking_code=made.tracking_code,
            client="192.0.2.10",
        )
    assert info.value.status == 429 and info.value.retry_after > 0
    assert Case.objects.get(number=made.number).status == "closed", "nothing was rated"


def test_evaluate_over_the_api_answers_429_with_the_wait(demo_city):
    made = h.bring("closed")
    api = Client()
    body = {"satisfaction": "satisfied", "solved": True}
    for guess in _guesses(5):  # guessed tracking codes (the phone digits rate nothing since issue 10)
        r = api.post(
            f"/api/v1/cases/{made.number}/actions/evaluate",
            {**body, "tracking_code": guess},
            content_type="application/json",
            REMOTE_ADDR="192.0.2.20",
        )
        assert r.status_code == 403
    r = api.post(
        f"/api/v1/cases/{made.number}/actions/evaluate",
        {**body, "tracking_code": made.tracking_code},
        content_type="application/json",
        REMOTE_ADDR="192.0.2.20",
    )
    assert r.status_code == 429 and "分钟后再试" in r.json()["detail"]
    assert Case.objects.get(number=made.number).status == "closed"


def test_track_page_says_how_long_to_wait(demo_city):
    made = h.bring("reported")
    page = Client()
    for guess in _guesses(5):
        r = page.post("/track/", {"number": made.number, "code": guess}, REMOTE_ADDR="192.0.2.30")
        assert r.status_code == 200 and "案件编号与查询码不匹配" in r.content.decode()
    r = page.post("/track/", {"number": made.number, "code": made.tracking_code}, REMOTE_ADDR="192.0.2.30")
    html = r.content.decode()
    assert r.status_code == 429 and "请在 60 分钟后再试" in html and 'id="case"' not in html
    r = page.get("/track/", {"number": made.number, "code": made.tracking_code}, REMOTE_ADDR="192.0.2.31")
    assert r.status_code == 429, "the receipt's link is throttled the same way"


def test_a_right_proof_is_not_counted(demo_city):
    made = h.bring("reported")
    for _ in range(10):
        assert _detail(Client(), made.number, made.tracking_code).status_code == 200
    assert not Attempt.objects.filter(scope=proof.SCOPE).exists()
