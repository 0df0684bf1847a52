"""我的API令牌 (/account/tokens/): a staff member sees and revokes their own tokens, nobody else's."""

import re

import pytest
from django.test import Client

from gridgov.people.models import ApiToken
from gridgov.people.services import token_hash

PASSWORD = "Page-tokens-horse-9"


@pytest.fixture
def people(django_user_model, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    me = django_user_model.objects.create_user("page-me", password=PASSWORD)
    django_user_model.objects.create_user("page-them", password=PASSWORD)
    return me


def sign_in(username, label):
    r = Client().post(
        "/api/v1/auth/token",
        {"username": username, "password": PASSWORD, "label": label},
        content_type="application/json",
    )
    return r.json()["token"]


def works(key) -> bool:
    return Client().get("/api/v1/auth/tokens", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200


@pytest.mark.django_db
def test_the_page_lists_my_tokens_and_revokes_one(people):
    mine, theirs = sign_in("page-me", "我的采集程序"), sign_in("page-them", "别人的程序")
    browser = Client()
    assert browser.get("/account/tokens/").status_code == 302, "signed-out visitors go to the sign-in page"
    browser.force_login(people)
    page = browser.get("/account/tokens/").content.decode()
    assert "我的API令牌" in page and "我的采集程序" in page and "有效" in page
    assert "别人的程序" not in page and mine not in page and token_hash(mine) not in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>|\sstyle=", page), "no inline script or style (CSP)"
    own = ApiToken.objects.get(key_hash=token_hash(mine))
    other = ApiToken.objects.get(key_hash=token_hash(theirs))
    r = browser.post(f"/account/tokens/{other.pk}/revoke/", follow=True)
    assert "不存在" in r.content.decode() and works(theirs)
    r = browser.post(f"/account/tokens/{own.pk}/revoke/", follow=True)
    assert "令牌已吊销" in r.content.decode() and "已吊销" in r.content.decode()
    assert not works(mine)
    assert browser.get(f"/account/tokens/{own.pk}/revoke/").status_code == 405
