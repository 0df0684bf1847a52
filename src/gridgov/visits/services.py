"""Every write of a household visit (入户走访), docs/architecture.md §8.

`record_visit` writes the visit, the residents seen and its findings (each a case through the one
intake, cases.services.report_case, or solved on the spot) in one transaction with one audit event. The
phone makes the visit's id: a resend returns the first visit and writes nothing; the same id from
another person is a Conflict.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from gridgov.cases.services import report_case
from gridgov.core import audit
from gridgov.core.device_time import device_time
from gridgov.core.errors import BadInput, Conflict
from gridgov.people.actors import Actor
from gridgov.registry.models import Address, Household
from gridgov.visits.models import Purpose, Visit, VisitFinding
from gridgov.visits.rules import visit_scope

MAX_NOTES = 2000
MAX_FINDINGS = 20
# Personal numbers never go into free text (个人信息保护法): they live encrypted on the resident's record.
# Digits split by spaces or hyphens ("138 1234 5678") are joined before looking.
_ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_SPLIT_DIGITS = re.compile(r"(?<=\d)[\s\-]+(?=\d)")


@dataclass(frozen=True)
class Recorded:
    visit: Visit
    created: bool  # False: a resend of a visit already recorded (nothing written)


def check_free_text(value: str, what: str) -> str:
    """`value` stripped; BadInput when it holds an ID number (18 digits) or a mobile number (11 digits)."""
    value = (value or "").strip()
    joined = _SPLIT_DIGITS.sub("", value)
    if _ID_NUMBER.search(joined):
        raise BadInput(
            gettext("%(what)s must not contain an ID number: residents' ID numbers are kept on their record only")
            % {"what": what}
        )
    if _MOBILE.search(joined):
        raise BadInput(
            gettext("%(what)s must not contain a phone number: residents' phones are kept on their record only")
            % {"what": what}
        )
    return value


def household_point(household: Household) -> tuple[float, float] | None:
    """The WGS-84 point of the household's address, or of the nearest level above it that has one."""
    address: Address | None = household.address
    while address is not None:
        if address.lon is not None and address.lat is not None:
            return address.lon, address.lat
        address = address.parent
    return None


def _client_id(value: object) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise BadInput(gettext("the visit's id must be a UUID made by the phone")) from None


def record_visit(
    *,
    actor: Actor,
    client_id: uuid.UUID | str,
    household: Household,
    purpose: str = "visit",  # Purpose.VISIT
    at: datetime | None = None,
    people_seen: int = 0,
    resident_ids: list[int] | None = None,
    notes: str = "",
    findings: list[dict] | None = None,
) -> Recorded:
    """入户走访: record a visit to a household in the actor's grids (404 elsewhere), with the problems found.

    A finding is {title, description?, lon?, lat?, crs?, category?, photos?, address?, resolved?}; without a
    point it is filed at the household's address point; with `resolved={"result": …}` it was solved on
    the spot (就地解决, the grid's worker only, as cases.services.report_case rules).
    """
    cid = _client_id(client_id)
    seen = Visit.objects.filter(client_id=cid).first()
    if seen is not None:
        return _resent(actor, seen)
    grid = household.grid
    scope = visit_scope(actor, grid.code)
    if not household.active:
        raise Conflict(gettext("this household was retired from the registry"))
    if purpose not in Purpose.values:
        raise BadInput(gettext("purpose must be one of %(known)s") % {"known": ", ".join(Purpose.values)})
    at = device_time(at, gettext("the time of the visit"))
    notes = check_free_text(notes, gettext("the notes"))
    if len(notes) > MAX_NOTES:
        raise BadInput(gettext("the notes are limited to %(n)d characters") % {"n": MAX_NOTES})
    ids = sorted(set(resident_ids or []))
    residents = list(household.residents.filter(pk__in=ids, active=True))
    if len(residents) != len(ids):
        raise BadInput(gettext("the residents seen must live in this household"))
    if not 0 <= people_seen <= 999 or people_seen < len(ids):
        raise BadInput(gettext("the people seen must be at least the residents named (and at most 999)"))
    findings = findings or []
    if len(findings) > MAX_FINDINGS:
        raise BadInput(gettext("at most %(n)d findings per visit") % {"n": MAX_FINDINGS})
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                client_id=cid,
                household=household,
                visitor=actor.user,
                grid=grid,
                scope=scope,
                purpose=purpose,
                at=at,
                people_seen=people_seen,
                notes=notes,
            )
            visit.residents.set(residents)
            numbers = [_open_case(actor, visit, finding, n) for n, finding in enumerate(findings, 1)]
            audit.record(
                actor=actor.user,
                action="visit.recorded",
                object_type="visit",
                object_id=str(cid),
                data={
                    "household": household.pk,
                    "grid": grid.code,
                    "purpose": purpose,
                    "people_seen": people_seen,
                    "cases": numbers,
                    "as": actor.label,
                },
            )
    except IntegrityError:
        # the same id raced in from a second request that won: answer as a resend of it
        seen = Visit.objects.filter(client_id=cid).first()
        if seen is None:
            raise
        return _resent(actor, seen)
    return Recorded(visit, True)


def _resent(actor: Actor, visit: Visit) -> Recorded:
    if visit.visitor_id != getattr(actor.user, "pk", None):
        raise Conflict(gettext("this visit id was used by someone else: the phone must make a new one"))
    return Recorded(visit, False)


def _open_case(actor: Actor, visit: Visit, finding: dict, n: int) -> str:
    what = gettext("finding %(n)d") % {"n": n}
    if not isinstance(finding, dict) or not str(finding.get("title") or "").strip():
        raise BadInput(gettext("%(what)s needs a title") % {"what": what})
    title = check_free_text(str(finding["title"]), what)
    description = check_free_text(str(finding.get("description") or ""), what)
    lon, lat, crs = finding.get("lon"), finding.get("lat"), finding.get("crs") or "wgs84"
    if lon is None or lat is None:
        point = household_point(visit.household)
        if point is None:
            raise BadInput(
                gettext("%(what)s needs a point (lon, lat): the household's address has none") % {"what": what}
            )
        (lon, lat), crs = point, "wgs84"
    intake = report_case(
        actor=actor,
        title=title,
        description=description,
        lon=lon,
        lat=lat,
        crs=crs,
        category=finding.get("category"),
        photos=finding.get("photos"),
        resolved=finding.get("resolved"),
        address=str(finding.get("address") or visit.household.address.full_text)[:200],
    )
    VisitFinding.objects.create(visit=visit, case=intake.case, on_spot=finding.get("resolved") is not None)
    return intake.case.number
