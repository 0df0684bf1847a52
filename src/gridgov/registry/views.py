"""The auditors' page of reveals of residents' data (个人信息查询记录), /registry/access-log/.

It translates only: the selector refuses anyone but an auditor and scopes the log to their grids.
"""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from gridgov.core.errors import Forbidden
from gridgov.core.timefmt import local_minute
from gridgov.people.actors import Actor
from gridgov.registry import selectors

PER_PAGE = 50


@login_required
@require_GET
def access_log_page(request):
    actor = Actor.of(request.user)
    user = request.GET.get("user", "").strip()[:40]
    try:
        qs = selectors.access_log(actor, user=user or None)
    except Forbidden as exc:
        return render(request, "registry/access_log.html", {"refusal": exc.message}, status=403)
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    rows = [{**selectors.access_row(entry), "when": local_minute(entry.at)} for entry in page.object_list]
    return render(
        request,
        "registry/access_log.html",
        {"rows": rows, "page": page, "user_filter": user, "keep": urlencode({"user": user} if user else {})},
    )
