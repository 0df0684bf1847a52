"""Fixtures of the admin configuration tests (issue 9)."""

import pytest


@pytest.fixture
def root(client, django_user_model):
    """A client signed in as a superuser of its own (the demo city has an `admin` too; we leave it alone)."""
    user = django_user_model.objects.create_superuser("cfg-root", "cfg-root@example.org", "cfg-Root-pass-1")
    client.force_login(user)
    client.user = user
    return client
