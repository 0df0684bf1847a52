"""Every write of dispute mediation (三类三级一庭): each a keyword-only function, one transaction, one audit
event, scoped by rules.py (outside the actor's disputes: 404; readers who may not act: 403)."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, pgettext

from gridgov.cases.models import Case
from gridgov.core import audit
from gridgov.core.errors import BadInput, Conflict, Forbidden, NotFound
from gridgov.core.sequences import next_value
from gridgov.grids.models import Grid
from gridgov.mediation import rules
from gridgov.mediation.models import (
    Agreement,
    Counter,
    CourtHearing,
    Dispute,
    Domain,
    MediationSession,
    MediationTeam,
    Party,
    PartyRole,
    Referral,
    Source,
    Status,
)
from gridgov.patrols.models import PatrolFinding
from gridgov.people.actors import Actor
from gridgov.people.models import Unit
from gridgov.registry.personal import digest, mask_name, mask_phone, normalise_phone
from gridgov.visits.models import Visit
from gridgov.visits.services import check_free_text

FINISHED = (Status.AGREED, Status.FAILED, Status.REFERRED, Status.COURT, Status.CLOSED)


def _log(actor: Actor, action: str, dispute: Dispute, **data) -> None:
    audit.record(
        actor=actor.user,
        action=f"mediation.{action}",
        object_type="dispute",
        object_id=dispute.number,
        data={**data, "as": actor.label},
    )


# ---- intake -------------------------------------------------------------------------------------------


def _parties(dispute: Dispute, parties: list[dict]) -> None:
    roles = [p.get("role") for p in parties if isinstance(p, dict)]
    if len(roles) != len(parties) or not set(roles) >= {PartyRole.APPLICANT, PartyRole.RESPONDENT}:
        raise BadInput(gettext("a dispute needs an applicant and a respondent: {role, name, phone?} each"))
    for p in parties:
        if p["role"] not in PartyRole.values:
            raise BadInput(gettext("a party's role is applicant or respondent"))
        name = str(p.get("name") or "").strip()
        if not name or len(name) > 50:
            raise BadInput(gettext("each party needs a name (at most 50 characters)"))
        phone = normalise_phone(p.get("phone"))
        Party.objects.create(
            dispute=dispute,
            role=p["role"],
            name=name,
            name_masked=mask_name(name),
            phone=phone,
            phone_digest=digest("phone", phone),
            phone_masked=mask_phone(phone) if phone else "",
        )


def open_dispute(
    *,
    actor: Actor,
    dispute_class: int,
    title: str,
    parties: list[dict],
    grid_code: str | None = None,
    domain: str = "",
    description: str = "",
    case_number: str | None = None,
    patrol_finding: PatrolFinding | None = None,
    visit: Visit | None = None,
    at: datetime | None = None,
) -> Dispute:
    """受理: take in a dispute and route it in one step — walk-in (a grid code), from a case (its number), a
    patrol finding (its case) or a household visit (its household's grid). The source is kept on the record."""
    if actor.user is None and not actor.is_system:
        raise Forbidden(gettext("disputes are taken in by staff who are signed in"))
    case = None
    source = Source.WALK_IN
    if patrol_finding is not None:
        case, source = patrol_finding.case, Source.PATROL
    elif case_number:
        case = Case.objects.select_related("grid").filter(number=case_number).first()
        if case is None:
            raise NotFound(gettext("no case %(n)s") % {"n": case_number})
        source = Source.CASE
        patrol_finding = PatrolFinding.objects.filter(case=case).first()
        if patrol_finding is not None:
            source = Source.PATROL
    if visit is not None:
        source = Source.VISIT if case is None else source
    code = case.grid.code if case else visit.grid.code if visit else (grid_code or "")
    grid = Grid.objects.filter(code=code, valid_to__isnull=True).first()
    if grid is None or (not rules.may_open(actor, code) and not actor.is_system):
        raise NotFound(gettext("no such grid, case or visit among yours"))
    if dispute_class not in (1, 2, 3):
        raise BadInput(gettext("the class is 1 (everyday), 2 (complex, petitions) or 3 (professional)"))
    if (dispute_class == 3) != bool(domain) or (domain and domain not in Domain.values):
        raise BadInput(
            gettext("a class-3 dispute needs its domain (%(known)s); classes 1 and 2 none")
            % {"known": ", ".join(Domain.values)}
        )
    title = check_free_text(title or (case.title if case else ""), pgettext("mediation", "the title"))[:200]
    if not title:
        raise BadInput(gettext("a dispute needs a title"))
    description = check_free_text(description, pgettext("mediation", "the description"))
    now = at or timezone.now()
    if case is not None and Dispute.objects.filter(case=case, status__in=rules.OPEN_STATUSES).exists():
        raise Conflict(gettext("a dispute from case %(n)s is in mediation already") % {"n": case.number})
    with transaction.atomic():
        routed = rules.route(dispute_class=dispute_class, domain=domain, grid_code=code)
        day = timezone.localtime(now).strftime("%Y%m%d")
        dispute = Dispute.objects.create(
            number=f"TJ{day}{next_value(Counter, 'D' + day):04d}",
            dispute_class=dispute_class,
            domain=domain,
            title=title,
            description=description,
            grid=grid,
            level=routed.level,
            team=routed.team,
            routing=routed.steps,
            source=source,
            case=case,
            patrol_finding=patrol_finding,
            visit=visit,
            opened_by=actor.user,
            received_at=now,
            due_at=now + rules.PERIOD,
        )
        _parties(dispute, parties)
        _log(
            actor,
            "opened",
            dispute,
            grid=code,
            dispute_class=dispute_class,
            domain=domain,
            team=routed.team.pk if routed.team else None,
            source=source,
            case=case.number if case else None,
        )
    return dispute


# ---- acting on a dispute --------------------------------------------------------------------------------


def _locked(actor: Actor, number: str) -> Dispute:
    dispute = (
        Dispute.objects.select_for_update(of=("self",))
        .select_related("grid", "team")
        .filter(rules.visible(actor), number=number)
        .first()
    )
    if dispute is None:
        raise rules.not_found()
    if not rules.may_act(actor, dispute):
        raise Forbidden(gettext("only the mediators of this dispute's team act on it; you may read it"))
    return dispute


def _running(dispute: Dispute) -> None:
    if dispute.status not in rules.OPEN_STATUSES:
        raise Conflict(
            gettext("this dispute is %(status)s: nothing more to mediate") % {"status": Status(dispute.status).label}
        )


def accept(*, actor: Actor, number: str) -> Dispute:
    """接案: a mediator of the team takes the dispute on (open → mediating)."""
    with transaction.atomic():
        d = _locked(actor, number)
        if d.status != Status.OPEN:
            raise Conflict(gettext("this dispute was taken on already"))
        d.status, d.mediator = Status.MEDIATING, actor.user
        d.save(update_fields=["status", "mediator"])
        _log(actor, "accepted", d)
    return d


def record_session(
    *, actor: Actor, number: str, at: datetime, place: str, attendees: str = "", notes: str = ""
) -> MediationSession:
    """调解会: record a session; the first one takes an open dispute on."""
    place = check_free_text(place, gettext("the place"))
    if not place:
        raise BadInput(gettext("a session needs its place"))
    with transaction.atomic():
        d = _locked(actor, number)
        _running(d)
        if d.status == Status.OPEN:
            d.status, d.mediator = Status.MEDIATING, actor.user
            d.save(update_fields=["status", "mediator"])
        session = MediationSession.objects.create(
            dispute=d,
            at=at,
            place=place[:100],
            attendees=check_free_text(attendees, gettext("the attendees"))[:300],
            notes=check_free_text(notes, pgettext("mediation", "the notes")),
            recorded_by=actor.user,
        )
        _log(actor, "session", d, at=at.isoformat(), place=place)
    return session


def extend(
    *,
    actor: Actor,
    number: str,
    applicant_consents: bool,
    respondent_consents: bool,
    reason: str = "",
    at: datetime | None = None,
) -> Dispute:
    """延期: 30 more days, once, when both parties consent (recorded in the reason and the audit log)."""
    if not (applicant_consents and respondent_consents):
        raise BadInput(gettext("an extension needs the consent of both parties"))
    with transaction.atomic():
        d = _locked(actor, number)
        _running(d)
        if d.extended_at is not None:
            raise Conflict(gettext("this dispute was extended once already: refer it or close it"))
        d.extended_at, d.due_at = at or timezone.now(), d.due_at + rules.EXTENSION
        d.extension_reason = check_free_text(reason, gettext("the reason"))[:200]
        d.save(update_fields=["extended_at", "due_at", "extension_reason"])
        _log(actor, "extended", d, due_at=d.due_at.isoformat(), applicant_consents=True, respondent_consents=True)
    return d


def record_agreement(*, actor: Actor, number: str, terms: str, signed_on: date) -> Agreement:
    """调解协议书: the agreement, numbered per team and year (中原调〔2026〕第015号); the dispute is agreed."""
    terms = check_free_text(terms, gettext("the terms"))
    if not terms:
        raise BadInput(gettext("an agreement needs its terms"))
    with transaction.atomic():
        d = _locked(actor, number)
        _running(d)
        if d.team is None:
            raise Conflict(gettext("route this dispute to a team first: agreements are numbered by team"))
        seq = next_value(Counter, f"A{d.team_id}-{signed_on.year}")
        agreement = Agreement.objects.create(
            dispute=d,
            team=d.team,
            year=signed_on.year,
            seq=seq,
            terms=terms,
            signed_on=signed_on,
            number=f"{d.team.short_name}调〔{signed_on.year}〕第{seq:03d}号",
            recorded_by=actor.user,
        )
        _finish(d, "agreed", gettext("agreement %(n)s") % {"n": agreement.number})
        _log(actor, "agreed", d, agreement=agreement.number)
    return agreement


def _finish(d: Dispute, status: str, outcome: str) -> None:
    d.status, d.finished_at, d.outcome = status, timezone.now(), outcome[:2000]
    d.save(update_fields=["status", "finished_at", "outcome"])


def fail(*, actor: Actor, number: str, reason: str) -> Dispute:
    """调解不成: mediation failed (the parties may go to court: schedule a hearing)."""
    reason = check_free_text(reason, gettext("the reason"))
    if not reason:
        raise BadInput(gettext("say why the mediation failed"))
    with transaction.atomic():
        d = _locked(actor, number)
        _running(d)
        _finish(d, "failed", reason)
        _log(actor, "failed", d)
    return d


def refer(
    *, actor: Actor, number: str, reason: str, to_team: int | None = None, to_unit: str | None = None
) -> Referral:
    """移交: to another team (the dispute moves there and its clock keeps running) or to a department
    (the dispute leaves mediation: referred)."""
    reason = check_free_text(reason, gettext("the reason"))
    if not reason or (to_team is None) == (to_unit is None):
        raise BadInput(gettext("a referral names one team or one department, and its reason"))
    with transaction.atomic():
        d = _locked(actor, number)
        _running(d)
        team = unit = None
        if to_team is not None:
            team = MediationTeam.objects.filter(pk=to_team, active=True).first()
            if team is None or team.pk == d.team_id or not d.grid.code.startswith(team.code):
                raise BadInput(gettext("refer to another active team whose area holds the dispute's grid"))
        else:
            unit = Unit.objects.filter(code=to_unit, active=True).first()
            if unit is None:
                raise BadInput(gettext("no active department %(code)s") % {"code": to_unit})
        referral = Referral.objects.create(
            dispute=d,
            from_team=d.team,
            to_team=team,
            to_unit=unit,
            reason=reason[:300],
            at=timezone.now(),
            by=actor.user,
        )
        if team is not None:
            d.routing = [*d.routing, {"referred_to": team.pk}]
            d.team, d.level, d.status, d.mediator = team, team.level, Status.OPEN, None
            d.save(update_fields=["team", "level", "status", "mediator", "routing"])
        elif unit is not None:
            outcome = gettext("referred to %(unit)s: %(reason)s") % {"unit": unit.name, "reason": reason}
            _finish(d, "referred", outcome)
        _log(actor, "referred", d, to_team=to_team, to_unit=to_unit)
    return referral


def schedule_hearing(*, actor: Actor, number: str, at: datetime, place: str, court: str) -> CourtHearing:
    """巡回法庭: a circuit-court hearing, after a failed mediation or instead of one."""
    place, court = check_free_text(place, gettext("the place")), check_free_text(court, gettext("the court"))
    if not place or not court:
        raise BadInput(gettext("a hearing needs its court and its place"))
    with transaction.atomic():
        d = _locked(actor, number)
        if d.status not in (*rules.OPEN_STATUSES, Status.FAILED):
            raise Conflict(gettext("a hearing is for a dispute in mediation or whose mediation failed"))
        hearing = CourtHearing.objects.create(
            dispute=d, at=at, place=place[:100], court=court[:100], scheduled_by=actor.user
        )
        d.status = Status.COURT
        d.save(update_fields=["status"])
        _log(actor, "hearing", d, at=at.isoformat(), court=court)
    return hearing


def close(*, actor: Actor, number: str, note: str = "") -> Dispute:
    """结案: close an agreed, failed or heard dispute (or withdraw a running one, with a note)."""
    note = check_free_text(note, pgettext("mediation", "the note"))
    with transaction.atomic():
        d = _locked(actor, number)
        if d.status == Status.CLOSED:
            raise Conflict(gettext("this dispute is closed already"))
        if d.status in rules.OPEN_STATUSES and not note:
            raise BadInput(gettext("say why a dispute still in mediation is closed"))
        d.status = Status.CLOSED
        d.finished_at = d.finished_at or timezone.now()
        d.outcome = (d.outcome + ("; " if d.outcome and note else "") + note)[:2000]
        d.save(update_fields=["status", "finished_at", "outcome"])
        _log(actor, "closed", d)
    return d
