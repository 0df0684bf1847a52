"""A JSON client for /api/v1/ signed in as a demo account (or nobody): what the `api` fixture of
tests/conftest.py hands out."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.test import Client
from django.utils import timezone

from gridgov.people.actors import Actor
from gridgov.people.models import ApiToken
from gridgov.people.services import token_hash


class Api:
    """A JSON client for /api/v1/ that signs in as a demo account (or nobody)."""

    def __init__(self, user=None, language=None):
        self.user = user
        self.client = Client()
        if language:  # the language cookie, as a browser that chose ?lang=en sends it (default: Chinese)
            self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        self.headers = {}
        if user is not None:
            key = secrets.token_urlsafe(16)
            ApiToken.objects.create(user=user, key_hash=token_hash(key), expires_at=timezone.now() + timedelta(hours=1))
            self.headers["HTTP_AUTHORIZATION"] = f"Bearer {key}"

    def get(self, path, params=None):
        return self.client.get(f"/api/v1{path}", params or {}, **self.headers)

    def post(self, path, body=None, **headers):
        return self.client.post(
            f"/api/v1{path}", body or {}, content_type="application/json", **self.headers, **headers
        )

    def act(self, number, action, body=None):
        return self.post(f"/cases/{number}/actions/{action}", body or {})

    @property
    def actor(self) -> Actor:
        return Actor.of(self.user) if self.user else Actor.anonymous()
