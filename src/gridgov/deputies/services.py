"""Every write of the 三单制 loop: 需求单 (collect) → 任务单 (claim) → settled by the deputy, or 责任单 (a case
through the one intake, channel deputy) → closed with the case → rated; and 塔式逐级反映 (escalate).

Each a keyword-only function, one transaction, one audit event; scoped by rules.py (outside the actor's
needs: 404; may read but not act: 403; the wrong state: 409)."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.cases.services import report_case
from gridgov.core import audit
from gridgov.core.errors import BadInput, Conflict, Forbidden
from gridgov.core.sequences import next_value
from gridgov.deputies import rules
from gridgov.deputies.models import Counter, Hop, Need, Rating, Reception, Source, Status
from gridgov.grids.models import Grid
from gridgov.grids.selectors import representative_point
from gridgov.people.actors import Actor
from gridgov.registry.personal import digest, mask_name, mask_phone, normalise_phone
from gridgov.visits.models import Visit
from gridgov.visits.services import check_free_text

CASE_ENDED = ("closed", "evaluated", "rejected", "merged")  # the case's loop is over: the need follows


def _log(actor: Actor, action: str, kind: str, number: str, **data) -> None:
    audit.record(
        actor=actor.user,
        action=f"deputies.{action}",
        object_type=kind,
        object_id=number,
        data={**data, "as": actor.label},
    )


def number_for(prefix: str, now: datetime) -> str:
    day = timezone.localtime(now).strftime("%Y%m%d")
    return f"{'XQ' if prefix == 'N' else 'JY'}{day}{next_value(Counter, prefix + day):04d}"


def _client_uuid(client_id) -> uuid.UUID | None:
    if not client_id:
        return None
    try:
        return uuid.UUID(str(client_id))
    except ValueError:
        raise BadInput(gettext("client_id must be a UUID made by the client")) from None


# ---- 需求单 ---------------------------------------------------------------------------------------------


def collect_need(
    *,
    actor: Actor,
    grid_code: str,
    text: str,
    source: str = "resident",
    category: str = "",
    name: str = "",
    phone: str = "",
    resident_digest: str = "",
    visit: Visit | None = None,
    reception: Reception | None = None,
    client_id: uuid.UUID | str | None = None,
    at: datetime | None = None,
) -> Need:
    """需求单: a need collected in a grid — from a resident (by staff, or by the resident signed in on /my/:
    `resident_digest` is then their phone's digest and the phone given must match it), a visit or a reception.
    `client_id`: a resend gives the first need back and writes nothing (the same id for another grid: 409)."""
    cid = _client_uuid(client_id)
    if cid is not None:
        seen = Need.objects.select_related("grid").filter(client_id=cid).first()
        if seen is not None:
            return _resent(actor, seen, grid_code, resident_digest)
    if source not in Source.values:
        raise BadInput(gettext("the source is resident, visit or reception"))
    if visit is not None:
        grid_code, source = visit.grid.code, "visit"
    if reception is not None:
        grid_code, source = grid_code or reception.station.grid.code, "reception"
    grid = Grid.objects.filter(code=grid_code or "", valid_to__isnull=True).first()
    if grid is None or (not resident_digest and not rules.may_collect(actor, grid.code)):
        raise (
            rules.not_found()
            if grid is None
            else Forbidden(gettext("needs of this grid are collected by its deputies and grid staff"))
        )
    text = check_free_text(text, gettext("the need"))
    if not text:
        raise BadInput(gettext("say what is needed"))
    name = check_free_text(name, gettext("the resident's name"))[:50]
    value = normalise_phone(phone)
    if resident_digest and digest("phone", value) != resident_digest:
        raise BadInput(gettext("give the phone you signed in with"))
    now = at or timezone.now()
    try:
        with transaction.atomic():
            need = Need.objects.create(
                number=number_for("N", now),
                client_id=cid,
                grid=grid,
                source=source,
                text=text[:2000],
                category=check_free_text(category, gettext("the category"))[:60],
                name=name,
                name_masked=mask_name(name) if name else "",
                phone=value,
                phone_digest=digest("phone", value) if value else "",
                phone_masked=mask_phone(value) if value else "",
                visit=visit,
                reception=reception,
                collected_by=actor.user,
                collected_at=now,
                status=Status.COLLECTED,
            )
            _log(actor, "collected", "need", need.number, grid=grid.code, source=source, resident=bool(resident_digest))
    except IntegrityError:
        if cid is None:
            raise
        return _resent(actor, Need.objects.select_related("grid").get(client_id=cid), grid_code, resident_digest)
    return need


def _resent(actor: Actor, need: Need, grid_code: str, resident_digest: str) -> Need:
    same_sender = need.collected_by_id == getattr(actor.user, "pk", None) and (
        not resident_digest or need.phone_digest == resident_digest
    )
    if not same_sender or (grid_code and need.grid.code != grid_code):
        raise Conflict(gettext("this client id was used for another need"))
    return need


def _locked(actor: Actor, number: str) -> Need:
    need = (
        Need.objects.select_for_update(of=("self",))
        .select_related("grid", "case")
        .filter(pk__in=Need.objects.filter(rules.visible(actor)).values("pk"), number=number)
        .first()
    )
    if need is None:
        raise rules.not_found()
    return need


def claim(*, actor: Actor, number: str) -> Need:
    """认领: a deputy of the grid, of the need's level or higher, takes it as their 任务单."""
    with transaction.atomic():
        need = _locked(actor, number)
        if not rules.may_claim(actor, need):
            raise Forbidden(gettext("only the deputies of this grid at the need's level or higher claim it"))
        if need.status != Status.COLLECTED:
            raise Conflict(gettext("this need was claimed already"))
        need.status, need.deputy, need.claimed_at = Status.CLAIMED, actor.user, timezone.now()
        need.save(update_fields=["status", "deputy", "claimed_at"])
        _log(actor, "claimed", "need", need.number, level=need.level)
    return need


def _task(actor: Actor, number: str) -> Need:
    need = _locked(actor, number)
    if not rules.may_work(actor, need):
        raise Forbidden(gettext("only the deputy who claimed this task acts on it"))
    if need.status != Status.CLAIMED:
        raise Conflict(gettext("this need is not a task in hand: it is %(s)s") % {"s": Status(need.status).label})
    return need


def settle(*, actor: Actor, number: str, result: str) -> Need:
    """办结: the deputy settled it themselves; the result is what the resident is told."""
    result = check_free_text(result, gettext("the result"))
    if not result:
        raise BadInput(gettext("say how it was settled"))
    with transaction.atomic():
        need = _task(actor, number)
        now = timezone.now()
        need.status, need.result, need.settled_at, need.closed_at = Status.CLOSED, result[:2000], now, now
        need.save(update_fields=["status", "result", "settled_at", "closed_at"])
        _log(actor, "settled", "need", need.number)
    return need


def to_case(*, actor: Actor, number: str, title: str = "", category: str | None = None, address: str = "") -> Need:
    """责任单: the task becomes a case for a government unit, through the one intake on the deputy channel
    (the category routes it). Idempotent: the intake's key is the need's number, so a retry finds the case."""
    with transaction.atomic():
        need = _task(actor, number)
        point = representative_point(need.grid.code)
        if point is None:
            raise Conflict(gettext("the need's grid has no boundary to place a case in"))
        intake = report_case(
            actor=actor,
            title=check_free_text(title, gettext("the title"))[:200] or need.text[:60],
            description=need.text,
            lon=point[0],
            lat=point[1],
            category=category or None,
            channel="deputy",
            reporter_name=need.name,
            reporter_phone=need.phone,
            address=address,
            idempotency_key=f"deputies-need-{need.number}",
        )
        need.status, need.case = Status.CASE, intake.case
        need.save(update_fields=["status", "case"])
        _log(actor, "to_case", "need", need.number, case=intake.case.number)
    return need


def escalate(*, actor: Actor, number: str, reason: str) -> Need:
    """塔式逐级反映: up one level above the escalating deputy's; the claim is cleared for that level's deputies."""
    reason = check_free_text(reason, gettext("the reason"))
    if not reason:
        raise BadInput(gettext("say why it cannot be settled at this level"))
    with transaction.atomic():
        need = _task(actor, number)
        here = rules.level_of(actor.user)
        up = rules.next_level(here)
        if up is None:
            raise Conflict(gettext("national deputies are the top level: nothing to escalate to"))
        now = timezone.now()
        Hop.objects.create(need=need, from_deputy=actor.user, from_level=here, to_level=up, reason=reason[:300], at=now)
        need.status, need.level, need.deputy, need.claimed_at = Status.COLLECTED, up, None, None
        need.save(update_fields=["status", "level", "deputy", "claimed_at"])
        _log(actor, "escalated", "need", need.number, from_level=here, to_level=up)
    return need


def follow_cases(*, actor: Actor | None = None) -> int:
    """The needs whose case ended are closed at the case's closing time; the number closed."""
    actor = actor or Actor.system("deputies follow cases")
    done = 0
    with transaction.atomic():
        for need in (
            Need.objects.select_for_update(of=("self",))
            .select_related("case")
            .filter(status=Status.CASE, case__status__in=CASE_ENDED)
        ):
            need.status = Status.CLOSED
            need.closed_at = need.case.closed_at or need.case.updated_at
            need.save(update_fields=["status", "closed_at"])
            done += 1
        if done:
            _log(actor, "followed", "need", "", closed=done)
    return done


def rate(*, actor: Actor, number: str, rating: str, resident_digest: str = "") -> Need:
    """回访评价: the resident (signed in: their phone's digest is the need's) or the task's deputy after a
    call-back (回访) rates a closed need: 满意/基本满意/不满意; the loop is closed. Once."""
    if rating not in Rating.values:
        raise BadInput(gettext("the rating is satisfied, basically_satisfied or dissatisfied"))
    with transaction.atomic():
        if resident_digest:
            need = (
                Need.objects.select_for_update(of=("self",))
                .select_related("case", "grid")
                .filter(number=number, phone_digest=resident_digest)
                .first()
            )
            if need is None:
                raise rules.not_found()
            by = "resident"
        else:
            need = _locked(actor, number)
            if need.deputy_id != getattr(actor.user, "pk", None) and not actor.is_admin:
                raise Forbidden(gettext("the resident, or the deputy who handled it, rates a need"))
            by = "deputy"
        if need.status == Status.CASE and need.case and need.case.status in CASE_ENDED:
            need.status, need.closed_at = Status.CLOSED, need.case.closed_at or need.case.updated_at
        if need.status == Status.RATED:
            raise Conflict(gettext("this need was rated already"))
        if need.status != Status.CLOSED:
            raise Conflict(gettext("a need is rated once it is closed"))
        need.status, need.rating, need.rated_by, need.rated_at = Status.RATED, rating, by, timezone.now()
        need.save(update_fields=["status", "rating", "rated_by", "rated_at", "closed_at"])
        _log(actor, "rated", "need", need.number, rating=rating, by=by)
    return need
