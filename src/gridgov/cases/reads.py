"""Who read which case file (案卷查阅留痕), and the auditors' review of it and of reveals (审计).

Every staff opening of one case file — the API's GET of a case, the console, /dept/ and /m/ case pages —
writes one CaseRead through `record_read`: one insert, no chain (a reading changes nothing). Lists are not
readings. Reveals of reporters' contact data stay in the audit log (action "personal_data.read", written
where they happen: cases.reveals).

Auditors (role auditor) — and administrators — review both within their scope (a grid subtree: the case's
grid, for readings and case reveals; the searcher's own posts, for phone searches). An auditor takes no
case action (no transition lists the role) and sees no contact data: reveals are shown as what was
revealed, never the values.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.cases.models import Case, CaseRead
from gridgov.core.errors import BadInput, Forbidden
from gridgov.core.models import AuditEvent
from gridgov.core.privacy import mask_phone
from gridgov.people.actors import Actor
from gridgov.people.models import Post, Unit

REVIEW_ROLES = ("auditor", "admin")
REVEAL_ACTION = "personal_data.read"


def record_read(*, actor: Actor, case: Case, via: str, at: datetime | None = None) -> CaseRead | None:
    """One staff reading of a case file; nothing for residents and the system (no person to name)."""
    if actor.user is None:
        return None
    return CaseRead.objects.create(
        case=case, user=actor.user, actor_label=actor.label, via=via, at=at or timezone.now()
    )


def review_scopes(actor: Actor) -> list[str]:
    """The grid subtrees this person reviews; Forbidden for anyone who is not an auditor or administrator."""
    scopes = sorted({s for role in REVIEW_ROLES for s in actor.scopes(role) if s and not s.startswith("D")})
    if not scopes:
        raise Forbidden(gettext("only auditors and administrators review case file readings and reveals"))
    return scopes


def _under(field: str, scopes: list[str]) -> Q:
    q = Q(pk__in=[])
    for scope in scopes:
        q |= Q(**{f"{field}__startswith": scope})
    return q


def _utc(value: datetime | None) -> datetime | None:
    """In UTC: the database refuses some offsets Python accepts (PostgreSQL: beyond ±15:59)."""
    if value is None:
        return None
    try:
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value.astimezone(UTC)
    except OverflowError:
        raise BadInput(gettext("%(value)s is out of range") % {"value": value.isoformat()}) from None


def _window(qs: QuerySet, *, since: datetime | None, until: datetime | None) -> QuerySet:
    since, until = _utc(since), _utc(until)
    if since:
        qs = qs.filter(at__gte=since)
    if until:
        qs = qs.filter(at__lt=until)
    return qs


def _user_id(username: str | None) -> int | None:
    if not username:
        return None
    found = get_user_model().objects.filter(username=username.strip()).values_list("pk", flat=True).first()
    return found if found is not None else -1  # an unknown person has read nothing


def readings(
    actor: Actor,
    *,
    user: str | None = None,
    case: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[CaseRead]:
    """Case file readings of cases in the reviewer's scope, newest first."""
    qs = CaseRead.objects.filter(_under("case__grid__code", review_scopes(actor))).select_related("case", "user")
    if (uid := _user_id(user)) is not None:
        qs = qs.filter(user_id=uid)
    if case and case.strip():
        qs = qs.filter(case__number=case.strip())
    return _window(qs, since=since, until=until).order_by("-at", "-id")


def _searchers(scopes: list[str]):
    """People holding a post within the scopes (a grid under them, or a unit of a district under them)."""
    units = Unit.objects.filter(_under("district", scopes)).values("code")
    return Post.objects.filter(_under("scope", scopes) | Q(scope__in=units)).values("user_id")


def reveals(
    actor: Actor,
    *,
    user: str | None = None,
    case: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditEvent]:
    """Reveals of reporters' contact data in the reviewer's scope, newest first: a case's reporter shown,
    by the case's grid; a search by phone, by the searcher's posts (with `case`: those that found it)."""
    scopes = review_scopes(actor)
    numbers = Case.objects.filter(_under("grid__code", scopes)).values("number")
    qs = AuditEvent.objects.filter(action=REVEAL_ACTION).filter(
        Q(object_type="case", object_id__in=numbers) | Q(object_id="", actor_id__in=_searchers(scopes))
    )
    if (uid := _user_id(user)) is not None:
        qs = qs.filter(actor_id=uid)
    if case and case.strip():
        qs = qs.filter(Q(object_id=case.strip()) | Q(data__found__icontains=f'"{case.strip()}"'))
    return _window(qs, since=since, until=until).select_related("actor").order_by("-at", "-id")


def reveal_row(event: AuditEvent) -> dict:
    """What an auditor sees of a reveal: who, when, which case(s), which fields — never the values
    (a searched phone only masked)."""
    data = event.data or {}
    searched = data.get("phone")
    return {
        "id": event.pk,
        "at": event.at,
        "user": event.actor.get_username() if event.actor_id else "",
        "as": data.get("as", ""),
        "case": event.object_id or None,
        "fields": data.get("fields", []),
        "via": data.get("via", "case"),
        "purpose": data.get("purpose"),
        "found": data.get("found", [])[:50],
        "count": data.get("count"),
        "phone": mask_phone(searched) if searched else None,
    }


def reading_row(read: CaseRead) -> dict:
    return {
        "id": read.pk,
        "at": read.at,
        "user": read.user.get_username() if read.user_id else "",
        "as": read.actor_label,
        "case": read.case.number,
        "via": read.via,
    }
