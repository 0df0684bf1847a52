"""The admin's list of everyone's API tokens (issue 10, finding 9): view-only, never a key, and a
"revoke" action that goes through people.services (audited)."""

import pytest
from django.test import Client

from gridgov.core.models import AuditEvent
from gridgov.people.models import ApiToken
from gridgov.people.services import token_hash

PASSWORD = "Admin-list-horse-9"


@pytest.fixture
def keys(django_user_model, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    found = []
    for name in ("tokadm-a", "tokadm-b"):
        django_user_model.objects.create_user(name, password=PASSWORD)
        r = Client().post(
            "/api/v1/auth/token",
            {"username": name, "password": PASSWORD, "label": f"{name}的手机"},
            content_type="application/json",
        )
        found.append(r.json()["token"])
    return found


@pytest.fixture
def root(django_user_model):
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("tokadm-root", "r@example.org", "Root-horse-91"))
    return client


def works(key) -> bool:
    return Client().get("/api/v1/auth/tokens", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200


@pytest.mark.django_db
def test_the_admin_lists_tokens_without_keys_and_cannot_edit_them(root, keys):
    page = root.get("/admin/people/apitoken/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "tokadm-a的手机" in text and "tokadm-b的手机" in text
    assert not any(k in text or token_hash(k) in text for k in keys)
    assert root.get("/admin/people/apitoken/add/").status_code == 403
    pk = ApiToken.objects.get(key_hash=token_hash(keys[0])).pk
    detail = root.get(f"/admin/people/apitoken/{pk}/change/")
    assert detail.status_code == 200 and token_hash(keys[0]) not in detail.content.decode()
    assert root.post(f"/admin/people/apitoken/{pk}/change/", {"label": "改了"}).status_code == 403
    assert root.post(f"/admin/people/apitoken/{pk}/delete/", {"post": "yes"}).status_code == 403
    assert ApiToken.objects.get(pk=pk).label == "tokadm-a的手机"


@pytest.mark.django_db
def test_the_revoke_action_goes_through_the_service(root, keys):
    first = ApiToken.objects.get(key_hash=token_hash(keys[0]))
    r = root.post("/admin/people/apitoken/", {"action": "revoke", "_selected_action": [first.pk]}, follow=True)
    assert r.status_code == 200
    assert "已吊销" in r.content.decode()
    assert not works(keys[0]) and works(keys[1])
    event = AuditEvent.objects.get(action="auth.token_revoked", object_id=str(first.pk))
    assert event.actor.username == "tokadm-root" and event.data["user"] == "tokadm-a"
