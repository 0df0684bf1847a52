"""查询 (/track/): the resident follows a report with its number and tracking code (or the last 4
digits of the phone they gave), sees who handles it, its public photos and the result in plain words,
and rates it once it is closed — with the tracking code only: staff see a phone's digits, and a rating
must come from the reporter.

The receipt's link (/track/?number=…&code=…) opens the case at once; the form posts. Every proof is
throttled (cases.proof): after repeated failures the page answers 429 and says how long to wait. A
proven case is remembered in the session, so that its photos (web.media) load for this visitor only.
"""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from gridgov.cases import photos, proof
from gridgov.cases import selectors as case_selectors
from gridgov.cases import services as case_services
from gridgov.cases.models import Case
from gridgov.core.errors import Forbidden, GridgovError, NotFound, TooMany
from gridgov.core.throttle import client_address
from gridgov.people.actors import Actor
from gridgov.people.selectors import unit_names
from gridgov.web.media import evidence
from gridgov.web.views import SATISFACTION_CHOICES


def _rating_error(exc: GridgovError) -> str:
    if exc.status == 429:
        return exc.message
    if exc.status == 409:
        return _("This case cannot be rated now (it may have been rated already).")
    if exc.status == 403:
        return _("The number and code do not prove that you reported this case. Check them against your receipt.")
    return _("Choose how satisfied you are and whether the problem was solved.")


def _handling(case: Case) -> dict:
    """Who handles the case now, and the result in plain words (the case followed: a merged
    duplicate shows the case it was merged into)."""
    followed = case.master if case.master_id else case
    code = followed.lead_unit or followed.platform
    name = unit_names([code]).get(code, "") if code else ""
    words = ""
    if followed.status in photos.HANDLED and followed.resolved_at:
        when = timezone.localtime(followed.resolved_at).strftime("%Y-%m-%d")
        words = _("%(unit)s reported the result on %(date)s:") % {"unit": name or _("The handling unit"), "date": when}
    rating = ""
    if followed.satisfaction:
        rating = _("Your rating: %(satisfaction)s; %(solved)s") % {
            "satisfaction": dict(SATISFACTION_CHOICES).get(followed.satisfaction, followed.satisfaction),
            "solved": _("the problem was solved.") if followed.solved else _("the problem was not solved."),
        }
    return {"unit": name, "unit_is_platform": not followed.lead_unit, "result_words": words, "rating_words": rating}


@never_cache
@require_http_methods(["GET", "POST"])
def track(request):
    """查询: a case by number and tracking code or phone digits; the receipt's link carries both."""
    source = request.POST if request.method == "POST" else request.GET
    number = source.get("number", "").strip()
    code = source.get("code", "").strip()
    context = {
        "satisfaction_choices": SATISFACTION_CHOICES,
        "number": number,
        "code": code,
        "track_config": {"track": reverse("web:track"), "current": None},
    }
    if not (number and code):
        if request.method == "POST":
            context["error"] = _("Give the case number and the tracking code (or the last 4 digits of your phone).")
        return render(request, "web/track.html", context)

    client = client_address(request)
    try:
        case, how = proof.case_for_reporter(number=number, code=code, client=client)
    except TooMany as exc:
        context["error"] = exc.message
        return render(request, "web/track.html", context, status=429)
    except (Forbidden, NotFound):
        context["error"] = _("No case matches this number and code. Check both against your receipt.")
        return render(request, "web/track.html", context)
    photos.remember(request.session, photos.SESSION_PROVEN, case.number)

    by_digits = how != "tracking_code"  # the phone's last 4 digits open the case for reading only
    if request.method == "POST" and request.POST.get("action") == "evaluate" and by_digits:
        context["error"] = _(
            "To rate the result, look the case up with the tracking code on your receipt: "
            "the last 4 digits of your phone only show its progress."
        )
    elif request.method == "POST" and request.POST.get("action") == "evaluate":
        solved = request.POST.get("solved")
        try:
            case_services.evaluate_case(
                actor=Actor.anonymous("reporter"),
                number=case.number,
                satisfaction=request.POST.get("satisfaction", ""),
                solved={"yes": True, "no": False}.get(solved, solved),  # anything else: the service says no
                note=request.POST.get("note", ""),
                client=client,
                **{how: code},
            )
        except GridgovError as exc:
            context["error"] = _rating_error(exc)
        else:
            context["notice"] = _("Thank you. Your rating has been recorded.")
        case.refresh_from_db()

    view = case_selectors.public_view(case)
    for event in view["timeline"]:
        event["when"] = event["at"][:16].replace("T", " ")  # local time, to the minute
    # the page's script keeps it in the browser's list of "my reports"
    context["track_config"]["current"] = {
        "number": case.number,
        "code": code,
        "title": case.title,
        "date": view["reported_at"][:10],
    }
    context.update(
        case=view,
        can_rate=view["can_evaluate"] and not by_digits,
        rate_needs_code=view["can_evaluate"] and by_digits,
        handling=_handling(case),
        evidence=evidence(case.number, photos.public_photos(case)),
    )
    return render(request, "web/track.html", context)
