"""The grid worker's phone pages (网格员, /m/): my grids and my tasks, the case page with the actions
this worker may take now, and a report form that works offline (the report waits in the phone and is
sent once when the network is back). Installable as a PWA: a manifest and a small service worker.

Like the department queue, the pages call the same selectors and services as the API; the forms
shown are exactly the actions `staff_view` says this actor may take now.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from gridgov.cases import permissions, reads
from gridgov.cases import photos as case_photos_rule
from gridgov.cases import selectors as case_selectors
from gridgov.core.errors import BadInput, GridgovError
from gridgov.grids.models import Grid
from gridgov.people.actors import Actor
from gridgov.people.selectors import unit_names
from gridgov.web.actions import MAX_PHOTOS, Refusal, case_refusal, handle_posted_action
from gridgov.web.casefile import STATUS_WORDS, deadlines_in_words, timeline
from gridgov.web.media import evidence
from gridgov.web.report_form import report_endpoints, report_strings

GRID_ROLES = ("grid_worker", "grid_leader")
STATIC_DIR = Path(__file__).resolve().parent / "static" / "web"
PAGE_ACTIONS = ("accept", "resolve", "verify", "escalate", "return")
ACTION_WORDS = {
    "accept": gettext_lazy("Sign for the case"),
    "resolve": gettext_lazy("Report the result"),
    "verify": gettext_lazy("Check the fix on site"),
    "escalate": gettext_lazy("Escalate to the level above"),
    "return": gettext_lazy("Return the case"),
}
DONE_WORDS = {
    "accept": gettext_lazy("The case is signed for."),
    "resolve": gettext_lazy("The result was reported; the case waits for the check."),
    "verify": gettext_lazy("The check is recorded."),
    "escalate": gettext_lazy("The case was escalated to the level above."),
    "return": gettext_lazy("The case was returned to the dispatcher."),
}


def _grid_scopes(actor: Actor) -> list[str]:
    return list(dict.fromkeys(scope for role, scope in actor.posts if role in GRID_ROLES and scope))


def _forbidden(request, message: str | None = None, status: int = 403):
    return render(
        request,
        "web/m/forbidden.html",
        {
            "message": message
            or _("These pages are for grid workers and grid leaders. Your account holds no such post.")
        },
        status=status,
    )


def _row(case, now) -> dict:
    info = case_selectors.summary(case, now)
    return {
        "number": case.number,
        "title": case.title,
        "status": case.status,
        "status_word": STATUS_WORDS.get(case.status, case.status),
        "grid": case.grid.name,
        "address": case.address,
        "category": case.category.name if case.category_id else "",
        "deadlines": deadlines_in_words(info["deadlines"], case),
    }


@login_required
@never_cache
def home(request):
    """我的网格 and 我的任务: the cases my grids lead, and the fixes in my grids waiting for my check."""
    actor = Actor.of(request.user)
    scopes = _grid_scopes(actor)
    if not scopes:
        return _forbidden(request)
    now = timezone.now()
    grids = {g.code: g for g in Grid.objects.filter(code__in=scopes, valid_to__isnull=True)}
    tasks: dict[str, object] = {}
    checks: dict[str, object] = {}
    for scope in scopes:
        for case in case_selectors.case_list(actor, unit=scope, status="dispatched,in_progress").select_related(
            "grid", "category"
        ):
            if case.lead_unit == scope:
                tasks[case.number] = case
        for case in (
            case_selectors.case_list(actor, grid=scope, status="resolved")
            .filter(permissions.not_resolved_by(actor))
            .select_related("grid", "category")
        ):
            checks[case.number] = case
    task_rows = sorted((_row(c, now) for c in tasks.values()), key=lambda r: (r["status"] != "dispatched", r["number"]))
    check_rows = sorted((_row(c, now) for c in checks.values()), key=lambda r: r["number"])
    context = {
        "grids": [
            {
                "code": s,
                "name": grids[s].name if s in grids else s,
                "role": next(r for r, sc in actor.posts if sc == s and r in GRID_ROLES),
            }
            for s in scopes
        ],
        "tasks": task_rows,
        "checks": check_rows,
        "home_map": {"grids": scopes, "geojson": reverse("api-v1:grid_geojson")},
    }
    return render(request, "web/m/home.html", context)


def _payload(request, action: str) -> dict:
    post = request.POST
    if action == "return":
        return {"reason": post.get("reason", "").strip()}
    if action == "escalate":
        return {"note": post.get("note", "").strip()}
    if action == "resolve":
        return {"result": post.get("result", "").strip()}
    if action == "verify":
        passed = post.get("passed", "")
        if passed not in ("yes", "no"):
            raise BadInput(_("Say whether the fix passed the check."))
        return {"passed": passed == "yes", "note": post.get("note", "").strip()}
    return {}


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def case_page(request, number: str):
    actor = Actor.of(request.user)
    if not _grid_scopes(actor):
        return _forbidden(request)
    try:
        case = case_selectors.case_for_staff(actor, number)
    except GridgovError as exc:
        return _forbidden(request, case_refusal(), exc.status)

    refusal = None
    if request.method == "POST":
        outcome = handle_posted_action(
            request,
            actor=actor,
            number=number,
            page_actions=PAGE_ACTIONS,
            payload=_payload,
            done=lambda action: str(DONE_WORDS[action]),
            case_page="web:m-case",
            queue_page="web:m",
        )
        if not isinstance(outcome, Refusal):
            return outcome
        refusal = outcome
        refusal.posted = {k: request.POST.get(k, "") for k in ("reason", "note", "result", "passed")}
        case.refresh_from_db()

    reads.record_read(actor=actor, case=case, via="m")  # a case-file reading, logged
    view = case_selectors.staff_view(case, actor)
    names = unit_names([view["lead_unit"], *view["assisting_units"]])
    events, case_photos = timeline(view, names)
    context = {
        "case": view,
        "status_word": STATUS_WORDS.get(view["status"], view["status"]),
        "deadlines": deadlines_in_words(view["deadlines"], case),
        "events": events,
        "lead_name": names.get(view["lead_unit"], view["lead_unit"]) if view["lead_unit"] else "",
        "forms": [{"action": a, "heading": ACTION_WORDS[a]} for a in PAGE_ACTIONS if a in view["actions"]],
        "refusal": refusal,
        "failed_action": refusal.action if refusal else None,
        "posted": refusal.posted if refusal else {},
        "max_photos": MAX_PHOTOS,
        "case_photos": case_photos,
        "evidence": evidence(case.number, case_photos_rule.before_and_after(case)),
    }
    return render(request, "web/m/case.html", context, status=refusal.status if refusal else 200)


def _report_strings() -> dict[str, str]:
    """The resident form's strings, plus the ones of the on-the-spot fix and the offline queue."""
    return {
        **report_strings(),
        "needResult": _("Describe the result."),
        "queued": _("No network: the report is kept on this phone and will be sent when the network is back."),
        "pending": _("Waiting to send: {count}"),
        "sent": _("Sent: case {number}"),
        "queuedFailed": _("A kept report was refused: {detail}"),
        "keptOffline": _("{name} is kept on this phone and will be sent with the report."),
    }


@login_required
@never_cache
def report(request):
    """上报 from the field, with 就地解决; kept on the phone while there is no network."""
    actor = Actor.of(request.user)
    if not _grid_scopes(actor):
        return _forbidden(request)
    config = {
        **report_endpoints(),
        "casePage": reverse("web:m-case", kwargs={"number": "NUMBER"}),
        "login": reverse("web:login"),
        "sw": reverse("web:m-sw"),
        "scope": reverse("web:m"),
        "storageKey": f"gridgov.m.outbox.{request.user.pk}",
        "lang": get_language(),
    }
    return render(request, "web/m/report.html", {"report_config": config, "report_strings": _report_strings()})


@require_GET
def service_worker(request):
    """The service worker, served under /m/ so that its scope may be /m/."""
    shell = [
        reverse("web:m"),
        reverse("web:m-report"),
        reverse("web:m-patrol"),  # web/mobile_patrol.py: the patrol opens offline too
        static("web/m-patrol.js"),
        static("web/m.css"),
        static("web/pages.css"),
        static("web/report-form.js"),
        static("web/m.js"),
        static("web/photo-store.js"),
        static("web/basemap.js"),
        static("web/basemap.css"),
        static("web/m-home.js"),
        static("vendor/leaflet/leaflet.css"),
        static("vendor/leaflet/leaflet.js"),
    ]
    text = (STATIC_DIR / "sw.js").read_text(encoding="utf-8").replace('"__SHELL__"', json.dumps(shell))
    response = HttpResponse(text, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = reverse("web:m")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request):
    """The web app manifest, with the URLs of this deployment filled in."""
    data = json.loads((STATIC_DIR / "manifest.webmanifest").read_text(encoding="utf-8"))
    data["start_url"] = data["scope"] = reverse("web:m")
    data["name"] = _("Grid worker")
    for icon in data.get("icons", []):
        icon["src"] = static(icon["src"])
    return HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/manifest+json")
