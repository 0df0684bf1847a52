"""Every write of campaigns (专项排查) and covert inspections (暗访), docs/architecture.md.

Each function checks the actor's role and scope (campaigns.rules), writes in one transaction with one
audit event. Phones make the ids of what they send (`client_id`): a resend returns what was written first
and writes nothing; the same id from another person is a Conflict. A problem found becomes a case
through the one intake (cases.services.report_case) in the same transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import shapely
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.campaigns import rules
from gridgov.campaigns.models import (
    Campaign,
    CampaignStatus,
    CampaignTarget,
    ChecklistItem,
    CheckResult,
    Kind,
    Outcome,
)
from gridgov.cases.services import report_case
from gridgov.cases.services.inputs import check_photos
from gridgov.core import audit
from gridgov.core.device_time import device_time
from gridgov.core.errors import BadInput, Conflict
from gridgov.core.text import clean_text
from gridgov.grids.models import Grid
from gridgov.grids.selectors import current_geometries
from gridgov.people.actors import Actor

MAX_ITEMS = 50
MAX_NOTE = 2000


@dataclass(frozen=True)
class Saved:
    obj: Any  # Campaign, CheckResult or CovertFinding
    created: bool  # False: a resend of what was written already (nothing written)


def client_uuid(value: object) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise BadInput(gettext("the id must be a UUID made by the client")) from None


def moment(at: datetime | None) -> datetime:
    return device_time(at, gettext("the time"))


def resent(actor: Actor, obj, owner_id: int) -> Saved:
    if owner_id != getattr(actor.user, "pk", None):
        raise Conflict(gettext("this id was used by someone else: the client must make a new one"))
    return Saved(obj, False)


def create_campaign(
    *,
    actor: Actor,
    client_id: uuid.UUID | str,
    title: str,
    kind: str,
    grid: Grid,
    start_date: date,
    due_date: date,
    items: list[dict],
) -> Saved:
    """Create a campaign (专项排查) in draft with its checklist; items are {text, needs_photo?, needs_note?}."""
    cid = client_uuid(client_id)
    seen = Campaign.objects.filter(client_id=cid).first()
    if seen is not None:
        return resent(actor, seen, seen.created_by_id)
    rules.require_campaign_admin(actor, grid.code)
    if grid.level > 1 or not grid.is_active:
        raise BadInput(gettext("a campaign is pushed down from a district or a street (a 6- or 9-digit code)"))
    if kind not in Kind.values:
        raise BadInput(gettext("kind must be one of %(known)s") % {"known": ", ".join(Kind.values)})
    title = clean_text(title, gettext("the title"), limit=100, required=True)
    if due_date < start_date:
        raise BadInput(gettext("the due date must not lie before the start date"))
    if not 1 <= len(items) <= MAX_ITEMS:
        raise BadInput(gettext("a checklist has 1 to %(n)d items") % {"n": MAX_ITEMS})
    lines = []
    for n, item in enumerate(items, 1):
        what = gettext("checklist item %(n)d") % {"n": n}
        text = clean_text(item.get("text") if isinstance(item, dict) else None, what, limit=200, required=True)
        lines.append((text, bool(item.get("needs_photo")), bool(item.get("needs_note"))))
    try:
        with transaction.atomic():
            campaign = Campaign.objects.create(
                client_id=cid,
                title=title,
                kind=kind,
                grid=grid,
                start_date=start_date,
                due_date=due_date,
                created_by=actor.user,
                created_at=timezone.now(),
            )
            ChecklistItem.objects.bulk_create(
                ChecklistItem(campaign=campaign, position=n, text=t, needs_photo=p, needs_note=o)
                for n, (t, p, o) in enumerate(lines, 1)
            )
            audit.record(
                actor=actor.user,
                action="campaign.created",
                object_type="campaign",
                object_id=str(cid),
                data={"grid": grid.code, "kind": kind, "items": len(lines), "as": actor.label},
            )
    except IntegrityError:
        seen = Campaign.objects.filter(client_id=cid).first()
        if seen is None:
            raise
        return resent(actor, seen, seen.created_by_id)
    return Saved(campaign, True)


def _locked(campaign: Campaign) -> Campaign:
    return Campaign.objects.select_for_update().select_related("grid").get(pk=campaign.pk)


def start_campaign(*, actor: Actor, campaign: Campaign, at: datetime | None = None) -> Saved:
    """下发: push a draft campaign to every current 三级网格 under its grid (one target each). Starting a
    running campaign again changes nothing."""
    rules.require_campaign_admin(actor, campaign.grid.code)
    at = moment(at)
    with transaction.atomic():
        campaign = _locked(campaign)
        if campaign.status == CampaignStatus.RUNNING:
            return Saved(campaign, False)
        if campaign.status != CampaignStatus.DRAFT:
            raise Conflict(gettext("this campaign is closed: create a new one"))
        grids = list(
            Grid.objects.filter(level=3, valid_to__isnull=True, code__startswith=campaign.grid.code).order_by("code")
        )
        if not grids:
            raise Conflict(
                gettext("there is no 三级网格 under %(grid)s to push the campaign to") % {"grid": campaign.grid.code}
            )
        CampaignTarget.objects.bulk_create(CampaignTarget(campaign=campaign, grid=g, pushed_at=at) for g in grids)
        campaign.status, campaign.started_at = CampaignStatus.RUNNING, at
        campaign.save(update_fields=["status", "started_at"])
        audit.record(
            actor=actor.user,
            action="campaign.started",
            object_type="campaign",
            object_id=str(campaign.client_id),
            data={"targets": len(grids), "as": actor.label},
        )
    return Saved(campaign, True)


def close_campaign(*, actor: Actor, campaign: Campaign, at: datetime | None = None) -> Saved:
    """收官: close a running campaign; its results stay. Closing a closed one changes nothing."""
    rules.require_campaign_admin(actor, campaign.grid.code)
    at = moment(at)
    with transaction.atomic():
        campaign = _locked(campaign)
        if campaign.status == CampaignStatus.CLOSED:
            return Saved(campaign, False)
        if campaign.status != CampaignStatus.RUNNING:
            raise Conflict(gettext("this campaign has not started: start it first, or leave the draft"))
        campaign.status, campaign.closed_at = CampaignStatus.CLOSED, at
        campaign.save(update_fields=["status", "closed_at"])
        audit.record(
            actor=actor.user,
            action="campaign.closed",
            object_type="campaign",
            object_id=str(campaign.client_id),
            data={"as": actor.label},
        )
    return Saved(campaign, True)


def grid_point(code: str) -> tuple[float, float]:
    """A WGS-84 point inside a grid: where a problem is filed when the phone sends no point."""
    geom = current_geometries([code]).get(code)
    if geom is None:
        raise BadInput(gettext("a problem needs a point (lon, lat): grid %(grid)s has no boundary") % {"grid": code})
    point = shapely.point_on_surface(geom)
    return point.x, point.y


def record_result(
    *,
    actor: Actor,
    client_id: uuid.UUID | str,
    target: CampaignTarget,
    item: ChecklistItem,
    outcome: str,
    note: str = "",
    photos: list[str] | None = None,
    problem: dict | None = None,
    at: datetime | None = None,
) -> Saved:
    """排查结果: tick a checklist item of a grid as ok, or report a problem. A problem is {title?, description?,
    lon?, lat?, crs?, category?, resolved?: {result}}: it becomes a case (filed at the grid when it has no
    point), or with `resolved` one solved on the spot (就地解决, the grid's worker only)."""
    cid = client_uuid(client_id)
    seen = CheckResult.objects.filter(client_id=cid).first()
    if seen is not None:
        return resent(actor, seen, seen.worker_id)
    rules.require_result(actor, target.grid.code)
    campaign = target.campaign
    if item.campaign_id != campaign.pk:
        raise BadInput(gettext("this checklist item belongs to another campaign"))
    if campaign.status != CampaignStatus.RUNNING:
        raise Conflict(gettext("this campaign is not running: results are recorded while it runs"))
    if outcome not in Outcome.values:
        raise BadInput(gettext("outcome must be ok or problem"))
    at = moment(at)
    note = clean_text(note, gettext("the note"), limit=MAX_NOTE, required=item.needs_note)
    photos = check_photos(photos)
    if item.needs_photo and not photos and not (problem or {}).get("photos"):
        raise BadInput(gettext("this item needs a photo: take one and send it with the result"))
    if outcome == Outcome.PROBLEM and not isinstance(problem, dict):
        raise BadInput(gettext("a problem needs its description: what was found, and where"))
    if outcome == Outcome.OK and problem:
        raise BadInput(gettext("an ok result has no problem: send outcome problem to report one"))
    done = CheckResult.objects.filter(target=target, item=item).select_related("worker").first()
    if done is not None:
        raise Conflict(
            gettext(
                "item %(n)d of grid %(grid)s was recorded already by %(who)s: report anything found since as a new case"
            )
            % {"n": item.position, "grid": target.grid.code, "who": done.worker.get_username()}
        )
    try:
        with transaction.atomic():
            case = _open_case(actor, target, item, problem, note, photos, at) if problem else None
            result = CheckResult.objects.create(
                client_id=cid,
                target=target,
                item=item,
                worker=actor.user,
                outcome=outcome,
                note=note,
                photos=photos,
                case=case,
                on_spot=bool(problem and problem.get("resolved")),
                at=at,
            )
            audit.record(
                actor=actor.user,
                action="campaign.result",
                object_type="campaign",
                object_id=str(campaign.client_id),
                data={
                    "grid": target.grid.code,
                    "item": item.position,
                    "outcome": outcome,
                    "case": case.number if case else None,
                    "as": actor.label,
                },
            )
    except IntegrityError:
        # a second request with this id (or for this item) won the race
        seen = CheckResult.objects.filter(client_id=cid).first()
        if seen is not None:
            return resent(actor, seen, seen.worker_id)
        raise Conflict(gettext("this item was recorded meanwhile by someone else: reload the checklist")) from None
    return Saved(result, True)


def _open_case(actor: Actor, target: CampaignTarget, item: ChecklistItem, problem: dict, note, photos, at):
    lon, lat, crs = problem.get("lon"), problem.get("lat"), problem.get("crs") or "wgs84"
    if lon is None or lat is None:
        (lon, lat), crs = grid_point(target.grid.code), "wgs84"
    title = clean_text(problem.get("title") or item.text, gettext("the problem's title"), limit=200)
    description = clean_text(problem.get("description") or note, gettext("the problem's description"), limit=5000)
    intake = report_case(
        actor=actor,
        title=title,
        description=f"{target.campaign.title} · {item.position}. {item.text}\n{description}".strip(),
        lon=lon,
        lat=lat,
        crs=crs,
        category=problem.get("category"),
        photos=list(dict.fromkeys([*photos, *(problem.get("photos") or [])])),
        resolved=problem.get("resolved"),
        at=at,
    )
    if not intake.case.grid.code.startswith(target.grid.code):
        raise BadInput(
            gettext("the problem's point lies in grid %(found)s, outside grid %(grid)s: check the place")
            % {"found": intake.case.grid.code, "grid": target.grid.code}
        )
    return intake.case
