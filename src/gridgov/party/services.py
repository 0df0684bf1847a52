"""Every write of the party layer (党建), docs/architecture.md §8: one function per mutation, keyword-only,
one transaction, one audit event, the actor's scope checked first (party/rules.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.cases.models import Case
from gridgov.core import audit
from gridgov.core.errors import BadInput, Conflict, Forbidden, NotFound
from gridgov.core.text import clean_text
from gridgov.core.timefmt import local_minute
from gridgov.grids.models import Grid
from gridgov.party.models import (
    CallStatus,
    LiaisonLink,
    MemberKind,
    PartyGroup,
    PartyMember,
    Registration,
    WhistleAnswer,
    WhistleCall,
)
from gridgov.party.rules import community_of, may_answer, require_manage
from gridgov.people.actors import Actor
from gridgov.registry.models import Household
from gridgov.registry.personal import digest, mask_phone, normalise_phone

MAX_LINKS = 30  # households one liaison member keeps in touch with (the seeds: 10–30)
MAX_PEOPLE = 200
MAX_HOURS = Decimal(24)


@dataclass(frozen=True)
class Answered:
    answer: WhistleAnswer
    created: bool  # False: the member had answered already (nothing written)


def _record(actor: Actor, action: str, object_type: str, object_id, data: dict) -> None:
    audit.record(
        actor=actor.user,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        data={**data, "as": actor.label},
    )


def _group_grid(grid: Grid) -> None:
    if grid.level not in (2, 3) or grid.valid_to is not None:
        raise BadInput(gettext("a party group or a call belongs to a community or a level-3 grid in force"))


def create_group(
    *, actor: Actor, grid: Grid, name: str, leader: PartyMember | None = None, created_on: date | None = None
) -> PartyGroup:
    """成立网格党小组: one per grid; Conflict when the grid has one."""
    require_manage(actor, grid.code)
    _group_grid(grid)
    name = clean_text(name, gettext("the group's name"), limit=100, required=True)
    if PartyGroup.objects.filter(grid=grid).exists():
        raise Conflict(gettext("grid %(grid)s has a party group already: edit it instead") % {"grid": grid.code})
    try:
        with transaction.atomic():
            group = PartyGroup.objects.create(grid=grid, name=name, created_on=created_on or timezone.localdate())
            if leader is not None:
                _check_leader(group, leader)
                group.leader = leader
                group.save(update_fields=["leader"])
            _record(actor, "party.group_created", "party_group", group.pk, {"grid": grid.code, "name": name})
    except IntegrityError:
        raise Conflict(
            gettext("grid %(grid)s has a party group already: edit it instead") % {"grid": grid.code}
        ) from None
    return group


def _check_leader(group: PartyGroup, leader: PartyMember) -> None:
    if leader.group_id != group.pk or not leader.active:
        raise BadInput(gettext("the group's leader must be an active member of the group"))


@transaction.atomic
def update_group(
    *, actor: Actor, group: PartyGroup, name: str | None = None, leader: PartyMember | None = None
) -> PartyGroup:
    require_manage(actor, group.grid.code)
    if name is not None:
        group.name = clean_text(name, gettext("the group's name"), limit=100, required=True)
    if leader is not None:
        _check_leader(group, leader)
        group.leader = leader
    group.save(update_fields=["name", "leader"])
    _record(actor, "party.group_updated", "party_group", group.pk, {"name": group.name, "leader": group.leader_id})
    return group


def add_member(
    *,
    actor: Actor,
    name: str,
    grid: Grid,
    kind: str = "community",  # MemberKind.COMMUNITY
    employer: str = "",
    phone: str = "",
    group: PartyGroup | None = None,
    user=None,
    joined_on: date | None = None,
) -> PartyMember:
    """登记党员 in their home grid (a community or a grid below it)."""
    require_manage(actor, grid.code)
    if grid.level < 2 or grid.valid_to is not None:
        raise BadInput(gettext("a member's home grid is a community or a grid below one, in force"))
    if kind not in MemberKind.values:
        raise BadInput(gettext("kind must be one of %(known)s") % {"known": ", ".join(MemberKind.values)})
    name = clean_text(name, gettext("the member's name"), limit=50, required=True)
    employer = clean_text(employer, gettext("the employer"), limit=100)
    if kind == MemberKind.IN_SERVICE and not employer:
        raise BadInput(gettext("an in-service member needs the unit they work for"))
    if group is not None and community_of(group.grid.code) != community_of(grid.code):
        raise BadInput(gettext("the member's group must be one of their home community"))
    phone = normalise_phone(phone)
    if user is not None and PartyMember.objects.filter(user=user).exists():
        raise Conflict(gettext("this account belongs to another party member already"))
    with transaction.atomic():
        member = PartyMember.objects.create(
            name=name,
            grid=grid,
            kind=kind,
            employer=employer,
            group=group,
            user=user,
            joined_on=joined_on,
            phone=phone,
            phone_digest=digest("phone", phone),
            phone_masked=mask_phone(phone) if phone else "",
        )
        _record(actor, "party.member_added", "party_member", member.pk, {"grid": grid.code, "kind": kind})
    return member


@transaction.atomic
def link_account(*, actor: Actor, member: PartyMember, user) -> PartyMember:
    """The account the member signs in with (one member per account)."""
    require_manage(actor, member.grid.code)
    if PartyMember.objects.filter(user=user).exclude(pk=member.pk).exists():
        raise Conflict(gettext("this account belongs to another party member already"))
    member.user = user
    member.save(update_fields=["user"])
    _record(actor, "party.account_linked", "party_member", member.pk, {"user": user.get_username()})
    return member


def link_households(
    *, actor: Actor, member: PartyMember, households: list[Household], on: date | None = None
) -> list[LiaisonLink]:
    """联户: the member keeps in touch with these households (of their community) from `on`. A household
    already linked to another member is refused: it has one liaison, so that nobody thinks another calls."""
    require_manage(actor, member.grid.code)
    if not member.active:
        raise Conflict(gettext("this member is no longer active"))
    on = on or timezone.localdate()
    community = community_of(member.grid.code)
    wanted = {h.pk: h for h in households}
    for household in wanted.values():
        if not household.active or community_of(household.grid.code) != community:
            raise BadInput(gettext("a member links households of their own community only"))
        require_manage(actor, household.grid.code)
    current = {
        link.household_id: link
        for link in LiaisonLink.objects.filter(household_id__in=wanted, end_date__isnull=True).select_related("member")
    }
    taken = [link for link in current.values() if link.member_id != member.pk]
    if taken:
        raise Conflict(
            gettext("%(address)s is linked to %(member)s already: unlink it there first")
            % {"address": wanted[taken[0].household_id].address, "member": taken[0].member.name}
        )
    new = [pk for pk in wanted if pk not in current]
    if LiaisonLink.objects.filter(member=member, end_date__isnull=True).count() + len(new) > MAX_LINKS:
        raise BadInput(gettext("a member keeps in touch with at most %(n)d households") % {"n": MAX_LINKS})
    try:
        with transaction.atomic():
            links = LiaisonLink.objects.bulk_create(
                [LiaisonLink(member=member, household_id=pk, start_date=on) for pk in new]
            )
            _record(actor, "party.households_linked", "party_member", member.pk, {"households": new})
    except IntegrityError:
        raise Conflict(gettext("a household was just linked to someone else: reload and try again")) from None
    return links


@transaction.atomic
def unlink_household(*, actor: Actor, link: LiaisonLink, on: date | None = None) -> LiaisonLink:
    require_manage(actor, link.member.grid.code)
    if link.end_date is not None:
        raise Conflict(gettext("this link has ended already"))
    on = on or timezone.localdate()
    link.end_date = max(on, link.start_date)
    link.save(update_fields=["end_date"])
    _record(actor, "party.household_unlinked", "liaison_link", link.pk, {"household": link.household_id})
    return link


def register_member(*, actor: Actor, member: PartyMember, at: datetime | None = None) -> Registration:
    """在职党员报到 in the member's home community: by the member (signed in) or a grid leader over it."""
    if member.user_id is None or getattr(actor.user, "pk", None) != member.user_id:
        require_manage(actor, member.grid.code)
    if member.kind != MemberKind.IN_SERVICE or not member.active:
        raise BadInput(gettext("registration (报到) is for active in-service members"))
    community = Grid.objects.filter(code=community_of(member.grid.code), valid_to__isnull=True).first()
    if community is None:
        raise NotFound(gettext("the member's home community is not in force"))
    if Registration.objects.filter(member=member, ended_at__isnull=True).exists():
        raise Conflict(gettext("this member is registered already"))
    try:
        with transaction.atomic():
            reg = Registration.objects.create(member=member, community=community, registered_at=at or timezone.now())
            _record(
                actor, "party.registered", "registration", reg.pk, {"member": member.pk, "community": community.code}
            )
    except IntegrityError:
        raise Conflict(gettext("this member is registered already")) from None
    return reg


@transaction.atomic
def confirm_registration(*, actor: Actor, registration: Registration, at: datetime | None = None) -> Registration:
    require_manage(actor, registration.community.code)
    if registration.ended_at is not None:
        raise Conflict(gettext("this registration has ended"))
    if registration.confirmed_at is None:
        registration.confirmed_by, registration.confirmed_at = actor.user, at or timezone.now()
        registration.save(update_fields=["confirmed_by", "confirmed_at"])
        _record(actor, "party.registration_confirmed", "registration", registration.pk, {})
    return registration


def open_call(
    *,
    actor: Actor,
    grid: Grid,
    title: str,
    starts_at: datetime,
    people_needed: int,
    task: str = "",
    place: str = "",
    case: Case | None = None,
    at: datetime | None = None,
) -> WhistleCall:
    """网格吹哨: the grid calls for `people_needed` members for a task at `starts_at`."""
    require_manage(actor, grid.code)
    _group_grid(grid)
    title = clean_text(title, gettext("the title"), limit=100, required=True)
    task, place = clean_text(task, gettext("the task"), limit=2000), clean_text(place, gettext("the place"), limit=200)
    if timezone.is_naive(starts_at):
        raise BadInput(gettext("times need their UTC offset, e.g. 2026-12-07T09:00:00+08:00"))
    if not 1 <= people_needed <= MAX_PEOPLE:
        raise BadInput(gettext("people needed must be between 1 and %(n)d") % {"n": MAX_PEOPLE})
    if case is not None and not case.grid.code.startswith(community_of(grid.code)):
        raise BadInput(gettext("the case must lie in the call's community"))
    with transaction.atomic():
        call = WhistleCall.objects.create(
            grid=grid,
            title=title,
            task=task,
            place=place,
            starts_at=starts_at,
            people_needed=people_needed,
            case=case,
            opened_by=actor.user,
            opened_at=at or timezone.now(),
        )
        _record(actor, "party.call_opened", "whistle_call", call.pk, {"grid": grid.code, "people": people_needed})
    return call


@transaction.atomic
def close_call(*, actor: Actor, call: WhistleCall, at: datetime | None = None) -> WhistleCall:
    require_manage(actor, call.grid.code)
    call = WhistleCall.objects.select_for_update().get(pk=call.pk)
    if call.status == CallStatus.CLOSED:
        raise Conflict(gettext("this call is closed already"))
    call.status, call.closed_at = CallStatus.CLOSED, at or timezone.now()
    call.save(update_fields=["status", "closed_at"])
    _record(actor, "party.call_closed", "whistle_call", call.pk, {"answers": call.answers.count()})
    return call


def member_of(actor: Actor) -> PartyMember:
    """The active party member the signed-in actor is; Forbidden when none."""
    member = None
    if actor.user is not None:
        member = PartyMember.objects.filter(user=actor.user, active=True).select_related("grid").first()
    if member is None:
        raise Forbidden(gettext("only party members answer calls: ask your grid leader to add you as one"))
    return member


def answer_call(
    *, actor: Actor, call: WhistleCall, member: PartyMember | None = None, at: datetime | None = None
) -> Answered:
    """报到: the signed-in member answers an open call of their community, once (again: the first answer).
    With `member`, the call's grid leader records the answer of a member who answered by phone or in the
    grid's group chat (most members have no account); the same rule of who may answer holds."""
    if member is None:
        member = member_of(actor)
    else:
        require_manage(actor, call.grid.code)
        if not member.active:
            raise Conflict(gettext("this member is no longer active"))
    seen = WhistleAnswer.objects.filter(call=call, member=member).first()
    if seen is not None:
        return Answered(seen, False)
    reg = Registration.objects.filter(member=member, ended_at__isnull=True).select_related("community").first()
    if not may_answer(
        kind=member.kind, home_grid=member.grid.code, registered_in=reg and reg.community.code, call_grid=call.grid.code
    ):
        if member.kind == MemberKind.IN_SERVICE and reg is None:
            raise Forbidden(gettext("register (报到) in your home community first, then answer its calls"))
        raise NotFound(gettext("no such call in your community"))
    try:
        with transaction.atomic():
            locked = WhistleCall.objects.select_for_update().get(pk=call.pk)
            # the same member's other request may have answered while this one waited for the lock
            seen = WhistleAnswer.objects.filter(call=call, member=member).first()
            if seen is not None:
                return Answered(seen, False)
            if locked.status != CallStatus.OPEN:
                raise Conflict(gettext("this call is closed"))
            if locked.answers.count() >= locked.people_needed:
                raise Conflict(gettext("this call has the people it needs: thank you"))
            answer = WhistleAnswer.objects.create(call=locked, member=member, answered_at=at or timezone.now())
            _record(actor, "party.call_answered", "whistle_call", call.pk, {"member": member.pk})
    except IntegrityError:
        seen = WhistleAnswer.objects.filter(call=call, member=member).first()
        if seen is None:
            raise
        return Answered(seen, False)
    return Answered(answer, True)


def parse_hours(value) -> Decimal:
    try:
        hours = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise BadInput(gettext("hours must be a number, e.g. 2.5")) from None
    if not (0 < hours <= MAX_HOURS):
        raise BadInput(gettext("hours must be more than 0 and at most 24"))
    return hours


@transaction.atomic
def record_hours(*, actor: Actor, answer: WhistleAnswer, hours, at: datetime | None = None) -> WhistleAnswer:
    """Record the hours a member gave to the call's task, after it began (the caller's grid leader)."""
    require_manage(actor, answer.call.grid.code)
    value = parse_hours(hours)
    now = at or timezone.now()
    if now < answer.call.starts_at:
        raise Conflict(
            gettext("record the hours after the task: it begins %(when)s")
            % {"when": local_minute(answer.call.starts_at)}
        )
    before = answer.hours
    answer.hours, answer.confirmed_by, answer.confirmed_at = value, actor.user, now
    answer.save(update_fields=["hours", "confirmed_by", "confirmed_at"])
    _record(
        actor,
        "party.hours_recorded",
        "whistle_answer",
        answer.pk,
        {"call": answer.call_id, "member": answer.member_id, "hours": str(value), "before": before and str(before)},
    )
    return answer
