"""Points over JSON under /api/v1/points (docs/architecture.md §5, points/): award by hand, a resident's
statement and a new resident code, the 爱心超市 (open one, stock its shelf), the counter (look a code up,
redeem), and the public monthly 积分榜."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from ninja import Body, Query, Router, Schema, Status
from pydantic import Field

from gridgov.core.errors import BadInput, NotFound
from gridgov.grids.models import Grid
from gridgov.http.auth import actor_from_request
from gridgov.http.problems import Problem
from gridgov.points import selectors, services
from gridgov.points.models import Item
from gridgov.registry.models import Resident

router = Router(tags=["points"])
ROUTERS = [("/points", router)]  # mounted by gridgov.http.api

ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem}


def _posted(done: services.Posted) -> Status:
    e = done.entry
    return Status(201 if done.created else 200, {**selectors.entry_row(e), "replayed": not done.created})


class AwardIn(Schema):
    resident: int
    kind: str = Field("manual", max_length=32)
    reason: str = Field(max_length=services.MAX_REASON)
    units: int = Field(1, ge=1, le=100)
    key: str = Field(max_length=60, description="made by the form: a resent award writes nothing")


@router.post("/awards", response={201: dict, 200: dict, **ERRORS}, summary="Award points by hand (网格员奖励)")
def award(request: HttpRequest, body: AwardIn = Body(...)):
    actor = actor_from_request(request, required=True)
    resident = Resident.objects.select_related("grid").filter(pk=body.resident).first()
    if resident is None:
        raise NotFound(gettext("no such resident in your communities"))
    return _posted(
        services.award(
            actor=actor, resident=resident, kind=body.kind, reason=body.reason, client_key=body.key, units=body.units
        )
    )


@router.get("/residents/{resident_id}", response={200: dict, **ERRORS}, summary="A resident's statement (积分明细)")
def statement(request: HttpRequest, resident_id: int):
    actor = actor_from_request(request, required=True)
    return selectors.statement(actor, resident_id)


@router.get("/supermarkets", response={200: dict, 401: Problem}, summary="The 爱心超市 I work the counter of")
def supermarkets(request: HttpRequest):
    actor = actor_from_request(request, required=True)
    shops = selectors.supermarkets(actor)
    return {
        "items": [
            {"id": s.pk, "name": s.name, "community": s.community.code, "shelf": selectors.shelf(s)} for s in shops
        ]
    }


@router.get("/supermarkets/{shop_id}/accounts/{code}", response={200: dict, **ERRORS}, summary="Look a code up")
def lookup(request: HttpRequest, shop_id: int, code: str):
    actor = actor_from_request(request, required=True)
    return selectors.at_counter(actor, selectors.supermarket(actor, shop_id), code)


class LineIn(Schema):
    item: int
    quantity: int = Field(ge=1, le=99)


class RedeemIn(Schema):
    code: str = Field(max_length=20)
    lines: list[LineIn] = Field(max_length=services.MAX_LINES)
    key: str = Field(max_length=60, description="made by the form: a double click writes once")


@router.post("/supermarkets/{shop_id}/redemptions", response={201: dict, 200: dict, **ERRORS}, summary="Redeem (兑换)")
def redeem(request: HttpRequest, shop_id: int, body: RedeemIn = Body(...)):
    actor = actor_from_request(request, required=True)
    shop = selectors.supermarket(actor, shop_id)
    return _posted(
        services.redeem(
            actor=actor,
            supermarket=shop,
            code=body.code,
            lines=[(x.item, x.quantity) for x in body.lines],
            client_key=body.key,
        )
    )


@router.post("/residents/{resident_id}/code", response={200: dict, **ERRORS}, summary="A new resident code")
def new_code(request: HttpRequest, resident_id: int):
    actor = actor_from_request(request, required=True)
    resident = Resident.objects.select_related("grid").filter(pk=resident_id).first()
    if resident is None:
        raise NotFound(gettext("no such resident in your communities"))
    account = services.regenerate_code(actor=actor, resident=resident)
    return {"resident": resident.pk, "code": account.code}


class ShopIn(Schema):
    community: str = Field(max_length=18)
    name: str = Field(max_length=100)


@router.post("/supermarkets", response={201: dict, **ERRORS}, summary="Open a 爱心超市 in a community")
def open_shop(request: HttpRequest, body: ShopIn = Body(...)):
    actor = actor_from_request(request, required=True)
    grid = Grid.objects.filter(code=body.community, valid_to__isnull=True).first()
    if grid is None:
        raise NotFound(gettext("no such community in your communities"))
    shop = services.open_supermarket(actor=actor, community=grid, name=body.name)
    return Status(201, {"id": shop.pk, "name": shop.name, "community": grid.code})


class ItemIn(Schema):
    item: int | None = Field(None, description="an item on the shelf to restock or reprice; none: a new item")
    name: str = Field("", max_length=100)
    points: int = Field(ge=1, le=100000)
    add: int = Field(0, ge=0, le=10000)


@router.post("/supermarkets/{shop_id}/items", response={200: dict, **ERRORS}, summary="Stock the shelf")
def stock(request: HttpRequest, shop_id: int, body: ItemIn = Body(...)):
    actor = actor_from_request(request, required=True)
    shop = selectors.supermarket(actor, shop_id)
    item = None
    if body.item is not None:
        item = Item.objects.filter(pk=body.item, supermarket=shop).first()
        if item is None:
            raise NotFound(gettext("an item picked is not on this supermarket's shelf: reload the page"))
    elif not body.name.strip():
        raise BadInput(gettext("a new item needs a name"))
    done = services.stock_item(
        actor=actor, supermarket=shop, name=body.name, points=body.points, add=body.add, item=item
    )
    return {"id": done.pk, "name": done.name, "points": done.points, "stock": done.stock}


class BoardFilters(Schema):
    month: str | None = Field(None, pattern=r"^\d{4}-\d{2}$", description="YYYY-MM; this month by default")


def parse_month(value: str | None) -> date:
    if not value:
        return timezone.localdate().replace(day=1)
    try:
        return date(int(value[:4]), int(value[5:7]), 1)
    except ValueError:
        raise BadInput(gettext("the month is YYYY-MM, e.g. 2026-03")) from None


@router.get("/board/{community}", response={200: dict, 400: Problem, 404: Problem}, summary="积分榜 (public)")
def board(request: HttpRequest, community: str, filters: Query[BoardFilters]):
    month = parse_month(filters.month)
    grid = selectors.community(community)
    return {
        "community": grid.code,
        "name": grid.name,
        "month": f"{month:%Y-%m}",
        "items": selectors.leaderboard(grid.code, month),
    }
