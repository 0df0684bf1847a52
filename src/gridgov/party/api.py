"""The party layer over JSON under /api/v1/party (docs/architecture.md §4): groups, members (phones masked),
liaison links and coverage, registrations, whistle calls, answers and hours. Errors 400/403/404/409 with
{"detail": …}; party/rules.py says who may do what."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from ninja import Body, Query, Router, Schema, Status
from pydantic import Field

from gridgov.cases.models import Case
from gridgov.core.errors import BadInput, NotFound
from gridgov.grids.models import Grid
from gridgov.http.auth import actor_from_request
from gridgov.http.problems import Problem
from gridgov.party import selectors, services
from gridgov.party.models import LiaisonLink, PartyGroup, PartyMember, Registration, WhistleAnswer, WhistleCall
from gridgov.party.rules import manage_scopes, require_read, under
from gridgov.people.actors import Actor
from gridgov.registry.models import Household

router = Router(tags=["party"])
ROUTERS = [("/party", router)]  # mounted by gridgov.http.api

ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem}


def _grid(code: str) -> Grid:
    grid = Grid.objects.filter(code=code, valid_to__isnull=True).first()
    if grid is None:
        raise NotFound(gettext("no grid %(grid)s") % {"grid": code})
    return grid


def _member(actor: Actor, pk: int) -> PartyMember:
    member = selectors.members(actor).filter(pk=pk).first()
    if member is None:
        raise NotFound(gettext("no such party member in your grids"))
    return member


def _call(actor: Actor, pk: int) -> WhistleCall:
    call = WhistleCall.objects.select_related("grid").filter(pk=pk).first()
    if call is None:
        raise NotFound(gettext("no such call"))
    return call


class GridFilter(Schema):
    grid: str = Field(max_length=18)


@router.get("/groups", response={200: dict, **ERRORS}, summary="网格党小组 of a grid's subtree")
def group_list(request: HttpRequest, filters: Query[GridFilter]):
    actor = actor_from_request(request, required=True)
    items = selectors.groups(actor, grid=filters.grid)
    return {"count": len(items), "items": items}


class GroupIn(Schema):
    grid: str = Field(max_length=18)
    name: str = Field(max_length=100)
    leader: int | None = None


@router.post("/groups", response={201: dict, **ERRORS}, summary="Create a party group (成立网格党小组)")
def group_create(request: HttpRequest, body: GroupIn = Body(...)):
    actor = actor_from_request(request, required=True)
    leader = _member(actor, body.leader) if body.leader else None
    group = services.create_group(actor=actor, grid=_grid(body.grid), name=body.name, leader=leader)
    return Status(201, {"id": group.pk, "grid": body.grid, "name": group.name, "leader": group.leader_id})


class GroupPatch(Schema):
    name: str | None = Field(None, max_length=100)
    leader: int | None = None


@router.patch("/groups/{pk}", response={200: dict, **ERRORS}, summary="Rename a group or name its leader")
def group_update(request: HttpRequest, pk: int, body: GroupPatch = Body(...)):
    actor = actor_from_request(request, required=True)
    group = PartyGroup.objects.select_related("grid").filter(under("grid__code", manage_scopes(actor)), pk=pk).first()
    if group is None:
        raise NotFound(gettext("no such party group in the grids you lead"))
    leader = _member(actor, body.leader) if body.leader else None
    group = services.update_group(actor=actor, group=group, name=body.name, leader=leader)
    return {"id": group.pk, "name": group.name, "leader": group.leader_id}


class MemberFilter(Schema):
    grid: str | None = Field(None, max_length=18)
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10**9)


@router.get("/members", response={200: dict, **ERRORS}, summary="Party members in my grids (phones masked)")
def member_list(request: HttpRequest, filters: Query[MemberFilter]):
    actor = actor_from_request(request, required=True)
    qs = selectors.members(actor, grid=filters.grid)
    page = qs[filters.offset : filters.offset + filters.limit]
    return {"count": qs.count(), "items": [selectors.member_row(m) for m in page]}


class MemberIn(Schema):
    name: str = Field(max_length=50)
    grid: str = Field(max_length=18)
    kind: Literal["liaison", "in_service", "community"] = "community"
    employer: str = Field("", max_length=100)
    phone: str = Field("", max_length=30)
    group: int | None = None
    username: str | None = Field(None, max_length=150)
    joined_on: date | None = None


@router.post("/members", response={201: dict, **ERRORS}, summary="Add a party member (登记党员)")
def member_create(request: HttpRequest, body: MemberIn = Body(...)):
    actor = actor_from_request(request, required=True)
    grid = _grid(body.grid)
    group = PartyGroup.objects.select_related("grid").filter(pk=body.group).first() if body.group else None
    if body.group and group is None:
        raise BadInput(gettext("no such party group"))
    user = None
    if body.username:
        user = get_user_model().objects.filter(username=body.username).first()
        if user is None:
            raise BadInput(gettext("no account named %(name)s") % {"name": body.username})
    member = services.add_member(
        actor=actor,
        name=body.name,
        grid=grid,
        kind=body.kind,
        employer=body.employer,
        phone=body.phone,
        group=group,
        user=user,
        joined_on=body.joined_on,
    )
    return Status(201, selectors.member_row(member))


@router.get("/members/{pk}", response={200: dict, **ERRORS}, summary="A party member with their households")
def member_detail(request: HttpRequest, pk: int):
    actor = actor_from_request(request, required=True)
    member = _member(actor, pk)
    return {**selectors.member_row(member), "households": selectors.linked_households(member)}


class LinksIn(Schema):
    households: list[int] = Field(min_length=1, max_length=services.MAX_LINKS)
    on: date | None = None


@router.post("/members/{pk}/links", response={201: dict, **ERRORS}, summary="联户: link households to a member")
def link(request: HttpRequest, pk: int, body: LinksIn = Body(...)):
    actor = actor_from_request(request, required=True)
    member = _member(actor, pk)
    households = list(Household.objects.select_related("grid", "address").filter(pk__in=body.households))
    if len(households) != len(set(body.households)):
        raise NotFound(gettext("no such household in your grids"))
    links = services.link_households(actor=actor, member=member, households=households, on=body.on)
    return Status(201, {"member": member.pk, "linked": [x.household_id for x in links]})


@router.post("/links/{pk}/end", response={200: dict, **ERRORS}, summary="End a household link")
def unlink(request: HttpRequest, pk: int):
    actor = actor_from_request(request, required=True)
    link_row = LiaisonLink.objects.select_related("member__grid").filter(pk=pk).first()
    if link_row is None or not selectors.members(actor).filter(pk=link_row.member_id).exists():
        raise NotFound(gettext("no such link in your grids"))
    link_row = services.unlink_household(actor=actor, link=link_row)
    return {"id": link_row.pk, "end_date": link_row.end_date}


@router.post("/members/{pk}/registration", response={201: dict, **ERRORS}, summary="在职党员报到")
def register(request: HttpRequest, pk: int):
    actor = actor_from_request(request, required=True)
    member = PartyMember.objects.select_related("grid").filter(pk=pk).first()
    if member is None or member.user_id != getattr(actor.user, "pk", None):
        member = _member(actor, pk)  # not themselves: a member of the actor's grids, or 404
    reg = services.register_member(actor=actor, member=member)
    return Status(201, {"id": reg.pk, "community": reg.community.code, "registered_at": reg.registered_at})


@router.post("/registrations/{pk}/confirm", response={200: dict, **ERRORS}, summary="Confirm a registration")
def confirm(request: HttpRequest, pk: int):
    actor = actor_from_request(request, required=True)
    reg = Registration.objects.select_related("community").filter(pk=pk).first()
    if reg is None:
        raise NotFound(gettext("no such registration"))
    reg = services.confirm_registration(actor=actor, registration=reg)
    return {"id": reg.pk, "confirmed_at": reg.confirmed_at}


@router.get("/coverage", response={200: dict, **ERRORS}, summary="联户覆盖率 per grid")
def coverage(request: HttpRequest, filters: Query[GridFilter]):
    actor = actor_from_request(request, required=True)
    return selectors.liaison_coverage(actor, grid=filters.grid)


class CallFilter(Schema):
    grid: str = Field(max_length=18)
    status: Literal["open", "closed"] | None = None


@router.get("/calls", response={200: dict, **ERRORS}, summary="Whistle calls of a grid's subtree with answers")
def call_list(request: HttpRequest, filters: Query[CallFilter]):
    actor = actor_from_request(request, required=True)
    items = [selectors.call_row(c) for c in selectors.calls(actor, grid=filters.grid, status=filters.status)[:200]]
    return {"count": len(items), "items": items}


@router.get("/calls/mine", response={200: dict, **ERRORS}, summary="Open calls I may answer (party members)")
def my_calls(request: HttpRequest):
    actor = actor_from_request(request, required=True)
    items = selectors.open_calls_for(actor)
    return {"count": len(items), "items": items}


class CallIn(Schema):
    grid: str = Field(max_length=18)
    title: str = Field(max_length=100)
    task: str = Field("", max_length=2000)
    place: str = Field("", max_length=200)
    starts_at: datetime
    people_needed: int = Field(ge=1, le=services.MAX_PEOPLE)
    case: str | None = Field(None, max_length=14)


@router.post("/calls", response={201: dict, **ERRORS}, summary="网格吹哨: open a call")
def call_open(request: HttpRequest, body: CallIn = Body(...)):
    actor = actor_from_request(request, required=True)
    case = None
    if body.case:
        case = Case.objects.select_related("grid").filter(number=body.case).first()
        if case is None:
            raise BadInput(gettext("no case %(number)s") % {"number": body.case})
    call = services.open_call(
        actor=actor,
        grid=_grid(body.grid),
        title=body.title,
        task=body.task,
        place=body.place,
        starts_at=body.starts_at,
        people_needed=body.people_needed,
        case=case,
    )
    return Status(201, selectors.call_row(call))


@router.post("/calls/{pk}/close", response={200: dict, **ERRORS}, summary="Close a call")
def call_close(request: HttpRequest, pk: int):
    actor = actor_from_request(request, required=True)
    call = services.close_call(actor=actor, call=_call(actor, pk))
    return {"id": call.pk, "status": call.status}


@router.post("/calls/{pk}/answer", response={201: dict, 200: dict, **ERRORS}, summary="报到: answer a call")
def call_answer(request: HttpRequest, pk: int):
    actor = actor_from_request(request, required=True)
    done = services.answer_call(actor=actor, call=_call(actor, pk))
    a = done.answer
    body = {"id": a.pk, "call": a.call_id, "member": a.member_id, "replayed": not done.created}
    return Status(201 if done.created else 200, body)


class HoursIn(Schema):
    hours: Decimal


@router.post("/answers/{pk}/hours", response={200: dict, **ERRORS}, summary="Record the hours of an answer")
def hours(request: HttpRequest, pk: int, body: HoursIn = Body(...)):
    actor = actor_from_request(request, required=True)
    answer = WhistleAnswer.objects.select_related("call__grid").filter(pk=pk).first()
    if answer is None:
        raise NotFound(gettext("no such answer"))
    answer = services.record_hours(actor=actor, answer=answer, hours=body.hours)
    return {"id": answer.pk, "hours": answer.hours}


class HoursFilter(Schema):
    grid: str = Field(max_length=18)
    start: date
    end: date


@router.get("/hours", response={200: dict, **ERRORS}, summary="Hours per calling grid over a period")
def hours_per_grid(request: HttpRequest, filters: Query[HoursFilter]):
    actor = actor_from_request(request, required=True)
    if filters.end < filters.start:
        raise BadInput(gettext("the end lies before the start"))
    items = selectors.hours_by_grid(actor, grid=filters.grid, start=filters.start, end=filters.end)
    return {"grid": filters.grid, "start": filters.start, "end": filters.end, "items": items}


class PeriodFilter(Schema):
    start: date | None = None
    end: date | None = None


@router.get("/members/{pk}/hours", response={200: dict, **ERRORS}, summary="A member's hours over a period")
def member_hours(request: HttpRequest, pk: int, filters: Query[PeriodFilter]):
    actor = actor_from_request(request, required=True)
    member = PartyMember.objects.select_related("grid").filter(pk=pk).first()
    if member is None or member.user_id != getattr(actor.user, "pk", None):
        member = _member(actor, pk)  # not themselves: a reader of the member's grid
        require_read(actor, member.grid.code)
    end = filters.end or timezone.localdate()
    start = filters.start or end.replace(day=1)
    return {
        "member": member.pk,
        "start": start,
        "end": end,
        "hours": selectors.member_hours(member, start=start, end=end),
    }
