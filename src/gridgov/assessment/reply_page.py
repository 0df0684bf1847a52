"""The page of reply quality (答复质量): the weakest replies to requesters of an area, for the 12345 office,
dispatchers and leaders — the figures of `GET /api/v1/stats/replies` laid out (assessment.reply_cases)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from gridgov.assessment import reply_cases, selectors
from gridgov.assessment.views import _not_for_you, _refusal_for, _stats_actor, percent
from gridgov.core.dbrouter import reads_replica
from gridgov.core.errors import GridgovError

PAGE_LIMIT = 50


@login_required
@require_GET
@reads_replica
def reply_quality(request):
    actor = _stats_actor(request)
    if actor is None:
        return _not_for_you(request)
    try:
        start, end = selectors.parse_range(request.GET.get("start"), request.GET.get("end"))
        out = reply_cases.weakest_replies(
            actor, since=start, until=end, region=request.GET.get("region") or None, limit=PAGE_LIMIT
        )
    except GridgovError as exc:
        return _refusal_for(request, exc)
    here = selectors.region_path(out["region"])[-1]
    rows = [
        {
            **row,
            "url": reverse("web:console-case", args=[row["number"]]),
            "parts": [percent(row[p]) for p in ("relevance", "completeness", "timeliness")],
        }
        for row in out["weakest"]
    ]
    query = urlencode({"region": out["region"], "start": start.isoformat(), "end": end.isoformat()})
    context = {
        "region": here,
        "start": start,
        "end": end,
        "figures": out,
        "rows": rows,
        "api_url": reverse("api-v1:replies") + "?" + query,
        "dashboard_url": reverse("assessment:dashboard") + "?" + query,
    }
    return render(request, "assessment/replies.html", context)
