"""Reply quality (答复质量) of our own cases: the replies to requesters (句号管理, Case.reply) scored as the 12345
office's are (assessment.replies), the weakest first, for the dispatchers, leaders and the 12345 office of an area.

A case's message is its title and description; asked at its reported_at, answered at its replied_at, the
working days counted on the live calendar (with the administrators' overrides).
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q
from django.utils.translation import gettext

from gridgov.assessment import selectors
from gridgov.assessment.replies import LIMIT_DAYS, distribution, score_reply
from gridgov.cases.models import Case
from gridgov.core.errors import Forbidden
from gridgov.core.timefmt import day_span
from gridgov.people.actors import Actor
from gridgov.worktime.calendar import current_calendar

MAX_LIMIT = 200
MAX_SCORED = 5000  # the latest replies of the range scored at most; the answer says when more were left out


def weakest_replies(actor: Actor, *, since: date, until: date, region: str | None = None, limit: int = 20) -> dict:
    """The replies given between `since` and `until` (local dates, inclusive) to cases under `region` (default:
    the actor's widest area), scored: {region, start, end, replies, scored, late, distribution, weakest}.
    403 outside the actor's scope, 404 for an unknown grid (selectors.check_may_read)."""
    region = region or selectors.home_region(actor)
    if region is None:
        raise Forbidden(gettext("sign in with a post that may see statistics of an area"))
    selectors.subject_of(region=region)
    selectors.check_may_read(actor, "region", region)
    limit = max(1, min(limit, MAX_LIMIT))
    first, last = day_span(since, until)
    cases = (
        Case.objects.filter(grid__code__startswith=region, replied_at__gte=first, replied_at__lt=last)
        .exclude(Q(reply="") | Q(replied_at__isnull=True))
        .select_related("grid")
        .order_by("-replied_at", "-id")
        .only(
            "number", "title", "description", "reply", "reported_at", "replied_at", "status", "grid__code", "grid__name"
        )
    )
    total = cases.count()
    calendar = current_calendar()
    scored = [
        (
            case,
            score_reply(case.title, case.description, case.reply, case.reported_at, case.replied_at, calendar=calendar),
        )
        for case in cases[:MAX_SCORED]
    ]
    scored.sort(key=lambda pair: (pair[1].total, pair[0].number))
    return {
        "region": region,
        "start": since.isoformat(),
        "end": until.isoformat(),
        "replies": total,
        "scored": len(scored),
        "limit_days": LIMIT_DAYS,
        "late": sum(1 for _, s in scored if s.working_days is not None and s.working_days > LIMIT_DAYS),
        "distribution": distribution(s for _, s in scored),
        "weakest": [
            {
                "number": case.number,
                "title": case.title,
                "grid": {"code": case.grid.code, "name": case.grid.name},
                "status": case.status,
                "reported_at": case.reported_at.isoformat(),
                "replied_at": case.replied_at.isoformat() if case.replied_at else None,
                "reply": " ".join(case.reply.split())[:200],
                **score.as_dict(),
            }
            for case, score in scored[:limit]
        ],
    }
