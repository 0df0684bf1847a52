"""Joint handling (联合执法) on the department case page (/dept/cases/…/): an assisting unit reports its
own part (协办反馈: result and photos), and the lead unit sees every assisting unit's part — and which
have not reported yet — beside its form for the whole result.

Like the other forms of the page, this one calls the service (cases.services.report_assist_part) and
holds no rule of its own; a refusal comes back to the page with the service's explanation.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from gridgov.cases import permissions
from gridgov.cases import selectors as case_selectors
from gridgov.cases import services as case_services
from gridgov.cases.models import Case, Upload
from gridgov.core.errors import BadInput, Conflict, Forbidden, GridgovError
from gridgov.people.actors import Actor
from gridgov.web.actions import Refusal, posted_photos
from gridgov.web.casefile import when
from gridgov.web.media import photo_links

ASSIST = "assist"  # the form's action name on the page


def assist_form(case: Case, actor: Actor) -> dict | None:
    """The form "上报协办结果" when this actor answers for an assisting unit of the case and the case is
    at a step that takes its part; None otherwise."""
    if not permissions.may_report_assist(actor, case):
        return None
    stands = permissions.assisting_unit_of(actor, case)  # not None: may_report_assist checked it
    return {"unit": stands[0]} if stands is not None else None


def parts(case: Case, names: dict[str, str]) -> dict:
    """Each assisting unit's part for the page (unit name, result, photos, time), every photo URL in
    one query; and the names of the units that have not reported yet."""
    found = case_selectors.assist_parts(case)
    known = set(
        Upload.objects.filter(id__in={p for part in found for p in part["photos"]}).values_list("id", flat=True)
    )
    urls = {link["id"]: link for link in photo_links(case.number, sorted(known))}  # served by web.media
    shown = [
        {
            **part,
            "name": names.get(part["unit"], part["unit"]),
            "when": when(part["at"]),
            "photos": [urls.get(p, {"id": p}) for p in part["photos"]],
        }
        for part in found
    ]
    return {"parts": shown, "missing": [part["name"] for part in shown if not part["reported"]]}


def _perform(request: HttpRequest, *, actor: Actor, number: str) -> None:
    result = request.POST.get("result", "").strip()
    if not result:
        raise BadInput(_("Describe your unit's part."))
    case = case_selectors.case_for_staff(actor, number)
    # Refuse before keeping photos that would then belong to nothing (the service checks again, locked).
    try:
        permissions.require_assisting_unit(actor, case)
    except Forbidden as exc:
        raise Forbidden(_("Only a handler of one of the case's assisting units reports an assisting part.")) from exc
    except Conflict as exc:
        raise Conflict(_("An assisting unit reports its part while the case is dispatched or in progress.")) from exc
    photos = posted_photos(request) if request.FILES else []
    case_services.report_assist_part(actor=actor, number=number, result=result, photos=photos)


def handle_posted_assist(request: HttpRequest, *, actor: Actor, number: str, case_page: str) -> HttpResponse | Refusal:
    """The POST of the assist form: back to the case page when done, or the Refusal to show."""
    try:
        _perform(request, actor=actor, number=number)
    except GridgovError as exc:
        return Refusal(action=ASSIST, message=exc.message, status=exc.status)
    messages.success(request, _("Your unit's part was reported to the lead unit."))
    return redirect(case_page, number=number)
