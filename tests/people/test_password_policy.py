"""The password policy (issue 10; docs/security.md): at least 10 characters, not like the username or
name, not a common password, not all digits — refused by the services and the admin's forms alike, in
Chinese."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from gridgov.core.errors import BadInput
from gridgov.people import services

WEAK = {
    "Short-9": "太短",  # 7 characters
    "12345678901234": "数字",
    "password123": "太常见",
    "zhangweiming2027": "相似",  # the username with a year
}
GOOD = "Lantern-orchard-52"


@pytest.mark.django_db
@pytest.mark.parametrize("password,words", WEAK.items())
def test_create_user_refuses_a_weak_password_in_chinese(password, words):
    with pytest.raises(BadInput) as refused:
        services.create_user(username="zhangweiming", password=password, full_name="张伟明")
    assert words in refused.value.message
    assert not get_user_model().objects.filter(username="zhangweiming").exists()


@pytest.mark.django_db
def test_create_user_takes_a_good_password_and_the_demo_kind():
    user = services.create_user(username="zhangweiming", password=GOOD, full_name="张伟明")
    assert user.check_password(GOOD)
    assert services.create_user(username="nopassword", password=None).has_usable_password() is False


@pytest.mark.django_db
def test_the_password_service_refuses_a_weak_password(django_user_model):
    user = django_user_model.objects.create_user("lixiaohong", password=GOOD)
    with pytest.raises(BadInput) as refused:
        services.set_password(user=user, password="lixiaohong1")
    assert "相似" in refused.value.message
    user.refresh_from_db()
    assert user.check_password(GOOD)


@pytest.fixture
def root(django_user_model):
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("policy-root", "r@example.org", "Root-horse-91"))
    return client


@pytest.mark.django_db
def test_the_admin_forms_refuse_a_weak_password_in_chinese(root, django_user_model):
    r = root.post(
        "/admin/auth/user/add/",
        {
            "username": "policy-new",
            "usable_password": "true",
            "password1": "12345678901234",
            "password2": "12345678901234",
        },
    )
    assert r.status_code == 200 and "密码只包含数字" in r.content.decode()
    assert not django_user_model.objects.filter(username="policy-new").exists()
    user = django_user_model.objects.create_user("policy-old", password=GOOD)
    r = root.post(
        f"/admin/auth/user/{user.pk}/password/",
        {"password1": "Short-9", "password2": "Short-9", "usable_password": "true"},
    )
    assert r.status_code == 200 and "密码太短" in r.content.decode()
    user.refresh_from_db()
    assert user.check_password(GOOD)
