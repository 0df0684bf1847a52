"""The grid worker's campaign checklists (专项排查, /m/campaigns/): for each running campaign pushed to my
grids, its items with what was recorded, and a form per open item to tick it ok or report a problem (a
case, or solved on the spot). Each form carries a result id made by the server, so a double submit records
one result. It translates only: reads `campaigns.selectors`, the write `campaigns.services.record_result`.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from gridgov.campaigns import selectors, services
from gridgov.cases.uploads import store_upload
from gridgov.core.errors import BadInput, GridgovError, NotFound
from gridgov.people.actors import Actor
from gridgov.web.mobile import _forbidden, _grid_scopes

MAX_PHOTO = 10 * 1024 * 1024


def _context(actor: Actor, error: str = "", failed: str = "") -> dict:
    targets = [{"target": t, "items": selectors.checklist(actor, t)} for t in selectors.my_targets(actor)]
    today = timezone.localdate()
    for t in targets:
        t["done"] = sum(1 for i in t["items"] if i["outcome"])
        late = (today - t["target"].campaign.due_date).days
        t["days_overdue"] = late if late > 0 and t["done"] < len(t["items"]) else 0
        for i in t["items"]:
            i["client_id"] = str(uuid.uuid4())
    return {"targets": targets, "error": error, "failed": failed, "nav": "campaigns"}


def _photos(request) -> list[str]:
    file = request.FILES.get("photo")
    if file is None:
        return []
    if file.size > MAX_PHOTO:
        raise BadInput(_("The photo is too large (at most 10 MB)."))
    return [store_upload(data=file.read(), uploaded_by=request.user).id]


@login_required
@never_cache
def campaigns_page(request):
    actor = Actor.of(request.user)
    if not _grid_scopes(actor):
        return _forbidden(request)
    if request.method != "POST":
        return render(request, "campaigns/m_checklist.html", _context(actor))
    post = request.POST
    failed = f"{post.get('target', '')}-{post.get('item', '')}"
    try:
        target = selectors.my_targets(actor).filter(pk=_int(post.get("target"))).first()
        if target is None:
            raise NotFound(_("This checklist is not among your grids' running campaigns."))
        item = target.campaign.items.filter(pk=_int(post.get("item"))).first()
        if item is None:
            raise NotFound(_("Pick an item of the checklist."))
        outcome = "problem" if post.get("outcome") == "problem" else "ok"
        problem = None
        if outcome == "problem":
            problem = {"title": post.get("problem", "").strip()[:200]}
            if post.get("fixed", "").strip():
                problem["resolved"] = {"result": post["fixed"].strip()[:2000]}
        services.record_result(
            actor=actor,
            client_id=post.get("client_id", ""),
            target=target,
            item=item,
            outcome=outcome,
            note=post.get("note", "")[:2000],
            photos=_photos(request),
            problem=problem,
        )
    except GridgovError as exc:
        return render(request, "campaigns/m_checklist.html", _context(actor, exc.message, failed), status=exc.status)
    messages.success(request, _("Recorded."))
    return redirect("web:m-campaigns")


def _int(text) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None
