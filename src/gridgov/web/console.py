"""The dispatcher console (指挥中心, /console/): the queue of cases and one case with its actions.

The pages hold no rules: the queue is `selectors.case_list`, the actions offered are the ones
`selectors.staff_view` lists, and a posted action goes through `web.actions` (the body parsed as
over the API, then `services.perform`).
"""

from __future__ import annotations

import json
import math

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext as _, gettext_lazy, pgettext_lazy

from gridgov.cases import selectors
from gridgov.cases.models import Case, Channel, Light, Status, Upload
from gridgov.cases.transitions import OPEN_STATUSES
from gridgov.core.errors import GridgovError
from gridgov.grids.models import Grid
from gridgov.people.actors import Actor
from gridgov.web import partials
from gridgov.people.selectors import unit_names
from gridgov.web.actions import Refusal, case_refusal, handle_posted_action

CONSOLE_ROLES = frozenset({"dispatcher", "leader", "supervisor", "admin"})
PAGE_SIZE = 50
NEARBY_METRES = 300

COMPLEXITY_CHOICES = [("simple", gettext_lazy("simple")), ("general", gettext_lazy("general")),
                      ("complex", gettext_lazy("complex")), ("legacy", gettext_lazy("legacy")),
                      ("major", gettext_lazy("major"))]
SATISFACTION_CHOICES = [("satisfied", gettext_lazy("Satisfied")),
                        ("basically_satisfied", gettext_lazy("Basically satisfied")),
                        ("dissatisfied", gettext_lazy("Dissatisfied"))]
YES_NO = [("true", gettext_lazy("Yes")), ("false", gettext_lazy("No"))]


def _f(name, label, kind="text", required=False, choices=None):
    return {"name": name, "label": label, "kind": kind, "required": required, "choices": choices}


# The fields of each action's form: the body schemas in cases/api.py (ACTION_BODIES), as HTML inputs.
ACTION_FIELDS: dict[str, list[dict]] = {
    "register": [_f("category", gettext_lazy("Category code")),
                 _f("complexity", gettext_lazy("Complexity"), "select", choices=COMPLEXITY_CHOICES),
                 _f("note", gettext_lazy("Note"), "textarea")],
    "reject": [_f("reason", gettext_lazy("Reason"), "textarea", True)],
    "merge": [_f("into", gettext_lazy("Merge into case number"), required=True)],
    "dispatch": [_f("unit", gettext_lazy("Lead unit code")),
                 _f("assisting", gettext_lazy("Assisting units (comma separated)"), "list"),
                 _f("note", gettext_lazy("Note"), "textarea")],
    "accept": [],
    "return": [_f("reason", gettext_lazy("Reason"), "textarea", True)],
    "escalate": [_f("note", gettext_lazy("Note"), "textarea", True)],
    "request_extension": [_f("days", gettext_lazy("Days"), "number", True),
                          _f("reason", gettext_lazy("Reason"), "textarea", True)],
    "grant_extension": [],
    "deny_extension": [_f("reason", gettext_lazy("Reason"), "textarea", True)],
    "suspend": [_f("reason", gettext_lazy("Reason"), "textarea", True),
                _f("review_on", gettext_lazy("Review on"), "date", True)],
    "resume": [],
    "supervise": [_f("note", gettext_lazy("Note"), "textarea", True)],
    "resolve": [_f("result", gettext_lazy("Result"), "textarea", True)],
    "verify": [_f("passed", gettext_lazy("Passed"), "select", True, YES_NO),
               _f("note", gettext_lazy("Note"), "textarea")],
    "close": [],
    "evaluate": [_f("satisfaction", gettext_lazy("Satisfaction"), "select", True, SATISFACTION_CHOICES),
                 _f("solved", gettext_lazy("Solved"), "select", True, YES_NO),
                 _f("note", gettext_lazy("Note"), "textarea")],
    "reopen": [_f("reason", gettext_lazy("Reason"), "textarea", True)],
}


def _word(english: str):
    return pgettext_lazy("case action", english)


# What each action's form and button say (zh-hans: the Chinese term of the table, 立案, 派遣 …).
ACTION_WORDS = {
    "register": _word("Register"), "reject": _word("Do not register"), "merge": _word("Merge"),
    "dispatch": _word("Dispatch"), "accept": _word("Sign for"), "return": _word("Return"),
    "escalate": _word("Escalate"), "request_extension": _word("Request an extension"),
    "grant_extension": _word("Grant the extension"), "deny_extension": _word("Deny the extension"),
    "suspend": _word("Suspend"), "resume": _word("Resume"), "supervise": _word("Supervise"),
    "resolve": _word("Report the result"), "verify": _word("Check"), "close": _word("Close"),
    "evaluate": _word("Record the call-back rating"), "reopen": _word("Reopen"),
}
assert set(ACTION_WORDS) == set(ACTION_FIELDS), "every action has its words and its fields"

STATUS_NAMES = dict(Status.choices)
CHANNEL_NAMES = dict(Channel.choices)
LIGHT_NAMES = dict(Light.choices)


def _console_actor(request) -> Actor | None:
    actor = Actor.of(request.user)
    return actor if actor.roles & CONSOLE_ROLES else None


def _refuse(request, message: str, status: int):
    return render(request, "web/console/refused.html", {"message": message, "status": status}, status=status)


def _not_console(request):
    return _refuse(request, _("The dispatcher console is for dispatchers, leaders and supervisors. "
                              "Your account holds none of these posts; ask your administrator if you need one."), 403)


# ---- the queue -----------------------------------------------------------------------------------

FILTERS = ("status", "category", "grid", "channel", "light", "overdue")
QUEUE_POLL_ID = "queue-results"  # the element that refreshes the queue every minute (see _queue.html)


def _queue_filters(params) -> dict[str, str]:
    """The queue's filters from the query string; values outside their choices are dropped."""
    filters = {k: params.get(k, "").strip() for k in FILTERS}
    for key, names in (("status", STATUS_NAMES), ("channel", CHANNEL_NAMES), ("light", LIGHT_NAMES)):
        if filters[key] and filters[key] not in names:
            filters[key] = ""
    filters["overdue"] = "1" if filters["overdue"] in {"1", "true", "on"} else ""
    return filters


@partials.staff_login_required
def queue(request):
    """指挥中心: the cases the actor may see, filtered, 50 a page, with a map of the page's cases.

    For htmx (the filter form, the pager, the refresh every minute) only the list is sent: the same
    context, the partial template."""
    actor = _console_actor(request)
    if actor is None:
        return _not_console(request)
    filters = _queue_filters(request.GET)
    qs = selectors.case_list(actor, overdue_only=bool(filters["overdue"]),
                             **{k: v or None for k, v in filters.items() if k != "overdue"})
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    points = []
    for case in page.object_list:
        url = reverse("web:console-case", args=[case.number])
        rows.append({"case": case, "url": url, "status_name": STATUS_NAMES.get(case.status, case.status),
                     "channel_name": CHANNEL_NAMES.get(case.channel, case.channel),
                     "light_name": LIGHT_NAMES.get(case.light, "") if case.light else ""})
        points.append({"number": case.number, "title": case.title, "lon": case.lon, "lat": case.lat,
                       "light": case.light or "", "url": url})
    shown = {k: v for k, v in filters.items() if v}
    kept = urlencode(shown)
    here = urlencode({**shown, "page": page.number} if page.number > 1 else shown)
    here = reverse("web:console") + (f"?{here}" if here else "")
    polled = partials.triggered_by(request) == QUEUE_POLL_ID
    config = {"geojson": reverse("api-v1:grid_geojson") + "?level=1", "lang": get_language()}
    context = {
        "filters": filters, "page": page, "rows": rows, "kept": kept, "here": here, "poll_id": QUEUE_POLL_ID,
        "announce": not polled,
        "status_choices": Status.choices, "channel_choices": Channel.choices, "light_choices": Light.choices,
        "points_json": json.dumps(points, ensure_ascii=False), "map_config": config,
        "map_strings": {"loadFailed": _("Could not load the grids. The cases are still listed."),
                        "open": _("Open case {number}")},
    }
    # The minute's refresh leaves the address (and the browser's history) alone; filters and pages move it.
    return partials.render_page(request, "web/console/queue.html", "web/console/_queue.html", context,
                                push_url=None if polled else here)


# ---- one case ------------------------------------------------------------------------------------

def _grid_chain(grid: Grid) -> list[Grid]:
    chain = []
    node = grid
    while node is not None:
        chain.append(node)
        node = node.parent
    return list(reversed(chain))


def nearby_open_cases(case: Case, actor: Actor, metres: float = NEARBY_METRES) -> list[dict]:
    """A first duplicate hint: open cases of the same category within `metres` (bounding box, then distance)."""
    if case.category_id is None:
        return []
    dlat = metres / 111_320
    dlon = metres / (111_320 * max(math.cos(math.radians(case.lat)), 0.01))
    candidates = (selectors.visible_cases(actor)
                  .filter(category_id=case.category_id, status__in=OPEN_STATUSES,
                          lat__range=(case.lat - dlat, case.lat + dlat), lon__range=(case.lon - dlon, case.lon + dlon))
                  .exclude(pk=case.pk).order_by("-reported_at")[:20])
    found = []
    for other in candidates:
        dy = (other.lat - case.lat) * 111_320
        dx = (other.lon - case.lon) * 111_320 * math.cos(math.radians(case.lat))
        distance = math.hypot(dx, dy)
        if distance <= metres:
            found.append({"number": other.number, "title": other.title, "distance": round(distance),
                          "status_name": STATUS_NAMES.get(other.status, other.status),
                          "url": reverse("web:console-case", args=[other.number])})
    return sorted(found, key=lambda c: c["distance"])


def _initial_values(case: Case, action: str) -> dict:
    if action == "register":
        return {"category": case.category.code if case.category_id else "", "complexity": case.complexity}
    if action == "dispatch":
        from gridgov.routing import selectors as routing

        route = routing.responsible_unit(category=case.category, grid_code=case.grid.code, district=case.platform[:6])
        return {"unit": route.unit, "assisting": ", ".join(route.assisting)}
    return {}


def _payload(request, action: str) -> dict:
    """The posted form as the action's JSON body: only the action's fields; empty optional ones left out."""
    post = request.POST
    payload = {}
    for field in ACTION_FIELDS.get(action, []):
        raw = post.get(field["name"], "").strip()
        if field["kind"] == "list":
            if raw:
                payload[field["name"]] = [p.strip() for p in raw.replace("，", ",").split(",") if p.strip()]
            continue
        if raw == "" and not field["required"]:
            continue
        payload[field["name"]] = raw
    return payload


def _forms(case: Case, actions: list[str], posted: dict | None = None) -> list[dict]:
    forms = []
    for action in actions:
        values = _initial_values(case, action)
        error = None
        if posted and posted["action"] == action:
            values = {k: v for k, v in posted["values"].items()}
            error = {"lead": posted["lead"], "message": posted["error"]}
        fields = [{**f, "value": values.get(f["name"], ""), "id": f"f-{action}-{f['name']}"}
                  for f in ACTION_FIELDS.get(action, [])]
        forms.append({"action": action, "label": ACTION_WORDS.get(action, action), "fields": fields, "error": error,
                      "danger": action in {"reject", "merge", "close", "deny_extension", "suspend"}})
    return forms


def _case_context(request, actor: Actor, case: Case, posted: dict | None = None) -> dict:
    view = selectors.staff_view(case, actor)
    chain = _grid_chain(case.grid)
    platform = Grid.objects.filter(code=case.platform, valid_to__isnull=True).first()
    names = unit_names([case.lead_unit, *case.assisting_units, *[e["unit"] or "" for e in view["events"]]])
    for event in view["events"]:
        event["when"] = event["at"][:19].replace("T", " ") if event["at"] else ""
        event["from_name"] = STATUS_NAMES.get(event["from_status"], event["from_status"] or "")
        event["to_name"] = STATUS_NAMES.get(event["to_status"], event["to_status"])
        event["unit_name"] = names.get(event["unit"] or "", "")
    uploads = {u.id: u for u in Upload.objects.filter(id__in=[p for p in case.photos if isinstance(p, str)])}
    photos = [{"id": p, "url": uploads[p].file.url} for p in case.photos if isinstance(p, str) and p in uploads]
    deadlines = view["deadlines"] or {}
    light = deadlines.get("light") or case.light or ""
    return {
        "case": case, "view": view, "chain": chain, "platform": platform,
        "status_name": STATUS_NAMES.get(case.status, case.status),
        "channel_name": CHANNEL_NAMES.get(case.channel, case.channel),
        "light": light, "light_name": LIGHT_NAMES.get(light, ""),
        "sign_by": (deadlines.get("sign_by") or "")[:16].replace("T", " "),
        "resolve_by": (deadlines.get("resolve_by") or "")[:16].replace("T", " "),
        "lead_unit": {"code": case.lead_unit, "name": names.get(case.lead_unit, "")} if case.lead_unit else None,
        "assisting": [{"code": c, "name": names.get(c, "")} for c in case.assisting_units],
        "photos": photos, "nearby": nearby_open_cases(case, actor),
        "forms": _forms(case, view["actions"], posted),
        "complexity_name": dict(COMPLEXITY_CHOICES).get(case.complexity, case.complexity),
    }


@login_required
def case_page(request, number: str):
    """One case: its file, its timeline, nearby open cases, and a form per action this actor may take."""
    actor = _console_actor(request)
    if actor is None:
        return _not_console(request)
    try:
        case = selectors.case_for_staff(actor, number)
    except GridgovError as exc:
        return _refuse(request, case_refusal(exc), exc.status)

    if request.method != "POST":
        return render(request, "web/console/case.html", _case_context(request, actor, case))

    outcome = handle_posted_action(
        request, actor=actor, number=number, page_actions=ACTION_FIELDS, payload=_payload,
        done=lambda action: _("%(action)s done for case %(number)s.") % {"action": ACTION_WORDS.get(action, action),
                                                                          "number": number},
        case_page="web:console-case", queue_page="web:console")
    if not isinstance(outcome, Refusal):
        return outcome
    case = selectors.case_for_staff(actor, number)
    values = {k: (", ".join(v) if isinstance(v, list) else v) for k, v in _payload(request, outcome.action).items()}
    posted = {"action": outcome.action, "values": values, "error": outcome.message, "lead": outcome.lead}
    context = _case_context(request, actor, case, posted)
    if outcome.action not in context["view"]["actions"]:
        context["general_error"] = outcome
    return render(request, "web/console/case.html", context, status=outcome.status)
