"""Sign-in by phone and one-time code (短信验证码): a code signs in once, within 5 minutes and 5 wrong tries;
sending is throttled per phone and per client address (429 with Retry-After and when to retry); the
resident's session is no staff login and ends at sign-out or after two hours."""

from datetime import timedelta

import pytest

from gridgov.core.errors import BadInput
from gridgov.portal import services
from gridgov.portal.models import SignInCode
from tests.portal.conftest import REPORTER_PHONE, SIGN_IN, last_code, sign_in

pytestmark = pytest.mark.django_db


def test_a_code_signs_a_resident_in_and_out(people, sms, client):
    response = client.post(SIGN_IN, {"action": "send", "phone": "+86 137-0000-1234"})
    assert response.status_code == 200 and 'id="code-form"' in response.content.decode()
    assert [to for to, _ in sms] == [REPORTER_PHONE]
    response = client.post(SIGN_IN, {"action": "verify", "phone": REPORTER_PHONE, "code": last_code(REPORTER_PHONE)})
    assert response.status_code == 302 and response["Location"] == "/my/"
    page = client.get("/my/").content.decode()
    assert "137****1234" in page and REPORTER_PHONE not in page
    assert "_auth_user_id" not in client.session  # a resident, not a staff login
    assert client.get("/console/points/counter/").status_code in (302, 403)
    client.post("/my/signout/")
    assert client.get("/my/")["Location"] == SIGN_IN


def test_only_digests_of_the_phone_and_code_are_stored(people, sms):
    row = services.request_code(phone=REPORTER_PHONE)
    code = last_code(REPORTER_PHONE)
    assert REPORTER_PHONE not in row.phone_key and code not in row.code_hash
    assert row.expires_at - row.sent_at == timedelta(minutes=5)


def test_a_code_signs_in_once(people, sms):
    services.request_code(phone=REPORTER_PHONE)
    code = last_code(REPORTER_PHONE)
    assert services.verify_code(phone=REPORTER_PHONE, code=code).masked == "137****1234"
    with pytest.raises(BadInput, match="重新获取"):
        services.verify_code(phone=REPORTER_PHONE, code=code)


def test_five_wrong_tries_spend_the_code(people, sms):
    services.request_code(phone=REPORTER_PHONE)
    code = last_code(REPORTER_PHONE)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(services.CODE_TRIES):
        with pytest.raises(BadInput, match="不正确"):
            services.verify_code(phone=REPORTER_PHONE, code=wrong)
    with pytest.raises(BadInput, match="重新获取"):
        services.verify_code(phone=REPORTER_PHONE, code=code)
    assert SignInCode.objects.get().tries == services.CODE_TRIES


def test_a_code_expires_after_five_minutes(people, sms, clock):
    services.request_code(phone=REPORTER_PHONE)
    code = last_code(REPORTER_PHONE)
    clock.shift(timedelta(minutes=5))
    with pytest.raises(BadInput, match="已失效"):
        services.verify_code(phone=REPORTER_PHONE, code=code)


def test_a_newer_code_replaces_the_older(people, sms, clock):
    services.request_code(phone=REPORTER_PHONE)
    old = last_code(REPORTER_PHONE)
    clock.shift(timedelta(minutes=1))
    services.request_code(phone=REPORTER_PHONE)
    with pytest.raises(BadInput):
        services.verify_code(phone=REPORTER_PHONE, code=old)
    services.verify_code(phone=REPORTER_PHONE, code=last_code(REPORTER_PHONE))


def test_a_phones_old_codes_are_deleted(people, sms, clock):
    services.request_code(phone=REPORTER_PHONE)
    clock.shift(services.KEEP_CODES + timedelta(minutes=1))
    newer = services.request_code(phone=REPORTER_PHONE)
    assert list(SignInCode.objects.values_list("pk", flat=True)) == [newer.pk]


def test_only_mainland_mobiles_get_codes(people, sms, client):
    response = client.post(SIGN_IN, {"action": "send", "phone": "0371-66881234"})
    assert response.status_code == 400 and "11" in response.content.decode() and not sms


def test_codes_per_phone_are_throttled(people, sms, client, clock):
    sign_in(client)
    response = client.post(SIGN_IN, {"action": "send", "phone": REPORTER_PHONE})
    assert response.status_code == 429 and 0 < int(response["Retry-After"]) <= 60
    assert "1 分钟后再试" in response.content.decode()
    assert len(sms) == 1
    for _ in range(4):  # one a minute: five within the hour
        clock.shift(timedelta(minutes=1))
        assert client.post(SIGN_IN, {"action": "send", "phone": REPORTER_PHONE}).status_code == 200
    clock.shift(timedelta(minutes=1))
    response = client.post(SIGN_IN, {"action": "send", "phone": REPORTER_PHONE})
    assert response.status_code == 429 and int(response["Retry-After"]) > 50 * 60
    assert len(sms) == 5
    clock.shift(timedelta(hours=1))
    assert client.post(SIGN_IN, {"action": "send", "phone": REPORTER_PHONE}).status_code == 200


def test_codes_per_client_address_are_throttled(people, sms, client):
    phones = [f"1390000{n:04d}" for n in range(services.PER_CLIENT_HOUR.failures + 1)]
    for phone in phones[:-1]:
        assert client.post(SIGN_IN, {"action": "send", "phone": phone}).status_code == 200
    response = client.post(SIGN_IN, {"action": "send", "phone": phones[-1]})
    assert response.status_code == 429 and "Retry-After" in response
    other = client.post(SIGN_IN, {"action": "send", "phone": phones[-1]}, REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 200  # another address is not held back


def test_guessing_is_throttled_per_phone(people, sms, client):
    for n in range(services.VERIFY_GUARD.per_subject.failures):
        client.post(SIGN_IN, {"action": "verify", "phone": REPORTER_PHONE, "code": f"{n:06d}"})
    response = client.post(SIGN_IN, {"action": "verify", "phone": REPORTER_PHONE, "code": "123456"})
    assert response.status_code == 429 and "Retry-After" in response


def test_the_session_ends_after_two_hours(people, sms, client, clock):
    assert sign_in(client).status_code == 302
    clock.shift(timedelta(hours=1, minutes=59))
    assert client.get("/my/").status_code == 200
    clock.shift(timedelta(minutes=1))
    assert client.get("/my/")["Location"] == SIGN_IN
