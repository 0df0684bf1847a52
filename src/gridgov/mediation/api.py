"""Dispute mediation over JSON under /api/v1/mediation (三类三级一庭): take in a dispute (walk-in, from a case,
a patrol finding or a visit), list and read disputes, and the mediator's actions on one."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Body, Query, Router, Schema, Status
from pydantic import Field

from gridgov.core.errors import NotFound
from gridgov.http.auth import actor_from_request
from gridgov.http.problems import Problem
from gridgov.mediation import selectors, services
from gridgov.mediation import teams as team_services
from gridgov.patrols.models import PatrolFinding
from gridgov.visits.models import Visit

router = Router(tags=["mediation"])
ROUTERS = [("/mediation", router)]  # mounted by gridgov.http.api

ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem}


class PartyIn(Schema):
    role: Literal["applicant", "respondent"]
    name: str = Field(max_length=50)
    phone: str = Field("", max_length=30)


class DisputeIn(Schema):
    dispute_class: Literal[1, 2, 3] = Field(alias="class")
    domain: Literal["", "wages", "medical", "property", "traffic"] = ""
    title: str = Field("", max_length=200)
    description: str = Field("", max_length=4000)
    grid: str | None = None  # walk-in: the grid of the dispute
    case: str | None = None  # from a case (a patrol finding's case counts as the patrol's)
    visit: int | None = None  # from a household visit
    parties: list[PartyIn] = Field(..., min_length=2, max_length=20)


@router.post("/disputes", response={201: dict, **ERRORS}, summary="Take in a dispute (受理矛盾纠纷)")
def dispute_create(request: HttpRequest, body: DisputeIn = Body(...)):
    actor = actor_from_request(request, required=True)
    visit = None
    if body.visit is not None:
        visit = Visit.objects.select_related("grid").filter(pk=body.visit).first()
        if visit is None:
            raise NotFound(gettext("no such grid, case or visit among yours"))
    finding = (
        PatrolFinding.objects.select_related("case__grid").filter(case__number=body.case).first() if body.case else None
    )
    d = services.open_dispute(
        actor=actor,
        dispute_class=body.dispute_class,
        domain=body.domain,
        title=body.title,
        description=body.description,
        grid_code=body.grid,
        case_number=None if finding else body.case,
        patrol_finding=finding,
        visit=visit,
        parties=[p.dict() for p in body.parties],
    )
    return Status(201, selectors.dispute_row(selectors.dispute(actor, d.number), detail=True))


class ListFilters(Schema):
    mine: bool = False
    status: str | None = None
    overdue: bool = False
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10**9)


@router.get("/disputes", response={200: dict, 401: Problem}, summary="Disputes of my teams or area")
def dispute_list(request: HttpRequest, filters: Query[ListFilters]):
    actor = actor_from_request(request, required=True)
    qs = selectors.overdue(actor) if filters.overdue else selectors.disputes(actor, mine=filters.mine)
    if filters.status:
        qs = qs.filter(status=filters.status)
    page = qs[filters.offset : filters.offset + filters.limit]
    return {"count": qs.count(), "items": [selectors.dispute_row(d) for d in page]}


@router.get("/disputes/{number}", response={200: dict, 401: Problem, 404: Problem}, summary="One dispute")
def dispute_detail(request: HttpRequest, number: str):
    actor = actor_from_request(request, required=True)
    return selectors.dispute_row(selectors.dispute(actor, number), detail=True)


def _done(request: HttpRequest, number: str) -> dict:
    return selectors.dispute_row(selectors.dispute(actor_from_request(request, required=True), number), detail=True)


@router.post("/disputes/{number}/accept", response={200: dict, **ERRORS}, summary="Take the dispute on (接案)")
def dispute_accept(request: HttpRequest, number: str):
    services.accept(actor=actor_from_request(request, required=True), number=number)
    return _done(request, number)


class SessionIn(Schema):
    at: datetime
    place: str = Field(max_length=100)
    attendees: str = Field("", max_length=300)
    notes: str = Field("", max_length=4000)


@router.post("/disputes/{number}/sessions", response={201: dict, **ERRORS}, summary="Record a session (调解会)")
def dispute_session(request: HttpRequest, number: str, body: SessionIn = Body(...)):
    actor = actor_from_request(request, required=True)
    services.record_session(actor=actor, number=number, **body.dict())
    return Status(201, _done(request, number))


class ExtensionIn(Schema):
    applicant_consents: bool
    respondent_consents: bool
    reason: str = Field("", max_length=200)


@router.post("/disputes/{number}/extension", response={200: dict, **ERRORS}, summary="Extend by consent (延期)")
def dispute_extend(request: HttpRequest, number: str, body: ExtensionIn = Body(...)):
    services.extend(actor=actor_from_request(request, required=True), number=number, **body.dict())
    return _done(request, number)


class AgreementIn(Schema):
    terms: str = Field(max_length=8000)
    signed_on: date


@router.post("/disputes/{number}/agreement", response={201: dict, **ERRORS}, summary="调解协议书")
def dispute_agreement(request: HttpRequest, number: str, body: AgreementIn = Body(...)):
    services.record_agreement(actor=actor_from_request(request, required=True), number=number, **body.dict())
    return Status(201, _done(request, number))


class ReasonIn(Schema):
    reason: str = Field(max_length=2000)


@router.post("/disputes/{number}/fail", response={200: dict, **ERRORS}, summary="Mediation failed (调解不成)")
def dispute_fail(request: HttpRequest, number: str, body: ReasonIn = Body(...)):
    services.fail(actor=actor_from_request(request, required=True), number=number, reason=body.reason)
    return _done(request, number)


class ReferralIn(Schema):
    reason: str = Field(max_length=300)
    to_team: int | None = None
    to_unit: str | None = None


@router.post("/disputes/{number}/referral", response={200: dict, **ERRORS}, summary="Refer (移交)")
def dispute_refer(request: HttpRequest, number: str, body: ReferralIn = Body(...)):
    services.refer(actor=actor_from_request(request, required=True), number=number, **body.dict())
    return _done(request, number)


class HearingIn(Schema):
    at: datetime
    place: str = Field(max_length=100)
    court: str = Field(max_length=100)


@router.post("/disputes/{number}/hearing", response={200: dict, **ERRORS}, summary="巡回法庭 hearing")
def dispute_hearing(request: HttpRequest, number: str, body: HearingIn = Body(...)):
    services.schedule_hearing(actor=actor_from_request(request, required=True), number=number, **body.dict())
    return _done(request, number)


class CloseIn(Schema):
    note: str = Field("", max_length=2000)


@router.post("/disputes/{number}/close", response={200: dict, **ERRORS}, summary="Close (结案)")
def dispute_close(request: HttpRequest, number: str, body: CloseIn = Body(...)):
    services.close(actor=actor_from_request(request, required=True), number=number, note=body.note)
    return _done(request, number)


class TeamIn(Schema):
    name: str = Field(..., min_length=2, max_length=100)
    code: str = Field(..., max_length=18)  # the grid whose subtree the team serves
    kind: Literal["grid", "joint", "professional"]
    domain: Literal["", "wages", "medical", "property", "traffic"] = ""
    short_name: str = Field("", max_length=10)  # heads its agreements' numbers (中原调〔2026〕第015号)


class MemberIn(Schema):
    username: str = Field(..., max_length=150)
    role: Literal["mediator", "police", "judge", "prosecutor", "lawyer", "grid_leader", "expert"]


def _team(request: HttpRequest, team_id: int):
    for team in selectors.teams(actor_from_request(request, required=True)):
        if team.pk == team_id:
            return team
    raise NotFound(gettext("no such mediation team in your area"))


@router.get("/teams", response={200: dict, 401: Problem}, summary="Mediation teams of my area (调解组织)")
def team_list(request: HttpRequest):
    rows = [selectors.team_row(t) for t in selectors.teams(actor_from_request(request, required=True))]
    return {"count": len(rows), "items": rows}


@router.post("/teams", response={201: dict, **ERRORS}, summary="Set up a mediation team")
def team_create(request: HttpRequest, body: TeamIn = Body(...)):
    team = team_services.create_team(actor=actor_from_request(request, required=True), **body.dict())
    return Status(201, selectors.team_row(team))


@router.post("/teams/{team_id}/members", response={200: dict, **ERRORS}, summary="Add or change a member")
def team_member(request: HttpRequest, team_id: int, body: MemberIn = Body(...)):
    team = _team(request, team_id)
    team_services.add_member(actor=actor_from_request(request, required=True), team=team, **body.dict())
    return selectors.team_row(_team(request, team_id))
