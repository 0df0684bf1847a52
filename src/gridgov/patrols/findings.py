"""巡查发现: a problem found on a patrol becomes a case through the one intake (cases.services.report_case,
channel `patrol`), or is solved on the spot in the same step (就地解决), and the patrol is recorded as
the case's source (PatrolFinding) in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from django.db import transaction
from django.utils.translation import gettext

from gridgov.cases.models import Channel
from gridgov.cases.services import Intake, report_case
from gridgov.core import audit
from gridgov.core.errors import Conflict, NotFound
from gridgov.patrols.models import PatrolFinding, PatrolSession
from gridgov.people.actors import Actor


@dataclass(frozen=True)
class Found:
    finding: PatrolFinding
    intake: Intake  # intake.created False: a resent finding (same Idempotency-Key) got the first case


def report_finding(
    *,
    actor: Actor,
    session: PatrolSession,
    title: str,
    lon: float,
    lat: float,
    description: str = "",
    crs: str = "wgs84",
    category: str | None = None,
    photos: list[str] | None = None,
    resolved: dict | None = None,
    address: str = "",
    idempotency_key: str | None = None,
) -> Found:
    """Open a case from a patrol (with `resolved={"result": …}`: already solved on the spot)."""
    if actor.user is None or session.worker_id != actor.user.pk:  # type: ignore[attr-defined]
        raise NotFound(gettext("no such patrol of yours"))
    with transaction.atomic():
        intake = report_case(
            actor=actor,
            title=title,
            description=description,
            lon=lon,
            lat=lat,
            crs=crs,
            category=category,
            channel=cast(str, Channel.PATROL),  # a str; mypy reads TextChoices members as tuples
            photos=photos,
            resolved=resolved,
            address=address,
            idempotency_key=idempotency_key,
        )
        finding, created = PatrolFinding.objects.get_or_create(
            case=intake.case, defaults={"session": session, "on_spot": resolved is not None}
        )
        if finding.session_id != session.pk:
            raise Conflict(gettext("this Idempotency-Key was used for a finding of another patrol"))
        if created:
            audit.record(
                actor=actor.user,
                action="patrol.finding",
                object_type="patrol_session",
                object_id=str(session.client_id),
                data={"case": intake.case.number, "on_spot": finding.on_spot, "as": actor.label},
            )
    return Found(finding, intake)
