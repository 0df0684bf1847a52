"""暗访发现: a covert inspection team (暗访组) records a problem found in a street; it always opens a case
through the one intake (cases.services.report_case, channel supervisor), routed as every case is, and the
finding counts in the street ranking (selectors.street_ranking). One transaction, one audit event; the
phone makes the finding's id, so a resend writes nothing."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import cast

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from gridgov.campaigns import rules
from gridgov.campaigns.models import Campaign, CovertFinding
from gridgov.campaigns.services import Saved, client_uuid, moment, resent
from gridgov.cases.models import Channel
from gridgov.cases.services import report_case
from gridgov.core import audit
from gridgov.core.errors import BadInput
from gridgov.core.geo import CoordinateError, point_to_wgs84
from gridgov.core.text import clean_text
from gridgov.grids.locator import current_locator
from gridgov.grids.models import Grid
from gridgov.people.actors import Actor


def record_finding(
    *,
    actor: Actor,
    client_id: uuid.UUID | str,
    category: str,
    title: str,
    lon: float,
    lat: float,
    crs: str = "wgs84",
    description: str = "",
    photos: list[str] | None = None,
    found_at: datetime | None = None,
    campaign: Campaign | None = None,
) -> Saved:
    """暗访发现: a covert inspection finds a problem in a street; it always opens a case (channel supervisor),
    routed as every case is."""
    cid = client_uuid(client_id)
    seen = CovertFinding.objects.filter(client_id=cid).first()
    if seen is not None:
        return resent(actor, seen, seen.inspector_id)
    rules.signed_in(actor)
    try:
        x, y = point_to_wgs84(float(lon), float(lat), crs)
    except CoordinateError as exc:
        raise BadInput(str(exc)) from exc
    except (TypeError, ValueError) as exc:
        raise BadInput(gettext("longitude and latitude must be numbers")) from exc
    code = current_locator().locate(x, y)
    if code is None or len(code) < 15:
        raise BadInput(gettext("the point lies outside every grid: check the place and the coordinate system"))
    rules.require_finding(actor, code[:9])
    category = clean_text(category, gettext("the problem kind"), limit=60, required=True)
    title = clean_text(title, gettext("the problem"), limit=200, required=True)
    found_at = moment(found_at)
    if campaign is not None and not code.startswith(campaign.grid.code):
        raise BadInput(gettext("this point lies outside the campaign's area"))
    label = gettext("Covert inspection")  # in the case's description, in the language of the inspector
    try:
        with transaction.atomic():
            intake = report_case(
                actor=actor,
                title=title,
                description=f"{label} · {category}\n{description}".strip(),
                lon=x,
                lat=y,
                channel=cast(str, Channel.SUPERVISOR),
                photos=photos,
                at=found_at,
            )
            grid = intake.case.grid
            finding = CovertFinding.objects.create(
                client_id=cid,
                inspector=actor.user,
                street=Grid.objects.get(code=grid.code[:9]),
                grid=grid,
                category=category,
                title=title,
                lon=x,
                lat=y,
                found_at=found_at,
                campaign=campaign,
                case=intake.case,
            )
            audit.record(
                actor=actor.user,
                action="covert.finding",
                object_type="covert_finding",
                object_id=str(cid),
                data={"street": grid.code[:9], "grid": grid.code, "case": intake.case.number, "as": actor.label},
            )
    except IntegrityError:
        seen = CovertFinding.objects.filter(client_id=cid).first()
        if seen is None:
            raise
        return resent(actor, seen, seen.inspector_id)
    return Saved(finding, True)
