"""Fixtures for the closed loop: demo accounts, API clients with tokens, a point in a known grid."""

import secrets
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from gridgov.people.actors import Actor
from gridgov.people.models import ApiToken
from gridgov.people.services import token_hash

# A point inside 林山寨街道's first community's first 三级网格 is found at run time (layouts are
# generated): see `spot` below.


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
        return self.client.post(f"/api/v1{path}", body or {}, content_type="application/json", **self.headers, **headers)

    def act(self, number, action, body=None):
        return self.post(f"/cases/{number}/actions/{action}", body or {})

    @property
    def actor(self) -> Actor:
        return Actor.of(self.user) if self.user else Actor.anonymous()


@pytest.fixture
def account(demo_city):
    from django.contrib.auth import get_user_model

    def find(username):
        return get_user_model().objects.get(username=username)

    return find


@pytest.fixture
def api(account):
    def make(username=None, language=None) -> Api:
        return Api(account(username) if username else None, language=language)

    return make


@pytest.fixture
def spot(demo_city):
    """A point inside a known 三级网格 of 林山寨街道, and the codes above it."""
    import shapely

    from gridgov.grids.selectors import current_geometries, locate

    code = "410102001002001"
    geom = current_geometries([code])[code]
    point = shapely.point_on_surface(geom)
    located = locate(point.x, point.y)
    assert located.grid.code == code
    return {"lon": point.x, "lat": point.y, "grid": code, "community": code[:12], "street": code[:9]}
