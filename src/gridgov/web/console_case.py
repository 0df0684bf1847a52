"""The console's case page (案件详情): the file, the timeline, nearby open cases and a form per action.

The actions offered are the ones `selectors.staff_view` lists; a posted action goes through
`web.actions` (the body parsed as over the API, then `services.perform`). 立案并派遣 (register and
dispatch) is one more form on a reported case: `services.register_and_dispatch`, one transaction.
Units are picked by name from a list (the dispatch catalogue's suggestion first), categories by name.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from gridgov.cases import duplicates, reads, selectors, services
from gridgov.cases import photos as case_photos
from gridgov.cases.api import parse_action_body
from gridgov.cases.models import Case
from gridgov.core.errors import GridgovError
from gridgov.grids.models import Grid
from gridgov.people.actors import Actor, covers
from gridgov.people.selectors import district_units, unit_names
from gridgov.routing import selectors as routing
from gridgov.web.actions import Refusal, case_refusal, handle_posted_action
from gridgov.web.casefile import event_unit_names, who
from gridgov.web.console import (
    ACTION_FIELDS,
    ACTION_WORDS,
    CHANNEL_NAMES,
    COMPLEXITY_CHOICES,
    CONSOLE_STEPS,
    LIGHT_NAMES,
    MODE_CHOICES,
    STATUS_NAMES,
    console_actor,
    field,
    not_console,
    refuse,
)
from gridgov.web.console_pick import label, one_category
from gridgov.web.media import evidence, photo_links

REGISTER_DISPATCH = "register_dispatch"
REGISTER_DISPATCH_WORD = pgettext_lazy("case action", "Register and dispatch")
# 立案并派遣: the register form's fields, then the dispatch form's (the catalogue decides when left empty)
REGISTER_DISPATCH_FIELDS = [
    *ACTION_FIELDS["register"][:2],
    field("unit", gettext_lazy("Lead unit"), "unit", blank=gettext_lazy("As the dispatch catalogue says")),
    field("assisting", gettext_lazy("Assisting units (none selected: as the catalogue says)"), "units"),
    ACTION_FIELDS["register"][2],
]
REGISTER_KEYS, DISPATCH_KEYS = ("category", "complexity", "note"), ("unit", "assisting")


def _grid_chain(grid: Grid) -> list[Grid]:
    chain = []
    node = grid
    while node is not None:
        chain.append(node)
        node = node.parent
    return list(reversed(chain))


def nearby_open_cases(case: Case, actor: Actor) -> list[dict]:
    """重复件: open cases that may be the same problem (cases.duplicates: text, place, category), best first;
    on the console over half a year, since the case to merge into may be an old one still open."""
    found = duplicates.candidates(
        actor,
        lon=case.lon,
        lat=case.lat,
        title=case.title,
        description=case.description,
        grid_code=case.grid.code,
        category_id=case.category_id,
        exclude_pk=case.pk,
        window_days=180,
        limit=8,
    )
    return [
        {**near_row(c.case, c.distance_m), "score": round(100 * c.score), "likely": c.likely}
        for c in found
        if c.likely or c.same_category
    ]


def near_row(other: Case, distance: float) -> dict:
    return {
        "number": other.number,
        "title": other.title,
        "distance": round(distance),
        "status_name": STATUS_NAMES.get(other.status, other.status),
        "category": other.category.name if other.category_id else "",
        "url": reverse("web:console-case", args=[other.number]),
    }


def unit_options(case: Case, route: routing.Route) -> list[dict]:
    """The units a case may go to, by name: the catalogue's suggestion first, then the grids from the
    case's platform down to its own grid, then the district's departments."""
    codes = [route.unit, *route.assisting]
    codes += [g.code for g in _grid_chain(case.grid) if covers(case.platform, g.code)]
    units = district_units([case.platform[:6]])
    codes += [u.code for u in units]
    names = unit_names(codes)
    options, seen = [], set()
    for code in codes:
        if code in seen:
            continue
        seen.add(code)
        text = label(names.get(code, code), code)
        if code == route.unit:
            text = _("%(unit)s (suggested by the dispatch catalogue)") % {"unit": text}
        options.append({"code": code, "label": text})
    return options


def _initial_values(case: Case, action: str, route: routing.Route | None) -> dict:
    if action == "register":
        return {
            "category": label(case.category.name, case.category.code) if case.category_id else "",
            "complexity": case.complexity,
        }
    if action == REGISTER_DISPATCH:
        return {
            "category": label(case.category.name, case.category.code) if case.category_id else "",
            "complexity": case.complexity,
            "unit": "",
            "assisting": [],
        }
    if action == "dispatch" and route is not None:
        return {"unit": route.unit, "assisting": list(route.assisting)}
    return {}


def _fields(action: str) -> list[dict]:
    return REGISTER_DISPATCH_FIELDS if action == REGISTER_DISPATCH else ACTION_FIELDS.get(action, [])


def posted_values(request, action: str) -> dict:
    """The form as posted (to show again next to a refusal): text, and lists for multi-selects."""
    return {
        f["name"]: (request.POST.getlist(f["name"]) if f["kind"] == "units" else request.POST.get(f["name"], ""))
        for f in _fields(action)
    }


def _payload(request, action: str) -> dict:
    """The posted form as the action's JSON body: only the action's fields; empty optional ones left
    out; a category named in words resolved to its code (BadInput when it names none or several)."""
    post = request.POST
    payload: dict[str, object] = {}
    for f in _fields(action):
        name, kind = f["name"], f["kind"]
        if kind == "units":
            picked = [c.strip() for c in post.getlist(name) if c.strip()]
            if picked or action != REGISTER_DISPATCH:  # the dispatch form lists every unit wanted: none is none
                payload[name] = picked
            continue
        raw = post.get(name, "").strip()
        if kind == "list":
            if raw:
                payload[name] = [p.strip() for p in raw.replace("，", ",").split(",") if p.strip()]
            continue
        if raw == "" and not f["required"]:
            continue
        payload[name] = one_category(raw) if kind == "category" else raw
    return payload


def _forms(case: Case, actions: list[str], options: list[dict], route, posted: dict | None = None) -> list[dict]:
    forms = []
    if "register" in actions:
        actions = [REGISTER_DISPATCH, *actions]
    for action in actions:
        values = _initial_values(case, action, route)
        error = None
        if posted and posted["action"] == action:
            values = dict(posted["values"])
            error = {"lead": posted["lead"], "message": posted["error"]}
        fields = []
        for f in _fields(action):
            value = values.get(f["name"], [] if f["kind"] == "units" else "")
            fields.append(
                {
                    **f,
                    "value": value,
                    "id": f"f-{action}-{f['name']}",
                    "options": options if f["kind"] in ("unit", "units") else None,
                }
            )
        word = REGISTER_DISPATCH_WORD if action == REGISTER_DISPATCH else ACTION_WORDS.get(action, action)
        forms.append(
            {
                "action": action,
                "label": word,
                "fields": fields,
                "error": error,
                "danger": action in {"reject", "merge", "close", "deny_extension", "suspend"},
            }
        )
    return forms


def _case_context(request, actor: Actor, case: Case, posted: dict | None = None) -> dict:
    reads.record_read(actor=actor, case=case, via="console")  # a case-file reading, logged
    view = selectors.staff_view(case, actor)
    chain = _grid_chain(case.grid)
    platform = Grid.objects.filter(code=case.platform, valid_to__isnull=True).first()
    names = event_unit_names(view, unit_names([case.lead_unit, *case.assisting_units]))
    for event in view["events"]:
        event["when"] = event["at"][:19].replace("T", " ") if event["at"] else ""
        event["from_name"] = STATUS_NAMES.get(event["from_status"], event["from_status"] or "")
        event["to_name"] = STATUS_NAMES.get(event["to_status"], event["to_status"])
        event["unit_name"] = names.get(event["unit"] or "", "")
        event.update(who(event, names))
        event["photos"] = photo_links(case.number, case_photos.event_photo_ids(event["data"]))
    deadlines = view["deadlines"] or {}
    light = deadlines.get("light") or case.light or ""
    picks_unit = bool({"register", "dispatch"} & set(view["actions"]))
    route = (
        routing.responsible_unit(category=case.category, grid_code=case.grid.code, district=case.platform[:6])
        if picks_unit
        else None
    )
    options = unit_options(case, route) if route else []
    return {
        "case": case,
        "view": view,
        "chain": chain,
        "platform": platform,
        "status_name": STATUS_NAMES.get(case.status, case.status),
        "channel_name": CHANNEL_NAMES.get(case.channel, case.channel),
        "light": light,
        "light_name": LIGHT_NAMES.get(light, ""),
        "sign_by": (deadlines.get("sign_by") or "")[:16].replace("T", " "),
        "resolve_by": (deadlines.get("resolve_by") or "")[:16].replace("T", " "),
        "lead_unit": {"code": case.lead_unit, "name": names.get(case.lead_unit, "")} if case.lead_unit else None,
        "assisting": [{"code": c, "name": names.get(c, "")} for c in case.assisting_units],
        "evidence": evidence(case.number, case_photos.before_and_after(case)),
        "nearby": nearby_open_cases(case, actor),
        "can_merge": "merge" in view["actions"],
        "forms": _forms(
            case, [*view["actions"], *(s for s in view["steps"] if s in CONSOLE_STEPS)], options, route, posted
        ),
        "mode_name": dict(MODE_CHOICES).get(case.mode, "—"),
        "complexity_name": dict(COMPLEXITY_CHOICES).get(case.complexity, case.complexity),
        "pick_config": {"categories": reverse("web:console-pick-categories")},
    }


def _register_and_dispatch(request, actor: Actor, number: str):
    """立案并派遣 posted: a redirect when both are done, or the Refusal (then neither was)."""
    try:
        body = _payload(request, REGISTER_DISPATCH)
        register = parse_action_body("register", {k: body[k] for k in REGISTER_KEYS if k in body})
        dispatch = parse_action_body("dispatch", {k: body[k] for k in DISPATCH_KEYS if k in body})
        services.register_and_dispatch(
            actor=actor, number=number, **register, unit=dispatch["unit"], assisting=dispatch["assisting"]
        )
    except GridgovError as exc:
        return Refusal(action=REGISTER_DISPATCH, message=exc.message, status=exc.status)
    messages.success(
        request, _("%(action)s done for case %(number)s.") % {"action": REGISTER_DISPATCH_WORD, "number": number}
    )
    try:
        selectors.case_for_staff(actor, number)
    except GridgovError:
        return redirect("web:console")
    return redirect("web:console-case", number=number)


@login_required
def case_page(request, number: str):
    """One case: its file, its timeline, nearby open cases, and a form per action this actor may take."""
    actor = console_actor(request)
    if actor is None:
        return not_console(request)
    try:
        case = selectors.case_for_staff(actor, number)
    except GridgovError as exc:
        return refuse(request, case_refusal(), exc.status)

    if request.method != "POST":
        return render(request, "web/console/case.html", _case_context(request, actor, case))

    if request.POST.get("action") == REGISTER_DISPATCH:
        outcome = _register_and_dispatch(request, actor, number)
    else:
        outcome = handle_posted_action(
            request,
            actor=actor,
            number=number,
            page_actions=ACTION_FIELDS,
            payload=_payload,
            done=lambda action: (
                _("%(action)s done for case %(number)s.")
                % {"action": ACTION_WORDS.get(action, action), "number": number}
            ),
            case_page="web:console-case",
            queue_page="web:console",
        )
    if not isinstance(outcome, Refusal):
        return outcome
    case = selectors.case_for_staff(actor, number)
    values = posted_values(request, outcome.action)
    posted = {"action": outcome.action, "values": values, "error": outcome.message, "lead": outcome.lead}
    context = _case_context(request, actor, case, posted)
    offered = [f["action"] for f in context["forms"]]
    if outcome.action not in offered:
        context["general_error"] = outcome
    return render(request, "web/console/case.html", context, status=outcome.status)
