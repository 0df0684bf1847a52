"""/api/v1/audit/: the auditors' review of case file readings and reveals (审计查询), see cases.reads."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from gridgov.cases import reads
from gridgov.core.timefmt import iso
from gridgov.http.auth import actor_from_request
from gridgov.http.problems import Problem

router = Router(tags=["audit"])


class ReviewFilters(Schema):
    user: str | None = None  # a username
    case: str | None = None  # a case number
    since: datetime | None = None
    until: datetime | None = None
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10**9)  # a larger OFFSET overflows the database's integer


def _page(qs, filters: ReviewFilters, row) -> dict:
    items = [row(x) for x in qs[filters.offset : filters.offset + filters.limit]]
    return {"count": qs.count(), "items": [{**item, "at": iso(item["at"])} for item in items]}


@router.get(
    "/reads",
    response={200: dict, 401: Problem, 403: Problem},
    summary="Who opened which case file, in my scope (auditors and administrators)",
)
def case_reads(request: HttpRequest, filters: Query[ReviewFilters]):
    actor = actor_from_request(request, required=True)
    qs = reads.readings(actor, **filters.dict(exclude={"limit", "offset"}))
    return _page(qs, filters, reads.reading_row)


@router.get(
    "/reveals",
    response={200: dict, 401: Problem, 403: Problem},
    summary="Who saw reporters' contact data, in my scope (auditors and administrators)",
)
def reveals(request: HttpRequest, filters: Query[ReviewFilters]):
    actor = actor_from_request(request, required=True)
    qs = reads.reveals(actor, **filters.dict(exclude={"limit", "offset"}))
    return _page(qs, filters, reads.reveal_row)
