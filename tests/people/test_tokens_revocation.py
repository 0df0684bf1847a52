"""Tokens end with the password and with the account (issue 10, finding 9), whichever way either is
changed — the services, the admin's password form, plain set_password + save — and sessions end too
(Django's session auth hash; inactive users are refused). Django's re-hash at sign-in keeps them."""

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.test import Client

from gridgov.core.models import AuditEvent
from gridgov.people import services
from gridgov.people.models import ApiToken
from gridgov.people.services import token_hash

PASSWORD = "Revoke-horse-9"
NEW_PASSWORD = "Another-zebra-47"


@pytest.fixture
def staff(django_user_model, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    return django_user_model.objects.create_user("revoke-staff", password=PASSWORD)


def sign_in(username="revoke-staff", password=PASSWORD):
    r = Client().post(
        "/api/v1/auth/token", {"username": username, "password": password}, content_type="application/json"
    )
    assert r.status_code == 200, r.content
    return r.json()["token"]


def works(key) -> bool:
    status = Client().get("/api/v1/auth/tokens", HTTP_AUTHORIZATION=f"Bearer {key}").status_code
    assert status in (200, 401)
    return status == 200


def session_of(user) -> Client:
    client = Client()
    client.force_login(user)
    assert client.get("/api/v1/auth/tokens").status_code == 200
    return client


@pytest.mark.django_db
def test_the_password_service_ends_tokens_and_sessions(staff):
    key, browser = sign_in(), session_of(staff)
    services.set_password(user=staff, password=NEW_PASSWORD)
    assert not works(key)
    r = Client().get("/api/v1/auth/tokens", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert "吊销" in r.json()["detail"] and "重新登录" in r.json()["detail"]
    assert browser.get("/api/v1/auth/tokens").status_code == 401, "the session ended with the password"
    assert works(sign_in(password=NEW_PASSWORD))
    event = AuditEvent.objects.get(action="auth.tokens_revoked", object_id=str(staff.pk))
    assert event.data["reason"] == "password_changed" and event.data["count"] == 1


@pytest.mark.django_db
def test_set_password_and_save_ends_tokens(staff):
    keys = [sign_in(), sign_in()]
    staff.set_password(NEW_PASSWORD)
    staff.save()
    assert not any(works(k) for k in keys)
    assert ApiToken.objects.filter(user=staff, revoked_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_the_admin_password_form_ends_tokens(staff, django_user_model):
    key = sign_in()
    root = django_user_model.objects.create_superuser("revoke-root", "root@example.org", "Root-horse-91")
    admin = Client()
    admin.force_login(root)
    r = admin.post(
        f"/admin/auth/user/{staff.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    assert not works(key)


@pytest.mark.django_db
def test_switching_off_the_password_in_the_admin_ends_tokens(staff, django_user_model):
    key = sign_in()
    root = django_user_model.objects.create_superuser("revoke-root", "root@example.org", "Root-horse-91")
    admin = Client()
    admin.force_login(root)
    r = admin.post(f"/admin/auth/user/{staff.pk}/password/", {"usable_password": "false", "unset-password": "1"})
    assert r.status_code == 302, r.content.decode()[:3000]
    staff.refresh_from_db()
    assert not staff.has_usable_password()
    assert not works(key)


@pytest.mark.django_db
def test_deactivation_ends_tokens_and_sessions(staff):
    key, browser = sign_in(), session_of(staff)
    staff.is_active = False
    staff.save(update_fields=["is_active"])
    assert ApiToken.objects.get(key_hash=token_hash(key)).revoked_at is not None
    assert not works(key)
    assert browser.get("/api/v1/auth/tokens").status_code == 401
    staff.is_active = True
    staff.save()
    assert not works(key), "switching the account back on does not bring its old tokens back"


@pytest.mark.django_db
def test_a_bulk_deactivation_still_refuses_the_tokens(staff, django_user_model):
    """queryset.update() sends no signal: the token check looks at is_active itself."""
    key = sign_in()
    django_user_model.objects.filter(pk=staff.pk).update(is_active=False)
    assert not works(key)


@pytest.mark.django_db
def test_other_saves_and_the_rehash_at_sign_in_keep_the_tokens(staff):
    key = sign_in()
    staff.first_name = "张三"
    staff.save()
    staff.last_login = None
    staff.save(update_fields=["last_login"])
    # a cheap hash (as the demo stores) is upgraded by Django at the next sign-in: same password
    staff.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt(), iterations=1000)
    staff.save(update_fields=["password"])
    assert works(key)
    before = staff.password
    second = sign_in()
    staff.refresh_from_db()
    assert staff.password != before, "the sign-in re-hashed the password"
    assert works(key) and works(second)
    assert not AuditEvent.objects.filter(action="auth.tokens_revoked").exists()


@pytest.mark.django_db
def test_the_changepassword_command_ends_tokens(staff, monkeypatch):
    import io

    from django.contrib.auth.management.commands import changepassword
    from django.core.management import call_command

    key = sign_in()
    monkeypatch.setattr(changepassword.Command, "_get_pass", lambda self, prompt="": NEW_PASSWORD)
    call_command("changepassword", "revoke-staff", stdout=io.StringIO())
    staff.refresh_from_db()
    assert staff.check_password(NEW_PASSWORD)
    assert not works(key)
