"""The department queue (职能部门, /dept/): the cases a unit leads or assists, and the case page
where its handler signs for, returns, asks for more time on, or reports the result of a case.

The pages call the same selectors and services as the API; they hold no rules of their own: the
forms shown are exactly the actions `staff_view` says this actor may take now.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from gridgov.cases import photos as case_photos_rule
from gridgov.cases import reads
from gridgov.cases import selectors as case_selectors
from gridgov.core.errors import GridgovError
from gridgov.people.actors import Actor
from gridgov.people.selectors import unit_names
from gridgov.web import joint, partials
from gridgov.web.actions import MAX_PHOTOS, Refusal, case_refusal, handle_posted_action
from gridgov.web.casefile import STATUS_WORDS, deadlines_in_words, timeline
from gridgov.web.media import evidence

UNIT_ROLES = ("department_handler", "grid_worker", "grid_leader")  # posts whose scope can lead a case
QUEUE_STATUSES = "dispatched,in_progress,suspended,resolved"
GROUPS = [  # (key, statuses, heading)
    ("to_sign", {"dispatched"}, gettext_lazy("To sign")),
    ("in_hand", {"in_progress", "suspended"}, gettext_lazy("In hand")),
    ("to_check", {"resolved"}, gettext_lazy("Waiting for check")),
]
# The actions this page has forms for, in the order they are shown.
PAGE_ACTIONS = ("accept", "return", "request_extension", "site_visit", "progress", "resolve")
ACTION_WORDS = {
    "site_visit": gettext_lazy("Record the site visit"),  # 现场办: before the result, with photos
    "progress": gettext_lazy("Report progress"),  # 联动办: on the mode's schedule
    "accept": gettext_lazy("Sign for the case"),
    "return": gettext_lazy("Return the case"),
    "request_extension": gettext_lazy("Request an extension"),
    "resolve": gettext_lazy("Report the result"),
}
DONE_WORDS = {
    "site_visit": gettext_lazy("The site visit is recorded."),
    "progress": gettext_lazy("The progress report is recorded."),
    "accept": gettext_lazy("The case is signed for."),
    "return": gettext_lazy("The case was returned to the dispatcher."),
    "request_extension": gettext_lazy("The extension was requested."),
    "resolve": gettext_lazy("The result was reported; the case waits for the check."),
}


def _unit_scopes(actor: Actor) -> list[str]:
    """The unit codes this actor answers for: department handlers' units, grid staff's grids."""
    return list(dict.fromkeys(scope for role, scope in actor.posts if role in UNIT_ROLES and scope))


def _forbidden(request, message: str | None = None, status: int = 403):
    return render(
        request,
        "web/dept/forbidden.html",
        {
            "message": message
            or _(
                "This page is for the handlers of departments and units, "
                "and for grid staff. Your account holds no such post."
            )
        },
        status=status,
    )


def _units(lead: str | None, assisting: list[str], names: dict[str, str]) -> dict:
    return {
        "lead": {"code": lead, "name": names.get(lead, lead)} if lead else None,
        "assisting": [{"code": c, "name": names.get(c, c)} for c in assisting],
    }


@partials.staff_login_required
def queue(request):
    """待办: the cases the user's units lead or assist, by what they wait for. The groups refresh
    every minute through htmx: then only they are sent (the same context, the partial template)."""
    actor = Actor.of(request.user)
    scopes = _unit_scopes(actor)
    if not scopes:
        return _forbidden(request)
    now = timezone.now()
    rows: dict[str, dict] = {}
    for scope in scopes:
        for case in case_selectors.case_list(actor, unit=scope, status=QUEUE_STATUSES):
            row = rows.get(case.number)
            if row is None:
                row = rows[case.number] = {"case": case, "summary": case_selectors.summary(case, now), "mine": []}
            row["mine"].append({"code": scope, "leads": case.lead_unit == scope})
    names = unit_names(
        {c for r in rows.values() for c in [r["case"].lead_unit, *r["case"].assisting_units]} | set(scopes)
    )
    groups = []
    for key, statuses, heading in GROUPS:
        items = []
        for row in rows.values():
            case = row["case"]
            if case.status not in statuses:
                continue
            leads = any(m["leads"] for m in row["mine"])
            items.append(
                {
                    "number": case.number,
                    "title": case.title,
                    "status": case.status,
                    "status_word": STATUS_WORDS.get(case.status, case.status),
                    "grid": case.grid.name,
                    "category": case.category.name if case.category_id else "",
                    "address": case.address,
                    "deadlines": deadlines_in_words(row["summary"]["deadlines"], case),
                    "leads": leads,
                    "joint": bool(case.assisting_units),
                    **_units(case.lead_unit, case.assisting_units, names),
                    "sort": case.sign_by if key == "to_sign" else case.resolve_by,
                }
            )
        items.sort(key=lambda i: (i["sort"] is None, i["sort"] or now, i["number"]))
        groups.append({"key": key, "heading": heading, "items": items})
    context = {
        "groups": groups,
        "my_units": [{"code": s, "name": names.get(s, s)} for s in scopes],
        "total": sum(len(g["items"]) for g in groups),
    }
    return partials.render_page(request, "web/dept/queue.html", "web/dept/_groups.html", context)


def _payload(request, action: str) -> dict:
    post = request.POST
    if action == "return":
        return {"reason": post.get("reason", "").strip()}
    if action == "request_extension":
        return {"days": post.get("days", "").strip(), "reason": post.get("reason", "").strip()}
    if action == "resolve":
        return {"result": post.get("result", "").strip()}
    if action in ("site_visit", "progress"):
        return {"note": post.get("note", "").strip()}
    return {}


@login_required
@require_http_methods(["GET", "POST"])
def case_page(request, number: str):
    """The case file, its timeline, and the forms for what this unit may do now."""
    actor = Actor.of(request.user)
    scopes = _unit_scopes(actor)
    if not scopes:
        return _forbidden(request)
    try:
        case = case_selectors.case_for_staff(actor, number)
    except GridgovError as exc:
        return _forbidden(request, case_refusal(), exc.status)

    refusal = None
    if request.method == "POST":
        if request.POST.get("action") == joint.ASSIST:  # 协办反馈: not a transition of the table
            outcome = joint.handle_posted_assist(request, actor=actor, number=number, case_page="web:dept-case")
        else:
            outcome = handle_posted_action(
                request,
                actor=actor,
                number=number,
                page_actions=PAGE_ACTIONS,
                payload=_payload,
                done=lambda action: str(DONE_WORDS[action]),
                case_page="web:dept-case",
                queue_page="web:dept",
            )
        if not isinstance(outcome, Refusal):
            return outcome
        refusal = outcome
        refusal.posted = {k: request.POST.get(k, "") for k in ("reason", "days", "result", "note")}
        case.refresh_from_db()

    reads.record_read(actor=actor, case=case, via="dept")  # a case-file reading, logged
    view = case_selectors.staff_view(case, actor)
    names = unit_names([view["lead_unit"], *view["assisting_units"], *scopes])
    role = None
    if view["lead_unit"] in scopes:
        role = "lead"
    elif any(s in view["assisting_units"] for s in scopes):
        role = "assist"
    events, case_photos = timeline(view, names)
    may = {*view["actions"], *view["steps"]}
    forms = [{"action": a, "heading": ACTION_WORDS[a]} for a in PAGE_ACTIONS if a in may]
    context = {
        "case": view,
        "status_word": STATUS_WORDS.get(view["status"], view["status"]),
        "deadlines": deadlines_in_words(view["deadlines"], case),
        "role": role,
        "events": events,
        "units": _units(view["lead_unit"], view["assisting_units"], names),
        "forms": forms,
        "refusal": refusal,
        "failed_action": refusal.action if refusal else None,
        "posted": refusal.posted if refusal else {},
        "max_photos": MAX_PHOTOS,
        "case_photos": case_photos,
        "evidence": evidence(case.number, case_photos_rule.before_and_after(case)),
        "assist_form": joint.assist_form(case, actor),
        "joint": joint.parts(case, names) if view["assisting_units"] else None,
    }
    return render(request, "web/dept/case.html", context, status=refusal.status if refusal else 200)
