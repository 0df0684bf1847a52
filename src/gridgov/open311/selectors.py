"""Reads for GeoReport v2: services (the category tree's active leaves), their definitions, and requests —
the public face of cases, never personal data (docs/architecture.md §4.4)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.cases.event_actors import actor_kind
from gridgov.cases.models import Case, CaseEvent, Channel
from gridgov.cases.selectors import PUBLIC_STATUS_WORDS, event_label
from gridgov.cases.transitions import OPEN_STATUSES
from gridgov.core.errors import NotFound
from gridgov.core.privacy import mask_phones
from gridgov.open311 import params
from gridgov.open311.models import ServiceAttribute, Submission
from gridgov.people.selectors import unit_names
from gridgov.routing import selectors as routing
from gridgov.routing.models import Category, Tree

# Cases GET requests shows: those reported by the public (the web form, WeChat, Open311 clients) and by grid
# workers on patrol (public space). Not the hotline (callers' words, often with names), deputies', supervisors'
# (暗访 must stay covert), sensors' (alarms in homes) nor imported work orders.
PUBLISHED_CHANNELS = (Channel.RESIDENT, Channel.WECHAT, Channel.OPEN311, Channel.PATROL)
# events whose note the public timeline shows (as cases.selectors.public_view does), phones masked
PUBLIC_NOTES = {"reject", "resolve", "resolve_on_spot"}
NOTE_TYPES = {
    "report": "opened",
    "resolve_on_spot": "opened",
    "close": "closed",
    "reject": "closed",
    "merge": "closed",
    "reopen": "reopened",
}


def iso(moment: datetime | None) -> str | None:
    """W3C date-time in the local zone to the second, with its offset (2026-12-07T09:30:00+08:00)."""
    return timezone.localtime(moment).replace(microsecond=0).isoformat() if moment is not None else None


# ---- services -------------------------------------------------------------------------------------------------


def services() -> list[dict]:
    """Every active leaf of the category trees, as GeoReport services."""
    cats = list(routing.leaf_categories().select_related("parent").order_by("tree", "code"))
    with_fields = set(ServiceAttribute.objects.values_list("category_id", flat=True))
    trees = dict(Tree.choices)
    return [
        {
            "service_code": c.code,
            "service_name": c.name,
            "description": f"{trees.get(c.tree, c.tree)} › {c.parent.name if c.parent else ''} › {c.name}",
            "metadata": c.pk in with_fields,
            "type": "realtime",
            "keywords": c.keywords.replace("，", ",").replace(" ", ","),
            "group": c.parent.name if c.parent else str(trees.get(c.tree, c.tree)),
        }
        for c in cats
    ]


def service(code: str | None) -> Category:
    """The active leaf with this code, else NotFound (404)."""
    cat = routing.category(code or "")
    if cat is None or not cat.is_leaf or not cat.active:
        raise NotFound(gettext("unknown service_code %(code)r: GET services lists them") % {"code": code or ""})
    return cat


def attributes_of(cat: Category) -> list[ServiceAttribute]:
    return list(ServiceAttribute.objects.filter(category=cat).order_by("order", "code"))


def definition(code: str) -> dict:
    """The service definition; NotFound when the service is unknown or asks for nothing more (the spec: only
    services with metadata=true have one)."""
    cat = service(code)
    attrs = attributes_of(cat)
    if not attrs:
        raise NotFound(gettext("service %(code)s has no extra fields (metadata is false)") % {"code": code})
    return {
        "service_code": cat.code,
        "attributes": [
            {
                "variable": a.variable,
                "code": a.code,
                "datatype": a.datatype,
                "required": a.required,
                "datatype_description": a.datatype_description,
                "order": a.order,
                "description": a.description,
                **({"values": [{"key": str(v["key"]), "name": v["name"]} for v in a.values]} if a.values else {}),
            }
            for a in attrs
        ],
    }


# ---- requests -------------------------------------------------------------------------------------------------


def published() -> QuerySet[Case]:
    return Case.objects.filter(channel__in=PUBLISHED_CHANNELS)


def request_cases(
    *, ids: list[str], codes: list[str], window: params.Window | None, statuses: set[str], page: int, page_size: int
) -> list[Case]:
    """The cases asked for, newest first: by number (which overrides every other filter), else by service,
    requested_datetime in the window and open/closed; one page of at most 1,000."""
    qs = published().select_related("category", "grid")
    if ids:
        qs = qs.filter(number__in=ids)
    else:
        if codes:
            for code in codes:
                service(code)
            qs = qs.filter(category__code__in=codes)
        if window is not None:
            qs = qs.filter(reported_at__gte=window.start, reported_at__lte=window.end)
        if statuses == {"open"}:
            qs = qs.filter(status__in=OPEN_STATUSES)
        elif statuses == {"closed"}:
            qs = qs.exclude(status__in=OPEN_STATUSES)
    offset = (page - 1) * page_size
    return list(qs.order_by("-reported_at", "-id")[offset : offset + page_size])


def request_case(number: str) -> Case:
    case = published().select_related("category", "grid").filter(number=number).first()
    if case is None:
        raise NotFound(gettext("unknown service_request_id %(id)r") % {"id": number})
    return case


def token_case(token: str) -> Submission:
    found = Submission.objects.select_related("case").filter(token=token).first()
    if found is None:
        raise NotFound(gettext("unknown token %(token)r") % {"token": token})
    return found


def status_of(case: Case) -> str:
    return "open" if case.status in OPEN_STATUSES else "closed"


def _notes(case: Case, master: str | None) -> str:
    words = str(PUBLIC_STATUS_WORDS[case.status])
    if master:
        words += gettext(" (service request %(id)s)") % {"id": master}
    if case.reply:  # 答复: the platform's reply to the requester (句号管理) is public, phones masked
        words += gettext("; reply: %(reply)s") % {"reply": mask_phones(case.reply)}
    return words


def request_rows(cases: list[Case], *, extensions: bool = False) -> list[dict]:
    """GeoReport request records of these cases, in their order; with `extensions` the public timeline."""
    masters = dict(Case.objects.filter(pk__in={c.master_id for c in cases if c.master_id}).values_list("pk", "number"))
    submissions = {s.case_id: s for s in Submission.objects.filter(case__in=cases)}
    names = unit_names([c.lead_unit or c.platform for c in cases])
    timelines = _timelines(cases) if extensions else {}
    rows = []
    for c in cases:
        sub = submissions.get(c.pk)
        master = masters.get(c.master_id) if c.master_id else None
        unit = c.lead_unit or c.platform
        row = {
            "service_request_id": c.number,
            "status": status_of(c),
            "status_notes": _notes(c, master),
            "service_name": c.category.name if c.category else None,
            "service_code": c.category.code if c.category else None,
            "description": mask_phones(c.title),
            "agency_responsible": names.get(unit, unit) or None,
            "service_notice": None,
            "requested_datetime": iso(c.reported_at),
            "updated_datetime": iso(c.updated_at),
            "expected_datetime": iso(c.resolve_by),
            "address": mask_phones(c.address) or None,
            "address_id": (sub.address_id or None) if sub else None,
            "zipcode": None,
            "lat": round(c.lat, 6),
            "long": round(c.lon, 6),
            "media_url": (sub.media_urls[0] if sub and sub.media_urls else None),
        }
        if extensions:
            row["extended_attributes"] = {
                "channel": c.channel,
                "grid": c.grid.code,
                "status_detail": c.status,
                "parent_service_request_id": master,
                "duplicates": timelines[c.pk]["duplicates"],
                "notes": timelines[c.pk]["notes"],
            }
        rows.append(row)
    return rows


def _timelines(cases: list[Case]) -> dict[int, dict]:
    """Per case: its public notes (Chicago's extended_attributes.notes: datetime, summary, type, description,
    and the unit that acted — never a person) and the numbers of the reports merged into it."""
    events: dict[int, list[CaseEvent]] = defaultdict(list)
    for e in CaseEvent.objects.filter(case__in=cases).order_by("case_id", "seq"):
        events[e.case_id].append(e)
    duplicates: dict[int, list[str]] = defaultdict(list)
    for master_id, number in (
        Case.objects.filter(master__in=cases).order_by("number").values_list("master_id", "number")
    ):
        duplicates[master_id].append(number)
    names = unit_names(e.actor_unit for evs in events.values() for e in evs)
    out = {}
    for c in cases:
        notes = []
        for e in events[c.pk]:
            staff = actor_kind(e.actor_role) == "staff"
            notes.append(
                {
                    "datetime": iso(e.at),
                    "summary": event_label(e.action),
                    "type": NOTE_TYPES.get(e.action, "activity"),
                    "status": e.to_status,
                    "by": actor_kind(e.actor_role),
                    "unit": names.get(e.actor_unit, e.actor_unit) if staff and e.actor_unit else None,
                    "description": mask_phones(e.note) if e.action in PUBLIC_NOTES else "",
                }
            )
        out[c.pk] = {"notes": notes, "duplicates": duplicates[c.pk]}
    return out
