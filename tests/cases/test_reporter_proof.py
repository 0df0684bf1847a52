"""The reporter rates a closed case (回访评价) proving who they are with the tracking code; nothing else
will do, and a refusal writes nothing. The last 4 digits of the phone are refused for a rating (issue 10,
finding 1): staff in scope see them in the masked phone, and a handler rated his own case with them."""

import pytest
from django.utils import translation

from gridgov.cases import services
from gridgov.cases.models import Case, CaseEvent
from gridgov.core.errors import Conflict, Forbidden
from gridgov.people.actors import Actor
from tests.cases import helpers as h

# helpers.report() files cases with the phone 13700001234


def _evaluate(number, **proof):
    return services.evaluate_case(
        actor=Actor.anonymous("reporter"), number=number, satisfaction="satisfied", solved=True, **proof
    )


def _refused(number, match, **proof):
    before = h.row(number), h.event_total()
    with translation.override("en"), pytest.raises(Forbidden, match=match) as info:  # the English wording
        _evaluate(number, **proof)
    assert info.value.status == 403
    assert (h.row(number), h.event_total()) == before, "a refusal changes nothing"


NOT_BY_DIGITS = "rates a case with the tracking code on the receipt"


def test_last_four_phone_digits_never_rate(demo_city):
    """The right digits too: a proof staff could know gives no rating (it used to, before issue 10)."""
    from gridgov.core.models import Attempt

    made = h.bring("closed")
    attempts = Attempt.objects.count()
    _refused(made.number, NOT_BY_DIGITS, phone_last4="1234")
    assert Attempt.objects.count() == attempts, "not a guess: the refusal locks no one out"
    case = _evaluate(made.number, tracking_code=made.tracking_code)
    assert case.status == "evaluated" and case.satisfaction == "satisfied"
    event = h.events_of(made.number)[-1]
    assert (event.action, event.actor_id, event.actor_role) == ("evaluate", None, "reporter")
    assert event.data == {"satisfaction": "satisfied", "solved": True, "by": "reporter", "proof": "tracking_code"}


def test_a_handler_cannot_rate_with_the_digits_he_sees(api, demo_city):
    """The attack of issue 10: staff in scope read the masked phone, take its last 4 digits and rate as
    the reporter, without a token. Refused, and the case stays closed."""
    made = h.bring("closed")
    case = made.case()
    masked = api(h.dispatcher_for(case.platform)).get(f"/cases/{made.number}").json()["reporter"]["phone"]
    r = api(language="en").act(
        made.number, "evaluate", {"satisfaction": "satisfied", "solved": True, "phone_last4": masked[-4:]}
    )
    assert r.status_code == 403 and NOT_BY_DIGITS in r.json()["detail"]
    assert Case.objects.get(number=made.number).status == "closed"


def test_tracking_code_is_recorded_as_the_proof(demo_city):
    made = h.bring("closed")
    _evaluate(made.number, tracking_code=made.tracking_code)
    assert h.events_of(made.number)[-1].data["proof"] == "tracking_code"


@pytest.mark.parametrize("digits", ["1234", "4321", "234", "01234", "12345", "", " ", "abcd", "１２３４"])
def test_digits_are_forbidden(demo_city, digits):
    made = h.bring("closed")
    _refused(made.number, NOT_BY_DIGITS, phone_last4=digits)


def test_no_phone_given_means_no_proof_by_digits(demo_city):
    made = h.bring("closed")
    Case.objects.filter(number=made.number).update(reporter_phone="")  # as if reported without a phone
    assert not services.phone_last4_matches(made.case(), "0000")
    _refused(made.number, NOT_BY_DIGITS, phone_last4="0000")
    _evaluate(made.number, tracking_code=made.tracking_code)  # the tracking code still works
    assert made.case().status == "evaluated"


def test_phone_with_separators(demo_city):
    intake = h.report(reporter_phone="+86-137-0000-5678")
    case = Case.objects.get(number=intake.case.number)
    assert services.phone_last4_matches(case, "5678")
    assert not services.phone_last4_matches(case, "0000") and not services.phone_last4_matches(case, None)


def test_a_tracking_code_given_wins_over_digits(demo_city):
    """A wrong tracking code is refused even with the right digits beside it: no mixing of proofs."""
    made = h.bring("closed")
    _refused(made.number, "tracking code", tracking_code="WRONGCODE1", phone_last4="1234")


def test_the_state_still_rules(demo_city):
    made = h.bring("verified")
    with pytest.raises(Conflict):
        _evaluate(made.number, tracking_code=made.tracking_code)
    assert made.case().status == "verified"


# ---- over the API ----------------------------------------------------------------------------------


def test_api_evaluate_with_phone_last4(api, demo_city):
    """Wrong digits and right digits alike: 403 saying to use the tracking code; then the code rates."""
    made = h.bring("closed")
    resident = api(language="en")
    for digits in ("9999", "1234"):
        r = resident.act(
            made.number, "evaluate", {"satisfaction": "basically_satisfied", "solved": True, "phone_last4": digits}
        )
        assert r.status_code == 403 and NOT_BY_DIGITS in r.json()["detail"]
        assert Case.objects.get(number=made.number).status == "closed"
    r = resident.act(
        made.number,
        "evaluate",
        {"satisfaction": "basically_satisfied", "solved": True, "tracking_code": made.tracking_code},
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "evaluated" and "events" not in body and "13700001234" not in str(body)


def test_api_evaluate_without_any_proof_needs_a_token(api, demo_city):
    made = h.bring("closed")
    r = api().act(made.number, "evaluate", {"satisfaction": "satisfied", "solved": True, "phone_last4": ""})
    assert r.status_code == 401
    assert Case.objects.get(number=made.number).status == "closed"


def test_staff_evaluate_as_staff_even_with_digits(api, demo_city):
    """A dispatcher with a token records a call-back; the digits in the body are not theirs to use."""
    made = h.bring("closed")
    case = made.case()
    r = api(h.dispatcher_for(case.platform)).act(
        made.number, "evaluate", {"satisfaction": "satisfied", "solved": True, "phone_last4": "0000"}
    )
    assert r.status_code == 200, r.content
    event = CaseEvent.objects.filter(case__number=made.number).order_by("-seq").first()
    assert event.actor_role == "dispatcher" and event.data["by"] == "dispatcher" and "proof" not in event.data


def test_public_view_speaks_the_readers_language(demo_city):
    """The public status words and timeline labels are translated when read; Chinese by default."""
    from gridgov.cases.selectors import public_view

    made = h.bring("closed")
    case = made.case()
    chinese = public_view(case)
    assert chinese["status_text"] == "已办结，请您评价"
    assert [e["label"] for e in chinese["timeline"]] == ["上报", "立案", "派遣", "签收", "处置反馈", "核查", "结案"]
    with translation.override("en"):
        english = public_view(case)
    assert english["status_text"] == "Finished: please rate the result"
    assert [e["label"] for e in english["timeline"]] == [
        "Reported",
        "Registered",
        "Dispatched",
        "Signed for",
        "Result reported",
        "Checked",
        "Closed",
    ]
