"""A posted action on a staff page (/console/, /dept/, /m/), handled one way for all three.

The page only says which actions it has forms for, how its form reads as the action's JSON body, and
what to say when it is done; the body goes through `cases.api.parse_action_body` and the action
through `services.perform`, exactly as over the API. A refusal comes back to the page to show next
to its form, with the service's explanation and the HTTP status it stands for.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gridgov.cases import selectors as case_selectors
from gridgov.cases import services as case_services
from gridgov.cases.api import ACTION_BODIES, parse_action_body
from gridgov.cases.uploads import store_upload
from gridgov.core.errors import BadInput, GridgovError
from gridgov.people.actors import Actor

MAX_PHOTOS = 9
# The reporter's proofs: staff record a call-back rating as themselves, never with these.
REPORTER_PROOFS = ("tracking_code", "phone_last4")
# A sentence in the reader's language before the service's own explanation.
REFUSAL_LEADS = {
    400: gettext_lazy("Check what you entered."),
    403: gettext_lazy("This is not yours to do."),
    404: gettext_lazy("Not found."),
    409: gettext_lazy("The case is not at a step that allows this now."),
}


@dataclass
class Refusal:
    """A posted action that was refused: the page shows it and changes nothing."""

    action: str
    message: str
    status: int
    posted: dict = field(default_factory=dict)

    @property
    def lead(self) -> str:
        return str(REFUSAL_LEADS.get(self.status, REFUSAL_LEADS[400]))


def case_refusal() -> str:
    """Why a case page cannot be opened, in the reader's language. `cases.selectors.case_for_staff` answers
    a case outside the reader's grids and units exactly like an unknown number (NotFound), so that a number
    tells an outsider nothing: there is only one thing to say."""
    return _("No case has this number.")


def posted_photos(request: HttpRequest) -> list[str]:
    """The photos attached to the form, stored (resized, stripped of EXIF) as uploads: their ids."""
    files = [f for f in request.FILES.getlist("photos") if f.size]
    if len(files) > MAX_PHOTOS:
        raise BadInput(_("Attach at most %(count)d photos.") % {"count": MAX_PHOTOS})
    return [store_upload(data=f.read(), uploaded_by=request.user).id for f in files]


def _takes_photos(action: str) -> bool:
    return "photos" in ACTION_BODIES[action].model_fields


def perform_posted(
    request: HttpRequest, *, actor: Actor, number: str, action: str, payload: dict, page_actions: Collection[str]
) -> None:
    """Parse, keep the photos, perform. Raises GridgovError with the refusal."""
    if action not in page_actions:
        raise BadInput(_("This page cannot take that action."))
    body = parse_action_body(action, payload)
    if action == "evaluate":
        for proof in REPORTER_PROOFS:
            body.pop(proof, None)
    if action == "resolve" and not body["result"].strip():
        # the result is required: say so before keeping photos that would then belong to nothing
        raise BadInput(_("Describe the result."))
    if _takes_photos(action) and request.FILES:
        body["photos"] = posted_photos(request)
    case_services.perform(action, actor=actor, number=number, **body)


def handle_posted_action(
    request: HttpRequest,
    *,
    actor: Actor,
    number: str,
    page_actions: Collection[str],
    payload: Callable[[HttpRequest, str], dict],
    done: Callable[[str], str],
    case_page: str,
    queue_page: str,
) -> HttpResponse | Refusal:
    """The POST of a case page: a redirect when done (to the case, or to the queue when the action
    took the case out of the actor's sight), or the Refusal to show."""
    action = request.POST.get("action", "")
    try:
        perform_posted(
            request,
            actor=actor,
            number=number,
            action=action,
            payload=payload(request, action),
            page_actions=page_actions,
        )
    except GridgovError as exc:
        return Refusal(action=action, message=exc.message, status=exc.status)
    messages.success(request, done(action))
    try:
        case_selectors.case_for_staff(actor, number)
    except GridgovError:
        return redirect(queue_page)
    return redirect(case_page, number=number)
