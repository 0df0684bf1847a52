"""The console's queue (案件列表): filters, search and sort, batch 派遣 and the Excel export.

The reads are `selectors.case_list` (scoped to the actor); a search by the reporter's phone is a
reveal, logged through `cases.reveals` on every request that runs it; batch dispatch is
`cases.batch.dispatch_cases` (each case its own transaction).
"""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import urlsplit

from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from gridgov.assessment.report import safe_title
from gridgov.cases import batch, reveals, selectors
from gridgov.cases.models import Channel, Light, Status
from gridgov.core.admin_io import xlsx_response
from gridgov.core.dbrouter import reads_replica
from gridgov.core.errors import BadInput
from gridgov.core.privacy import mask_phones
from gridgov.core.timefmt import local_minute
from gridgov.people.selectors import district_units, unit_names
from gridgov.web import partials
from gridgov.web.console import CHANNEL_NAMES, LIGHT_NAMES, STATUS_NAMES, console_actor, not_console, refuse
from gridgov.web.console_pick import category_codes, districts, grid_codes, label

PAGE_SIZE = 50
EXPORT_LIMIT = 10_000
FILTERS = ("q", "number", "phone", "status", "category", "grid", "channel", "light", "overdue", "start", "end", "sort")
QUEUE_POLL_ID = "queue-results"  # the element that refreshes the queue every minute (see _queue.html)
SORT_CHOICES = [
    ("", gettext_lazy("Newest first")),
    ("light", gettext_lazy("Light (red first)")),
    ("age", gettext_lazy("Age (oldest first)")),
    ("deadline", gettext_lazy("Deadline (nearest first)")),
]


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def queue_filters(params) -> dict[str, str]:
    """The queue's filters from the query string; values outside their choices are dropped."""
    filters = {k: params.get(k, "").strip()[:100] for k in FILTERS}
    for key, names in (
        ("status", STATUS_NAMES),
        ("channel", CHANNEL_NAMES),
        ("light", LIGHT_NAMES),
        ("sort", dict(SORT_CHOICES)),
    ):
        if filters[key] and filters[key] not in names:
            filters[key] = ""
    for key in ("start", "end"):
        if filters[key] and _date(filters[key]) is None:
            filters[key] = ""
    filters["overdue"] = "1" if filters["overdue"] in {"1", "true", "on"} else ""
    return filters


def filtered_cases(actor, filters: dict[str, str], *, purpose: str):
    """The cases these filters pick (names resolved to codes in the actor's area), and the error to
    show when a filter cannot be used. A phone search is logged as a reveal."""
    grids = grid_codes(actor, filters["grid"]) if filters["grid"] else None
    categories = category_codes(filters["category"]) if filters["category"] else None
    try:
        qs = selectors.case_list(
            actor,
            status=filters["status"] or None,
            light=filters["light"] or None,
            channel=filters["channel"] or None,
            grid=grids,
            category=categories,
            overdue_only=bool(filters["overdue"]),
            q=filters["q"] or None,
            number=filters["number"] or None,
            phone=filters["phone"] or None,
            start=_date(filters["start"]),
            end=_date(filters["end"]),
            sort=filters["sort"] or None,
        )
    except BadInput:
        return selectors.visible_cases(actor).none(), _("Give at least %(n)d digits of the caller's phone.") % {
            "n": selectors.MIN_PHONE_DIGITS
        }
    if (grids is not None and not grids) or (categories is not None and not categories):
        qs = qs.none()  # a name that matches nothing finds nothing, not everything
    if filters["phone"]:
        reveals.record_phone_search(
            actor=actor,
            phone=selectors.phone_digits(filters["phone"]),
            numbers=list(qs.values_list("number", flat=True)[:200]),
            purpose=purpose,
        )
    return qs, ""


def dispatch_choices(actor) -> list[dict]:
    """The units a batch may go to, by name: the departments of the actor's district."""
    return [{"code": u.code, "label": label(u.name, u.code)} for u in district_units(districts(actor))]


@partials.staff_login_required
def queue(request):
    """指挥中心: the cases the actor may see, filtered, searched and sorted, 50 a page, with a map.

    For htmx (the filter form, the pager, the refresh every minute) only the list is sent: the same
    context, the partial template."""
    actor = console_actor(request)
    if actor is None:
        return not_console(request)
    filters = queue_filters(request.GET)
    qs, error = filtered_cases(actor, filters, purpose="queue")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    points = []
    for case in page.object_list:
        url = reverse("web:console-case", args=[case.number])
        rows.append(
            {
                "case": case,
                "url": url,
                "status_name": STATUS_NAMES.get(case.status, case.status),
                "channel_name": CHANNEL_NAMES.get(case.channel, case.channel),
                "light_name": LIGHT_NAMES.get(case.light, "") if case.light else "",
                "dispatchable": case.status in (Status.REPORTED, Status.REGISTERED),
            }
        )
        points.append(
            {
                "number": case.number,
                "title": case.title,
                "lon": case.lon,
                "lat": case.lat,
                "light": case.light or "",
                "url": url,
            }
        )
    shown = {k: v for k, v in filters.items() if v}
    kept = urlencode(shown)
    here = urlencode({**shown, "page": page.number} if page.number > 1 else shown)
    here = reverse("web:console") + (f"?{here}" if here else "")
    polled = partials.triggered_by(request) == QUEUE_POLL_ID
    config = {"geojson": reverse("api-v1:grid_geojson") + "?level=1", "lang": get_language()}
    can_dispatch = "dispatcher" in actor.roles
    context = {
        "filters": filters,
        "page": page,
        "rows": rows,
        "kept": kept,
        "here": here,
        "poll_id": QUEUE_POLL_ID,
        "announce": not polled,
        "error": error,
        "can_dispatch": can_dispatch,
        "export_url": reverse("web:console-export") + (f"?{kept}" if kept else ""),
        "status_choices": Status.choices,
        "channel_choices": Channel.choices,
        "light_choices": Light.choices,
        "sort_choices": SORT_CHOICES,
        "batch_units": dispatch_choices(actor) if can_dispatch else [],
        "points_json": json.dumps(points, ensure_ascii=False),
        "map_config": config,
        "map_strings": {
            "loadFailed": _("Could not load the grids. The cases are still listed."),
            "open": _("Open case {number}"),
        },
        "pick_config": {
            "grids": reverse("web:console-pick-grids"),
            "categories": reverse("web:console-pick-categories"),
        },
    }
    # The minute's refresh leaves the address (and the browser's history) alone; filters and pages move it.
    return partials.render_page(
        request, "web/console/queue.html", "web/console/_queue.html", context, push_url=None if polled else here
    )


def _queue_address(request) -> str:
    """The queue as the dispatcher left it (the address htmx kept up to date with the filters)."""
    referer = urlsplit(request.headers.get("Referer", ""))
    if referer.netloc == request.get_host() and referer.path == reverse("web:console"):
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return reverse("web:console")


# ---- batch dispatch --------------------------------------------------------------------------------


@require_POST
@partials.staff_login_required
def batch_dispatch(request):
    """批量派遣: the selected cases, each to the chosen unit or to the catalogue's; a report per case."""
    actor = console_actor(request)
    if actor is None:
        return not_console(request)
    numbers = request.POST.getlist("numbers")
    unit = request.POST.get("unit", "").strip()
    if not numbers:
        outcomes, error = [], _("Select the cases to dispatch in the list first.")
    else:
        outcomes, error = batch.dispatch_cases(actor=actor, numbers=numbers, unit=unit or None), ""
    names = unit_names([o.unit for o in outcomes] + [unit])
    rows = [
        {
            "number": o.number,
            "done": o.done,
            "message": o.message,
            "unit": label(names.get(o.unit, ""), o.unit) if o.unit else "",
            "url": reverse("web:console-case", args=[o.number]),
        }
        for o in outcomes
    ]
    context = {
        "rows": rows,
        "error": error,
        "done": sum(o.done for o in outcomes),
        "refused": sum(not o.done for o in outcomes),
        "unit": label(names.get(unit, ""), unit) if unit else "",
        "back": _queue_address(request),
    }
    return render(request, "web/console/batch.html", context, status=400 if error else 200)


# ---- the Excel export --------------------------------------------------------------------------------


@partials.staff_login_required
@reads_replica
def export(request):
    """The filtered list as .xlsx (导出): what the queue shows, no reporters' names or phones (xlsx_response
    writes formula-like text as text)."""
    actor = console_actor(request)
    if actor is None:
        return not_console(request)
    filters = queue_filters(request.GET)
    qs, error = filtered_cases(actor, filters, purpose="export")
    if error:
        return refuse(request, error, 400)
    cases = list(qs.select_related("grid", "category")[:EXPORT_LIMIT])
    units = unit_names({c.lead_unit for c in cases if c.lead_unit})
    headers = [
        _("Number"),
        _("Reported at"),
        _("Title"),
        _("Location description"),
        _("Category"),
        _("Grid code"),
        _("Grid"),
        _("Channel"),
        _("Status"),
        _("Light"),
        _("Lead unit"),
        _("Resolve by"),
    ]
    rows = [
        [
            c.number,
            local_minute(c.reported_at),
            safe_title(c.title, c.reporter_name),
            mask_phones(c.address),
            c.category.name if c.category else "",
            c.grid.code,
            c.grid.name,
            str(CHANNEL_NAMES.get(c.channel, c.channel)),
            str(STATUS_NAMES.get(c.status, c.status)),
            str(LIGHT_NAMES.get(c.light, "")) if c.light else "",
            units.get(c.lead_unit, c.lead_unit),
            local_minute(c.resolve_by),
        ]
        for c in cases
    ]
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return xlsx_response(headers, rows, f"cases-{stamp}.xlsx", title=_("Cases"))
