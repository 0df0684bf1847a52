"""Points earned from what happens in the layers below (积分来源), credited by `gridgov points sync` and the
demo — never called from cases or party (they are lower layers and know nothing of points).

- An accepted report (随手拍被受理): a case reported through a resident channel that was registered (立案) and
  not rejected or merged. Credited at registration, not closure: acceptance is the resident's part, and a
  slow department should not delay it; and cases.retention erases the reporter's phone a while after
  closure, after which nobody can be matched. The resident is the one whose phone has the same keyed digest
  (registry.personal.digest) as the case's decrypted reporter phone; an ambiguous phone (two residents)
  credits nobody. Idempotent by the case number.
- 党员报到 hours: a whistle answer with its hours recorded, of a party member who is also a registered
  resident (same phone digest): `volunteer_hour` × whole hours, idempotent by the answer's id.
"""

from __future__ import annotations

from gridgov.cases.models import Case, Channel, Status
from gridgov.core.errors import Conflict, GridgovError
from gridgov.party.models import WhistleAnswer
from gridgov.people.actors import Actor
from gridgov.points.models import Entry
from gridgov.points.services import Posted, credit
from gridgov.registry.models import Resident
from gridgov.registry.personal import digest, normalise_phone

RESIDENT_CHANNELS = (Channel.RESIDENT, Channel.WECHAT, Channel.HOTLINE, Channel.OPEN311)
ACCEPTED = (
    Status.REGISTERED,
    Status.DISPATCHED,
    Status.IN_PROGRESS,
    Status.SUSPENDED,
    Status.RESOLVED,
    Status.VERIFIED,
    Status.CLOSED,
    Status.EVALUATED,
)
SYNC = Actor.system("points sync")


def resident_by_phone(phone: str) -> Resident | None:
    """The one active resident with this phone (by keyed digest), or None (no phone, none, or two)."""
    try:
        value = normalise_phone(phone)
    except GridgovError:
        return None
    if not value:
        return None
    found = list(Resident.objects.filter(phone_digest=digest("phone", value), active=True).select_related("grid")[:2])
    return found[0] if len(found) == 1 else None


def credit_for_case(case: Case) -> Posted | None:
    """The accepted-report credit of `case` (once per case number), or None when it earns none."""
    if case.channel not in RESIDENT_CHANNELS or case.status not in ACCEPTED:
        return None
    resident = resident_by_phone(case.reporter_phone)
    if resident is None:
        return None
    try:
        return credit(actor=SYNC, resident=resident, kind="report_accepted", ref=case.number, reason=case.title[:60])
    except Conflict:  # the rule is off, or the resident's daily cap is reached: no points for this one
        return None


def credit_for_answer(answer: WhistleAnswer) -> Posted | None:
    """Volunteer hours of a 报到 answer (once per answer), or None when it earns none."""
    hours = int(answer.hours or 0)
    if hours < 1 or not answer.member.phone_digest:
        return None
    found = list(
        Resident.objects.filter(phone_digest=answer.member.phone_digest, active=True).select_related("grid")[:2]
    )
    if len(found) != 1:
        return None
    try:
        return credit(
            actor=SYNC,
            resident=found[0],
            kind="volunteer_hour",
            ref=f"whistle-{answer.pk}",
            reason=answer.call.title[:60],
            units=hours,
            at=answer.confirmed_at,
        )
    except Conflict:
        return None


def sync(*, within: str = "", limit: int = 5000) -> dict[str, int]:
    """Credit what is due and not yet credited (cases and whistle answers of grids under `within`): safe to
    run again and again."""
    done = set(Entry.objects.filter(source_kind="report_accepted").values_list("source_ref", flat=True))
    cases = (
        Case.objects.filter(channel__in=RESIDENT_CHANNELS, status__in=ACCEPTED, grid__code__startswith=within)
        .exclude(number__in=done)
        .order_by("id")[:limit]
    )
    counts = {"cases": 0, "hours": 0}
    for case in cases:
        posted = credit_for_case(case)
        counts["cases"] += bool(posted and posted.created)
    credited = set(Entry.objects.filter(source_kind="volunteer_hour").values_list("source_ref", flat=True))
    answers = (
        WhistleAnswer.objects.filter(hours__isnull=False, call__grid__code__startswith=within)
        .select_related("member", "call")
        .order_by("id")
    )
    for answer in answers[:limit]:
        if f"whistle-{answer.pk}" in credited:
            continue
        posted = credit_for_answer(answer)
        counts["hours"] += bool(posted and posted.created)
    return counts
