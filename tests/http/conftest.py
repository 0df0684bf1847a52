"""Bearer tokens for the demo accounts (as tests/api_client.py's Api makes them)."""

import secrets
from datetime import timedelta

import pytest
from django.utils import timezone


@pytest.fixture
def bearer(demo_city):
    """The Authorization header of a fresh one-hour token of a demo account."""
    from django.contrib.auth import get_user_model

    from gridgov.people.models import ApiToken
    from gridgov.people.services import token_hash

    def make(username: str) -> dict[str, str]:
        key = secrets.token_urlsafe(16)
        ApiToken.objects.create(
            user=get_user_model().objects.get(username=username),
            key_hash=token_hash(key),
            expires_at=timezone.now() + timedelta(hours=1),
        )
        return {"Authorization": f"Bearer {key}"}

    return make
