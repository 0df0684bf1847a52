"""What a signed-in resident sees of their own (我的): reports filed with their phone, the points of the registry
residents with that phone, their opinions and their community's matters. Found by keyed digests only."""

from __future__ import annotations

from django.utils import timezone

from gridgov.cases.models import Case
from gridgov.cases.phones import search_key
from gridgov.deliberation.selectors import for_resident
from gridgov.points.rules import community_of
from gridgov.points.selectors import statement_of
from gridgov.portal.services import Identity
from gridgov.registry.models import Resident

MY_CASES = 50


def my_cases(identity: Identity) -> list[dict]:
    """Reports whose reporter phone is this phone, newest first. The search key of all the digits also
    matches a longer number ending in them, so each candidate's phone is checked (only candidates decrypted)."""
    found = Case.objects.filter(reporter_phone_keys__contains=f" {identity.case_key} ").order_by("-reported_at", "-pk")
    rows = []
    for case in found[: MY_CASES * 2]:
        digits = "".join(ch for ch in case.reporter_phone or "" if ch.isdigit())
        if search_key(digits) != identity.case_key:
            continue
        rows.append(
            {
                "number": case.number,
                "title": case.title,
                "status": case.get_status_display(),
                "reported_at": timezone.localtime(case.reported_at),
            }
        )
    return rows[:MY_CASES]


def my_residents(identity: Identity) -> list[dict]:
    """Each active registry resident with this phone (a household may share one): points and deliberations."""
    found = Resident.objects.filter(phone_digest=identity.registry_digest, active=True).select_related("grid")
    return [
        {
            "points": statement_of(r, limit=50),
            "deliberation": for_resident(r.pk, community_of(r.grid.code)),
        }
        for r in found.order_by("pk")[:5]
    ]
