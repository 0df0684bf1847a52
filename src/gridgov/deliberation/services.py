"""Every write of deliberation (三段式决策), in the order of the matter's procedure (procedures.py).

Each function checks the actor's scope (rules.py), locks the matter, checks that the stage asked for is the
one that comes next — a later stage before an earlier one has passed is a Conflict naming the stage that
comes first — and writes in one transaction with one audit event. Opinions (一征) come from residents
without an account, bounded per client address (OPINIONS_PER_CLIENT).
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from gridgov.core import audit, throttle
from gridgov.core.device_time import CLOCK_SKEW, aware
from gridgov.core.errors import BadInput, Conflict, TooMany
from gridgov.core.text import clean_text
from gridgov.core.timefmt import local_minute
from gridgov.deliberation.models import Matter, Opinion, Publication, PublicationKind, Round, Status
from gridgov.deliberation.procedures import PROCEDURES, ROUND, SOLICIT, passes, procedure_for, quorate
from gridgov.deliberation.rules import require_run
from gridgov.grids.models import Grid, Level
from gridgov.people.actors import Actor
from gridgov.points import services as points
from gridgov.registry.models import Resident
from gridgov.registry.personal import digest, mask_name, mask_phone, normalise_phone

MAX_TEXT = 5000
MAX_OPINION = 1000
OPINION_SCOPE = "opinion"
OPINIONS_PER_CLIENT = throttle.Limit(failures=5, window=timedelta(hours=1))


def _locked(matter: Matter) -> Matter:
    return Matter.objects.select_for_update().select_related("grid").get(pk=matter.pk)


def _require_open(matter: Matter) -> None:
    if matter.status == Status.WITHDRAWN:
        raise Conflict(gettext("this matter was withdrawn: open a new matter to deliberate it again"))


def _stage_name(matter: Matter, key: str) -> str:
    return str(PROCEDURES[matter.procedure].stage(key).name)


def _expect_stage(matter: Matter, key: str) -> None:
    """Conflict unless `key` is the stage that comes next, naming the one that does."""
    proc = PROCEDURES[matter.procedure]
    if key == matter.stage:
        return
    if not matter.stage:
        raise Conflict(gettext("this matter has gone through every stage of its procedure"))
    wanted, now = proc.index(key), proc.index(matter.stage)
    if wanted > now:
        raise Conflict(
            gettext("stages cannot be skipped: “%(first)s” comes first, before “%(stage)s”")
            % {"first": _stage_name(matter, matter.stage), "stage": _stage_name(matter, key)}
        )
    raise Conflict(
        gettext("“%(stage)s” is done already: the next stage is “%(next)s”")
        % {"stage": _stage_name(matter, key), "next": _stage_name(matter, matter.stage)}
    )


def _moment(at: datetime | None, floor: datetime | None, what: str) -> datetime:
    """`at` (now when None) for a step recorded after the fact (on paper first, or by the demo): not in the
    future, not before `floor` (the step before it)."""
    at = aware(at)
    if at > timezone.now() + CLOCK_SKEW:
        raise BadInput(gettext("%(what)s lies in the future") % {"what": what})
    if floor is not None and at < floor:
        raise BadInput(
            gettext("%(what)s cannot be before %(floor)s, the step before it")
            % {"what": what, "floor": local_minute(floor)}
        )
    return at


def _audit(actor: Actor, action: str, matter: Matter, data: dict) -> None:
    audit.record(
        actor=actor.user,
        action=f"deliberation.{action}",
        object_type="matter",
        object_id=str(matter.pk),
        data={"grid": matter.grid.code, **data, "as": actor.label},
    )


def open_matter(
    *,
    actor: Actor,
    grid: Grid,
    title: str,
    description: str = "",
    procedure: str | None = None,
    at: datetime | None = None,
) -> Matter:
    """议事立项: open a matter in a community or village (a level-2 grid) for deliberation. The procedure is
    the grid's (a village follows 四议两公开, a community 一征三议两公开: procedures.procedure_for) unless named."""
    require_run(actor, grid.code)
    if grid.level != Level.COMMUNITY or grid.valid_to is not None:
        raise BadInput(gettext("matters are opened in a community or village (a level-2 grid in use)"))
    procedure = procedure or procedure_for(grid.code, grid.name)
    if procedure not in PROCEDURES:
        raise BadInput(gettext("the procedure must be one of %(known)s") % {"known": ", ".join(PROCEDURES)})
    title = clean_text(title, gettext("the title"), limit=200, required=True)
    description = clean_text(description, gettext("the description"), limit=MAX_TEXT)
    at = _moment(at, None, gettext("the opening of the matter"))
    with transaction.atomic():
        matter = Matter.objects.create(
            title=title,
            description=description,
            grid=grid,
            procedure=procedure,
            stage=PROCEDURES[procedure].stages[0].key,
            opened_by=actor.user,
            opened_at=at,
        )
        _audit(actor, "opened", matter, {"procedure": procedure, "title": title})
    return matter


def open_opinions(*, actor: Actor, matter: Matter, until: datetime, at: datetime | None = None) -> Matter:
    """征求意见: open (or extend) the period in which residents give their opinions on the public page."""
    require_run(actor, matter.grid.code)
    until = aware(until)
    if until <= timezone.now() and at is None:
        raise BadInput(gettext("the opinion period must end in the future"))
    with transaction.atomic():
        matter = _locked(matter)
        _require_open(matter)
        _expect_stage(matter, _solicit_key(matter))
        start = _moment(at, matter.opened_at, gettext("the start of the opinion period"))
        if until <= start:
            raise BadInput(gettext("the opinion period must end after it starts"))
        matter.opinions_from = matter.opinions_from or start
        matter.opinions_until = until
        matter.save(update_fields=["opinions_from", "opinions_until"])
        _audit(actor, "opinions_opened", matter, {"until": until.isoformat()})
    return matter


def _solicit_key(matter: Matter) -> str:
    keys = [s.key for s in PROCEDURES[matter.procedure].stages if s.kind == SOLICIT]
    if not keys:
        raise Conflict(gettext("this procedure (四议两公开) has no opinion period: opinions are heard in its meetings"))
    return keys[0]


def close_opinions(*, actor: Actor, matter: Matter, at: datetime | None = None) -> Matter:
    """End the opinion period; the party organisation's proposal comes next."""
    require_run(actor, matter.grid.code)
    with transaction.atomic():
        matter = _locked(matter)
        _require_open(matter)
        key = _solicit_key(matter)
        _expect_stage(matter, key)
        if matter.opinions_from is None:
            raise Conflict(gettext("open the opinion period first: residents must have had a chance to speak"))
        now = _moment(at, matter.opinions_from, gettext("the end of the opinion period"))
        matter.opinions_until = min(matter.opinions_until or now, now)
        matter.stage = PROCEDURES[matter.procedure].after(key)
        matter.save(update_fields=["opinions_until", "stage"])
        _audit(actor, "opinions_closed", matter, {"opinions": matter.opinions.count()})
    return matter


def opinions_open(matter: Matter, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        matter.status == Status.OPEN
        and matter.opinions_from is not None
        and matter.opinions_until is not None
        and matter.opinions_from <= now < matter.opinions_until
        and PROCEDURES[matter.procedure].stage(matter.stage).kind == SOLICIT
        if matter.stage
        else False
    )


POINTS_ACTOR = Actor.system("deliberation")


def record_opinion(
    *, matter: Matter, text: str, name: str = "", phone: str = "", client: str = "", at: datetime | None = None
) -> Opinion:
    """一征: a resident's opinion from the public form (no account). The phone, when given, links the opinion
    to a resident of the matter's grid with that phone, so that their points can be credited. `at`: an
    opinion taken on paper and typed in later (the demo), within the period."""
    key = f"client:{client}"
    if client:
        delay = throttle.wait(OPINION_SCOPE, key, OPINIONS_PER_CLIENT)
        if delay:
            minutes = throttle.whole_minutes(delay)
            raise TooMany(
                ngettext(
                    "Too many opinions came from your address. Try again in %(minutes)d minute.",
                    "Too many opinions came from your address. Try again in %(minutes)d minutes.",
                    minutes,
                )
                % {"minutes": minutes},
                retry_after=math.ceil(delay.total_seconds()),
            )
    text = clean_text(text, gettext("your opinion"), limit=MAX_OPINION, required=True)
    name = clean_text(name, gettext("your name"), limit=50)
    phone = normalise_phone(phone)
    with transaction.atomic():
        matter = _locked(matter)
        at = _moment(at, None, gettext("the time of the opinion"))
        if not opinions_open(matter, at):
            raise Conflict(gettext("opinions on this matter are not being collected now: see its public page"))
        residents = (
            list(
                Resident.objects.filter(
                    phone_digest=digest("phone", phone), active=True, grid__code__startswith=matter.grid.code
                )[:2]
            )
            if phone
            else []
        )
        opinion = Opinion.objects.create(
            matter=matter,
            text=text,
            name=name,
            name_masked=mask_name(name) if name else "",
            phone=phone,
            phone_masked=mask_phone(phone) if phone else "",
            resident=residents[0] if len(residents) == 1 else None,  # two with one phone: nobody to credit
            at=at,
        )
        if opinion.resident is not None:
            opinion.credited = _credit(opinion)
            if opinion.credited:
                opinion.save(update_fields=["credited"])
        audit.record(
            action="deliberation.opinion",
            object_type="matter",
            object_id=str(matter.pk),
            data={
                "opinion": opinion.pk,
                "resident": opinion.resident_id,
                "credited": opinion.credited,
                "as": "resident",
            },
        )
    if client:
        with transaction.atomic():
            throttle.fail(OPINION_SCOPE, [key])  # counts a use: the limit is on opinions at all
    return opinion


def record_round(
    *,
    actor: Actor,
    matter: Matter,
    stage: str,
    held_on: date,
    minutes: str,
    expected: int,
    present: int,
    votes_for: int,
    votes_against: int,
    votes_abstain: int,
    body: str = "",
    present_names: str = "",
) -> Round:
    """议: the meeting of one deliberation stage, only when it is the stage that comes next. It passes when
    the meeting had its quorum and more than half of those present voted for it (procedures.py); then the
    next stage comes; a failed vote leaves the matter at this stage for another meeting."""
    require_run(actor, matter.grid.code)
    proc = PROCEDURES[matter.procedure]
    if stage not in [s.key for s in proc.stages]:
        raise BadInput(gettext("the stage must be one of %(known)s") % {"known": ", ".join(s.key for s in proc.stages)})
    spec = proc.stage(stage)
    if spec.kind != ROUND:
        raise BadInput(gettext("“%(stage)s” is no meeting: it has its own step") % {"stage": spec.name})
    if not 0 < expected <= 100000 or not 0 <= present <= expected:
        raise BadInput(gettext("those present must be between 0 and those expected (at least 1)"))
    if min(votes_for, votes_against, votes_abstain) < 0 or votes_for + votes_against + votes_abstain > present:
        raise BadInput(gettext("the votes (for, against, abstained) cannot be more than those present"))
    minutes = clean_text(minutes, gettext("the minutes"), limit=MAX_TEXT, required=True)
    present_names = clean_text(present_names, gettext("the names of those present"), limit=MAX_TEXT)
    body = clean_text(body or str(spec.body), gettext("the body"), limit=100, required=True)
    if held_on > timezone.localdate():
        raise BadInput(gettext("the meeting's date lies in the future: record it once it was held"))
    with transaction.atomic():
        matter = _locked(matter)
        _require_open(matter)
        _expect_stage(matter, stage)
        earliest = max(
            [
                timezone.localdate(matter.opinions_until or matter.opened_at),
                *matter.rounds.values_list("held_on", flat=True),
            ]
        )
        if held_on < earliest:
            raise BadInput(
                gettext(
                    "the meeting's date cannot be before %(day)s (the end of the opinion period or the last meeting)"
                )
                % {"day": earliest.isoformat()}
            )
        passed = quorate(expected, present, spec.quorum) and passes(present, votes_for)
        held = Round.objects.create(
            matter=matter,
            stage=stage,
            attempt=matter.rounds.filter(stage=stage).count() + 1,
            held_on=held_on,
            body=body,
            minutes=minutes,
            expected=expected,
            present=present,
            present_names=present_names,
            votes_for=votes_for,
            votes_against=votes_against,
            votes_abstain=votes_abstain,
            passed=passed,
            recorded_by=actor.user,
            recorded_at=timezone.now(),
        )
        if passed:
            matter.stage = proc.after(stage)
            matter.save(update_fields=["stage"])
        _audit(actor, "round", matter, {"stage": stage, "attempt": held.attempt, "passed": passed})
    return held


def _publish(
    *, actor: Actor, matter: Matter, kind: str, text: str, place: str, published_at: datetime | None
) -> Publication:
    require_run(actor, matter.grid.code)
    text = clean_text(text, gettext("the text made public"), limit=MAX_TEXT, required=True)
    place = clean_text(place, gettext("where it is made public"), limit=100) or gettext("grid board")
    at = aware(published_at)
    if at > timezone.now() + CLOCK_SKEW:
        raise BadInput(gettext("the date of publication lies in the future: publish it once it is posted"))
    key = "publish_decision" if kind == PublicationKind.DECISION else "publish_result"
    with transaction.atomic():
        matter = _locked(matter)
        _require_open(matter)
        _expect_stage(matter, key)
        decision = matter.publications.filter(kind=PublicationKind.DECISION).first()
        if decision is not None and at <= decision.published_at:
            raise BadInput(
                gettext("the result is made public after the decision (%(at)s): check the date")
                % {"at": local_minute(decision.published_at)}
            )
        last = matter.rounds.order_by("-held_on").values_list("held_on", flat=True).first()
        if last is not None and timezone.localdate(at) < last:
            raise BadInput(gettext("the decision cannot be made public before the meeting that took it"))
        publication = Publication.objects.create(
            matter=matter, kind=kind, published_at=at, text=text, place=place, published_by=actor.user
        )
        matter.stage = PROCEDURES[matter.procedure].after(key)
        matter.status = Status.DECIDED if kind == PublicationKind.DECISION else Status.DONE
        matter.save(update_fields=["stage", "status"])
        _audit(actor, f"published_{kind}", matter, {"at": at.isoformat()})
    return publication


def publish_decision(
    *, actor: Actor, matter: Matter, text: str, place: str = "", published_at: datetime | None = None
) -> Publication:
    """决议公开: only once the deciding meeting has passed."""
    return _publish(actor=actor, matter=matter, kind="decision", text=text, place=place, published_at=published_at)


def publish_result(
    *, actor: Actor, matter: Matter, text: str, place: str = "", published_at: datetime | None = None
) -> Publication:
    """实施结果公开: only once the decision was made public, and dated after it."""
    return _publish(actor=actor, matter=matter, kind="result", text=text, place=place, published_at=published_at)


def withdraw_matter(*, actor: Actor, matter: Matter, reason: str) -> Matter:
    """撤回: end a matter that failed its vote or is no longer wanted, before its decision is public."""
    require_run(actor, matter.grid.code)
    reason = clean_text(reason, gettext("the reason"), limit=500, required=True)
    with transaction.atomic():
        matter = _locked(matter)
        if matter.status != Status.OPEN:
            raise Conflict(gettext("only a matter still in deliberation can be withdrawn"))
        matter.status = Status.WITHDRAWN
        matter.save(update_fields=["status"])
        _audit(actor, "withdrawn", matter, {"reason": reason})
    return matter


def _credit(opinion: Opinion) -> bool:
    """一征 earns points (the points rule `opinion_given`), once per opinion (the ledger's key); a switched-off
    rule or a full daily cap leaves the opinion standing, uncredited (its own savepoint)."""
    try:
        with transaction.atomic():
            points.credit(
                actor=POINTS_ACTOR,
                resident=opinion.resident,
                kind="opinion_given",
                ref=f"opinion-{opinion.pk}",
                reason=gettext("opinion on %(title)s") % {"title": opinion.matter.title[:40]},
                at=opinion.at,
            )
    except (Conflict, BadInput):
        return False
    return True
