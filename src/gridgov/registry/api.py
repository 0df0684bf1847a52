"""/api/v1/registry/: the 一标三实 registry over JSON (docs/architecture.md §4), masked everywhere.

Lists and one resident show ID numbers and phones masked; `POST residents/{id}/reveal` shows one in full
to a grid worker or leader of the resident's grid, with a reason, and logs it; `GET access-log` is the
auditors' review of those reveals.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from gridgov.core.timefmt import iso
from gridgov.http.auth import actor_from_request
from gridgov.http.problems import Problem
from gridgov.registry import residents, selectors

router = Router(tags=["registry"])
ROUTERS = [("/registry", router)]  # mounted by gridgov.http.api


class Page(Schema):
    grid: str | None = None
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10**9)  # a larger OFFSET overflows the database's integer


class HouseholdFilters(Page):
    address: str | None = None


class ResidentFilters(Page):
    household: int | None = None
    tag: str | None = None
    name: str | None = None
    id_number: str | None = None
    phone: str | None = None


class OrganisationFilters(Page):
    text: str | None = Field(None, max_length=200)
    kind: Literal["shop", "enterprise", "school", "medical", "public", "social", "other"] | None = None


class BuildingFilters(Page):
    address: str | None = None


class AddressFilters(Page):
    text: str | None = Field(None, max_length=300)
    level: Literal["compound", "building", "entrance", "dwelling"] | None = None


def _page(qs, page: Page, row) -> dict:
    items = [row(x) for x in qs[page.offset : page.offset + page.limit]]
    return {"count": qs.count(), "items": [{**item, **_times(item)} for item in items]}


def _times(item: dict) -> dict:
    return {k: iso(v) for k, v in item.items() if isinstance(v, datetime)}


@router.get("/households", response={200: dict, 400: Problem, 401: Problem}, summary="Households in my grids")
def household_list(request: HttpRequest, filters: Query[HouseholdFilters]):
    actor = actor_from_request(request, required=True)
    qs = selectors.households(actor, grid=filters.grid, address=filters.address)
    return _page(qs, filters, selectors.household_row)


@router.get(
    "/organisations",
    response={200: dict, 400: Problem, 401: Problem},
    summary="Organisations in my grids (name, address or credit code containing text; contacts masked)",
)
def organisation_list(request: HttpRequest, filters: Query[OrganisationFilters]):
    actor = actor_from_request(request, required=True)
    qs = selectors.organisations(actor, grid=filters.grid, text=filters.text, kind=filters.kind)
    return _page(qs, filters, selectors.organisation_row)


@router.get("/buildings", response={200: dict, 400: Problem, 401: Problem}, summary="Buildings in my grids")
def building_list(request: HttpRequest, filters: Query[BuildingFilters]):
    actor = actor_from_request(request, required=True)
    qs = selectors.buildings(actor, grid=filters.grid, address=filters.address)
    return _page(qs, filters, selectors.building_row)


@router.get("/addresses", response={200: dict, 400: Problem, 401: Problem}, summary="Standard addresses in my grids")
def address_list(request: HttpRequest, filters: Query[AddressFilters]):
    actor = actor_from_request(request, required=True)
    qs = selectors.addresses(actor, grid=filters.grid, text=filters.text, level=filters.level)
    return _page(qs, filters, selectors.address_row)


@router.get(
    "/residents",
    response={200: dict, 400: Problem, 401: Problem},
    summary="Residents in my grids (ID numbers and phones masked; name, ID and phone match exactly)",
)
def resident_list(request: HttpRequest, filters: Query[ResidentFilters]):
    actor = actor_from_request(request, required=True)
    qs = selectors.residents(actor, **filters.dict(exclude={"limit", "offset"}))
    page = _page(qs, filters, selectors.resident_row)
    if searched := [f for f in ("id_number", "phone") if (getattr(filters, f) or "").strip()]:
        residents.record_search(actor=actor, fields=searched, found=[i["id"] for i in page["items"]])
    return page


@router.get(
    "/residents/{resident_id}",
    response={200: dict, 401: Problem, 404: Problem},
    summary="One resident, masked",
)
def resident_detail(request: HttpRequest, resident_id: int):
    actor = actor_from_request(request, required=True)
    row = selectors.resident_row(residents.visible_resident(actor, resident_id))
    return {**row, **_times(row)}


class RevealIn(Schema):
    field: Literal["id_number", "phone"]
    reason: str = Field(max_length=300)


@router.post(
    "/residents/{resident_id}/reveal",
    response={200: dict, 400: Problem, 401: Problem, 403: Problem, 404: Problem},
    summary="Show a resident's ID number or phone in full, with a reason (logged for the auditors)",
)
def reveal(request: HttpRequest, resident_id: int, body: RevealIn):
    actor = actor_from_request(request, required=True)
    resident = residents.visible_resident(actor, resident_id)
    value = residents.reveal_resident(actor=actor, resident=resident, field=body.field, reason=body.reason)
    return {"id": resident.pk, "field": body.field, "value": value}


class LogFilters(Schema):
    resident: int | None = None
    user: str | None = None
    since: datetime | None = None
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10**9)


@router.get(
    "/access-log",
    response={200: dict, 401: Problem, 403: Problem},
    summary="Who revealed which resident's data, why and when (auditors, in their grids)",
)
def access_log(request: HttpRequest, filters: Query[LogFilters]):
    actor = actor_from_request(request, required=True)
    qs = selectors.access_log(actor, resident=filters.resident, user=filters.user, since=filters.since)
    items = [selectors.access_row(e) for e in qs[filters.offset : filters.offset + filters.limit]]
    return {"count": qs.count(), "items": [{**item, "at": iso(item["at"])} for item in items]}


class DueFilters(Page):
    kind: Literal["address", "building", "household", "resident", "organisation"] = "household"


@router.get(
    "/due",
    response={200: dict, 400: Problem, 401: Problem},
    summary="Records in my grids due for re-collection (older than the period of their kind)",
)
def due(request: HttpRequest, filters: Query[DueFilters]):
    actor = actor_from_request(request, required=True)
    qs = selectors.due_for_recollection(actor, kind=filters.kind, grid=filters.grid)
    return _page(qs, filters, lambda r: selectors.due_row(filters.kind, r))
