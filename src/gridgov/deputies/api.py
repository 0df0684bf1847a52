"""人大代表进网格 over JSON under /api/v1/deputies: the 三单制 loop (needs: collect, claim, settle, turn into a
case, escalate, rate), reception days (plan, attendance, what residents raised), suggestions (file, reply,
rate) and the 人大 office's figures. Staff only (a token or a staff session); residents file and rate their
needs on their own page (/my/needs/, gridgov.portal.needs)."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from ninja import Body, Query, Router, Schema, Status
from pydantic import Field

from gridgov.core.errors import NotFound
from gridgov.deputies import office, receptions, selectors, services, suggestions
from gridgov.deputies.models import LiaisonStation, Reception, Suggestion
from gridgov.http.auth import actor_from_request
from gridgov.http.problems import Problem
from gridgov.visits.models import Visit

router = Router(tags=["deputies"])
ROUTERS = [("/deputies", router)]  # mounted by gridgov.http.api

ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem}
Rating = Literal["satisfied", "basically_satisfied", "dissatisfied"]


def _need(request: HttpRequest, number: str) -> dict:
    actor = actor_from_request(request, required=True)
    return selectors.need_row(selectors.need(actor, number), actor=actor, detail=True)


class NeedIn(Schema):
    grid: str | None = Field(None, max_length=18)
    text: str = Field(max_length=2000)
    source: Literal["resident", "visit", "reception"] = "resident"
    category: str = Field("", max_length=60)
    name: str = Field("", max_length=50)
    phone: str = Field("", max_length=30)
    visit: str | None = None  # the visit's client id
    client_id: str | None = Field(None, max_length=64)


@router.post("/needs", response={201: dict, **ERRORS}, summary="Collect a need (需求单)")
def need_create(request: HttpRequest, body: NeedIn = Body(...)):
    actor = actor_from_request(request, required=True)
    visit = None
    if body.visit:
        visit = Visit.objects.select_related("grid").filter(client_id=body.visit).first() if _uuid(body.visit) else None
        if visit is None:
            raise NotFound(gettext("no such visit among yours"))
    n = services.collect_need(
        actor=actor,
        grid_code=body.grid or "",
        text=body.text,
        source=body.source,
        category=body.category,
        name=body.name,
        phone=body.phone,
        visit=visit,
        client_id=body.client_id,
    )
    return Status(201, _need(request, n.number))


def _uuid(raw: str) -> bool:
    import uuid

    try:
        uuid.UUID(raw)
        return True
    except ValueError:
        return False


class NeedFilters(Schema):
    status: str | None = None
    mine: bool = False
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10**9)


@router.get("/needs", response={200: dict, 401: Problem}, summary="Needs of my grids")
def need_list(request: HttpRequest, filters: Query[NeedFilters]):
    actor = actor_from_request(request, required=True)
    qs = selectors.needs(actor, status=filters.status, mine=filters.mine)
    page = qs[filters.offset : filters.offset + filters.limit]
    return {"count": qs.count(), "items": [selectors.need_row(n, actor=actor) for n in page]}


@router.get("/needs/{number}", response={200: dict, 401: Problem, 404: Problem}, summary="One need")
def need_detail(request: HttpRequest, number: str):
    return _need(request, number)


@router.post("/needs/{number}/claim", response={200: dict, **ERRORS}, summary="Claim as a task (任务单)")
def need_claim(request: HttpRequest, number: str):
    services.claim(actor=actor_from_request(request, required=True), number=number)
    return _need(request, number)


class SettleIn(Schema):
    result: str = Field(max_length=2000)


@router.post("/needs/{number}/settle", response={200: dict, **ERRORS}, summary="Settled by the deputy (办结)")
def need_settle(request: HttpRequest, number: str, body: SettleIn = Body(...)):
    services.settle(actor=actor_from_request(request, required=True), number=number, result=body.result)
    return _need(request, number)


class CaseIn(Schema):
    title: str = Field("", max_length=200)
    category: str | None = Field(None, max_length=40)
    address: str = Field("", max_length=200)


@router.post("/needs/{number}/case", response={200: dict, **ERRORS}, summary="Turn into a case (责任单)")
def need_case(request: HttpRequest, number: str, body: CaseIn = Body(...)):
    services.to_case(actor=actor_from_request(request, required=True), number=number, **body.dict())
    return _need(request, number)


class ReasonIn(Schema):
    reason: str = Field(max_length=300)


@router.post("/needs/{number}/escalate", response={200: dict, **ERRORS}, summary="Up one level (塔式逐级反映)")
def need_escalate(request: HttpRequest, number: str, body: ReasonIn = Body(...)):
    services.escalate(actor=actor_from_request(request, required=True), number=number, reason=body.reason)
    return _need(request, number)


class RateIn(Schema):
    rating: Rating


@router.post("/needs/{number}/rating", response={200: dict, **ERRORS}, summary="Record the resident's rating (回访)")
def need_rate(request: HttpRequest, number: str, body: RateIn = Body(...)):
    services.rate(actor=actor_from_request(request, required=True), number=number, rating=body.rating)
    return _need(request, number)


# ---- reception days --------------------------------------------------------------------------------------


def _reception_row(r: Reception) -> dict:
    return {
        "id": r.pk,
        "station": r.station_id,
        "day": r.day,
        "on_duty": sorted(u.get_username() for u in r.on_duty.all()),
        "attended": sorted(u.get_username() for u in r.attended.all()),
        "residents_received": r.residents_received,
        "needs": [n.number for n in r.needs.all()],
    }


@router.get("/stations", response={200: dict, 401: Problem}, summary="联络站 of my area with their reception days")
def station_list(request: HttpRequest):
    actor = actor_from_request(request, required=True)
    items = []
    for s in LiaisonStation.objects.select_related("grid").prefetch_related("deputies", "receptions"):
        if actor.is_admin or actor.can_any(("deputy", "grid_leader", "leader", "grid_worker"), s.grid.code):
            items.append(
                {
                    "id": s.pk,
                    "name": s.name,
                    "grid": s.grid.code,
                    "address": s.address,
                    "deputies": sorted(u.get_username() for u in s.deputies.all()),
                    "receptions": [_reception_row(r) for r in s.receptions.all()],
                }
            )
    return {"count": len(items), "items": items}


class PlanIn(Schema):
    month: str = Field(pattern=r"^\d{4}-\d{2}$")
    days: list[int] = Field([9, 10], min_length=1, max_length=31)


@router.post("/stations/{station_id}/plan", response={201: dict, **ERRORS}, summary="Plan a month's reception days")
def station_plan(request: HttpRequest, station_id: int, body: PlanIn = Body(...)):
    actor = actor_from_request(request, required=True)
    made = receptions.plan_month(actor=actor, station_id=station_id, month=body.month, days=tuple(body.days))
    return Status(201, {"items": [_reception_row(r) for r in made]})


class AttendanceIn(Schema):
    attended: list[str] = Field(max_length=100)
    residents_received: int = Field(ge=0, le=100000)


@router.post(
    "/receptions/{reception_id}/attendance", response={200: dict, **ERRORS}, summary="Who came, residents received"
)
def reception_attendance(request: HttpRequest, reception_id: int, body: AttendanceIn = Body(...)):
    r = receptions.record_attendance(
        actor=actor_from_request(request, required=True), reception_id=reception_id, **body.dict()
    )
    return _reception_row(r)


class RaisedIn(Schema):
    text: str = Field(max_length=2000)
    name: str = Field("", max_length=50)
    phone: str = Field("", max_length=30)
    category: str = Field("", max_length=60)
    client_id: str | None = Field(None, max_length=64)


@router.post("/receptions/{reception_id}/needs", response={201: dict, **ERRORS}, summary="What a resident raised")
def reception_raise(request: HttpRequest, reception_id: int, body: RaisedIn = Body(...)):
    actor = actor_from_request(request, required=True)
    n = receptions.raise_at_reception(actor=actor, reception_id=reception_id, **body.dict())
    return Status(201, _need(request, n.number))


# ---- suggestions -----------------------------------------------------------------------------------------


def _suggestion_row(s: Suggestion) -> dict:
    return {
        "number": s.number,
        "unit": s.unit.code,
        "unit_name": s.unit.name,
        "title": s.title,
        "text": s.text,
        "filed_at": s.filed_at,
        "reply": s.reply,
        "adoption": s.adoption,
        "replied_at": s.replied_at,
        "rating": s.rating,
    }


def _suggestion(request: HttpRequest, number: str) -> dict:
    actor = actor_from_request(request, required=True)
    s = Suggestion.objects.select_related("unit").filter(suggestions.visible(actor), number=number).first()
    if s is None:
        raise NotFound(gettext("no such suggestion among yours"))
    return _suggestion_row(s)


@router.get("/suggestions", response={200: dict, 401: Problem}, summary="My suggestions, or my unit's")
def suggestion_list(request: HttpRequest):
    actor = actor_from_request(request, required=True)
    qs = Suggestion.objects.select_related("unit").filter(suggestions.visible(actor))[:200]
    return {"items": [_suggestion_row(s) for s in qs]}


class SuggestionIn(Schema):
    unit: str = Field(max_length=12)
    title: str = Field(max_length=200)
    text: str = Field(max_length=8000)


@router.post("/suggestions", response={201: dict, **ERRORS}, summary="File a suggestion (代表建议)")
def suggestion_file(request: HttpRequest, body: SuggestionIn = Body(...)):
    actor = actor_from_request(request, required=True)
    s = suggestions.file(actor=actor, unit_code=body.unit, title=body.title, text=body.text)
    return Status(201, _suggestion(request, s.number))


class ReplyIn(Schema):
    reply: str = Field(max_length=8000)
    adoption: Literal["adopted", "partly", "not"]


@router.post("/suggestions/{number}/reply", response={200: dict, **ERRORS}, summary="The unit's reply (答复)")
def suggestion_reply(request: HttpRequest, number: str, body: ReplyIn = Body(...)):
    suggestions.reply(actor=actor_from_request(request, required=True), number=number, **body.dict())
    return _suggestion(request, number)


@router.post("/suggestions/{number}/rating", response={200: dict, **ERRORS}, summary="Rate the reply")
def suggestion_rate(request: HttpRequest, number: str, body: RateIn = Body(...)):
    suggestions.rate(actor=actor_from_request(request, required=True), number=number, rating=body.rating)
    return _suggestion(request, number)


# ---- the 人大 office ---------------------------------------------------------------------------------------


class OfficeQuery(Schema):
    area: str = Field(max_length=18)
    month: str | None = Field(None, pattern=r"^\d{4}-\d{2}$")


@router.get("/office", response={200: dict, **ERRORS}, summary="Figures per deputy and per level (人大 office)")
def office_figures(request: HttpRequest, q: Query[OfficeQuery]):
    actor = actor_from_request(request, required=True)
    return office.office(actor, area=q.area, month=q.month or timezone.localdate().strftime("%Y-%m"))
