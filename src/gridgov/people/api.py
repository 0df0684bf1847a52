from ninja import Router, Schema

from gridgov.core.throttle import client_address
from gridgov.people.services import issue_token

router = Router(tags=["auth"])


class Credentials(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str


class Problem(Schema):
    detail: str


@router.post("/token", response={200: TokenOut, 401: Problem, 429: Problem},
             summary="A bearer token for a staff account (429 with Retry-After after repeated wrong passwords)")
def token(request, body: Credentials):
    return {"token": issue_token(username=body.username, password=body.password, client=client_address(request))}
