from datetime import datetime

from ninja import Router, Schema, Status

from gridgov.core.throttle import client_address
from gridgov.http.auth import actor_from_request, bearer_token
from gridgov.http.problems import Problem
from gridgov.people.models import ApiToken
from gridgov.people.services import issue_token, renew_token, revoke_token, token_hash

router = Router(tags=["auth"])
ROUTERS = [("/auth", router)]  # mounted by gridgov.http.api


class Credentials(Schema):
    username: str
    password: str
    label: str = ""  # what the token is for (the client's name), shown in the list of one's tokens


class TokenOut(Schema):
    token: str
    expires_at: datetime


class TokenInfo(Schema):
    id: int
    label: str
    created_at: datetime  # the password sign-in the token comes from (renewals keep it)
    last_used_at: datetime | None
    expires_at: datetime
    revoked_at: datetime | None


def _issued(key: str) -> dict:
    return {"token": key, "expires_at": ApiToken.objects.get(key_hash=token_hash(key)).expires_at}


def _person(request):
    """The signed-in staff member (a token or a session), or 401."""
    return actor_from_request(request, required=True).user


@router.post(
    "/token",
    response={200: TokenOut, 401: Problem, 422: Problem, 429: Problem},
    summary="A bearer token for a staff account (429 with Retry-After after repeated wrong passwords)",
    description="The token lives GRIDGOV_TOKEN_HOURS (12 h); renew it before then with /token/renew.",
)
def token(request, body: Credentials):
    return _issued(
        issue_token(username=body.username, password=body.password, label=body.label, client=client_address(request))
    )


@router.post(
    "/token/renew",
    response={200: TokenOut, 401: Problem},
    summary="Swap a valid bearer token for a fresh one; the old one is revoked at once",
    description="Renewals carry a sign-in on for at most GRIDGOV_TOKEN_MAX_DAYS (7 days); then sign in "
    "again with /token.",
)
def renew(request):
    return _issued(renew_token(token=bearer_token(request), client=client_address(request)))


@router.get(
    "/tokens",
    response={200: list[TokenInfo], 401: Problem},
    summary="My API tokens, the 100 newest first, revoked and expired ones too (never their keys)",
)
def tokens(request):
    return list(ApiToken.objects.filter(user=_person(request)).order_by("-id")[:100])


@router.delete(
    "/tokens/{token_id}",
    response={204: None, 401: Problem, 403: Problem, 404: Problem, 422: Problem},
    summary="Revoke one of my API tokens (404 for anyone else's)",
)
def revoke(request, token_id: int):
    user = _person(request)
    revoke_token(token_id=token_id, owner=user, actor=user)
    return Status(204, None)
