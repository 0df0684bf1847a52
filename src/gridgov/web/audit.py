"""审计 (/audit/): auditors and administrators review who opened which case file and who saw reporters'
contact data, within their scope (cases.reads). Read-only; filterable by person, case and dates."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from gridgov.cases import reads
from gridgov.core.errors import Forbidden
from gridgov.core.timefmt import local_second
from gridgov.people.actors import Actor
from gridgov.web import partials

PER_PAGE = 50
VIA_NAMES = {"api": "API", "console": "指挥中心", "dept": "部门", "m": "移动端", "admin": "管理后台"}


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value.strip()) if value and len(value) <= 10 else None
    except ValueError:
        return None


def _start(day: date | None) -> datetime | None:
    return timezone.make_aware(datetime.combine(day, time.min)) if day else None


@partials.staff_login_required
@never_cache
@require_GET
def audit_page(request):
    actor = Actor.of(request.user)
    try:
        reads.review_scopes(actor)
    except Forbidden as exc:
        return render(request, "web/audit.html", {"refusal": exc.message}, status=403)
    show = "reveals" if request.GET.get("show") == "reveals" else "reads"
    filters = {k: request.GET.get(k, "").strip()[:40] for k in ("user", "case", "since", "until")}
    since, until = _day(filters["since"]), _day(filters["until"])
    query = {
        "user": filters["user"] or None,
        "case": filters["case"] or None,
        "since": _start(since),
        "until": _start(until + timedelta(days=1)) if until else None,
    }  # `until` is a whole day
    if show == "reads":
        qs, row = reads.readings(actor, **query), reads.reading_row
    else:
        qs, row = reads.reveals(actor, **query), reads.reveal_row
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    rows = []
    for item in map(row, page.object_list):
        item["when"] = local_second(item["at"])
        item["via_name"] = VIA_NAMES.get(item.get("via"), item.get("via") or "")
        rows.append(item)
    keep = urlencode({k: v for k, v in {"show": show, **filters}.items() if v})
    return render(
        request,
        "web/audit.html",
        {
            "show": show,
            "filters": filters,
            "rows": rows,
            "page": page,
            "keep": keep,
            "title": _("Case file readings") if show == "reads" else _("Reveals of contact data"),
        },
    )
