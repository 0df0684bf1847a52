"""Cases over JSON (docs/architecture.md §4): intake, the case file, actions, uploads."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext
from ninja import Body, File, Header, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gridgov.cases import audit_api, photos, proof, reads, reveals, selectors, services
from gridgov.cases.duplicates import answer as duplicates_answer
from gridgov.cases.models import Case
from gridgov.cases.uploads import store_upload
from gridgov.core.errors import BadInput, NotAuthenticated, NotFound
from gridgov.core.throttle import client_address
from gridgov.core.timefmt import iso
from gridgov.core.validation import describe_errors
from gridgov.http.auth import actor_from_request
from gridgov.http.problems import Problem

router = Router(tags=["cases"])
uploads_router = Router(tags=["uploads"])
# mounted by gridgov.http.api; the auditors' review lives in audit_api, under /audit
ROUTERS = [("/uploads", uploads_router), ("/cases", router), ("/audit", audit_api.router)]


class Reporter(Schema):
    name: str = ""
    phone: str = ""


class OnSpot(Schema):
    result: str
    photos: list[str] = []


class CaseIn(Schema):
    title: str = Field(max_length=200)
    description: str = ""
    address: str = Field("", max_length=200, description="位置描述: the place in words; required for hotline cases")
    lon: float
    lat: float
    crs: Literal["wgs84", "gcj02"] = "wgs84"
    category: str | None = None
    channel: str | None = None
    photos: list[str] = []
    reporter: Reporter | None = None
    resolved: OnSpot | None = None
    follow: str | None = Field(
        None,
        max_length=14,
        description="重复件: the number of an open case nearby that this report repeats; the report is merged into it",
    )


class UploadOut(Schema):
    id: str
    url: str


@uploads_router.post(
    "",
    response={201: UploadOut, 400: Problem, 401: Problem, 429: Problem},
    summary="Upload a photo (residents: at most 30 an hour from one address)",
)
def upload(request: HttpRequest, file: File[UploadedFile]):
    actor = actor_from_request(request, required=False)
    client = client_address(request) if actor.user is None else None  # anonymous uploads are limited per address
    stored = store_upload(data=file.read(), uploaded_by=actor.user, client=client)
    if actor.user is None:  # a resident's browser: its session may show the photo back (cases.photos.own_upload)
        photos.remember(request.session, photos.SESSION_UPLOADS, stored.id)
    return Status(201, {"id": stored.id, "url": reverse("web:own-photo", args=[stored.id])})


@router.post(
    "",
    response={201: dict, 400: Problem, 401: Problem, 403: Problem, 409: Problem},
    summary="Report a problem (上报); residents need no account",
)
def report(
    request: HttpRequest, body: CaseIn = Body(...), idempotency_key: str | None = Header(None, alias="Idempotency-Key")
):
    actor = actor_from_request(request, required=False)
    report: dict[str, Any] = {
        "actor": actor,
        "title": body.title,
        "description": body.description,
        "lon": body.lon,
        "lat": body.lat,
        "crs": body.crs,
        "category": body.category,
        "channel": body.channel,
        "photos": body.photos,
        "reporter_name": body.reporter.name if body.reporter else "",
        "reporter_phone": body.reporter.phone if body.reporter else "",
        "resolved": body.resolved.dict() if body.resolved else None,
        "address": body.address,
        "idempotency_key": idempotency_key,
    }
    # 重复件: following an open case files the report merged into it (services/repeats.py)
    intake = services.report_following(follow=body.follow, **report) if body.follow else services.report_case(**report)
    case = intake.case  # as written, its grid and category attached; a retry's case is read again
    if not intake.created:
        case = Case.objects.select_related("grid", "category").get(pk=case.pk)
    return Status(
        201, {**selectors.summary(case), "tracking_code": intake.tracking_code, "replayed": not intake.created}
    )


class ListFilters(Schema):
    status: str | None = None
    light: Literal["green", "yellow", "red"] | None = None
    grid: str | None = None
    category: str | None = None
    channel: str | None = None
    unit: str | None = None
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10**9)  # a larger OFFSET overflows the database's integer


@router.get("", response={200: dict, 401: Problem}, summary="Cases in my grids and units")
def case_list(request: HttpRequest, filters: Query[ListFilters]):
    actor = actor_from_request(request, required=True)
    qs = selectors.case_list(actor, **filters.dict(exclude={"limit", "offset"}))
    page = qs[filters.offset : filters.offset + filters.limit]
    return {"count": qs.count(), "items": [selectors.summary(c) for c in page]}


class DuplicateQuery(Schema):
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    crs: Literal["wgs84", "gcj02"] = "wgs84"
    title: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=5000)
    category: str | None = Field(None, max_length=24)


@router.get(
    "/duplicates",
    response={200: dict, 400: Problem},
    summary="重复件: open cases nearby that may be the same problem (anyone: public fields; staff: their cases)",
)
def duplicates(request: HttpRequest, query: Query[DuplicateQuery]):
    actor = actor_from_request(request, required=False)
    return duplicates_answer(actor if actor.user is not None else None, **query.dict())


@router.get(
    "/{number}",
    response={200: dict, 401: Problem, 403: Problem, 404: Problem, 429: Problem},
    summary="A case: the whole file for staff in scope, the public view with its tracking code",
)
def case_detail(
    request: HttpRequest, number: str, tracking_code: str | None = None, reveal: Literal["reporter"] | None = None
):
    has_token = bool(request.headers.get("Authorization")) or request.user.is_authenticated
    if tracking_code is not None and not has_token:
        case, _ = proof.case_for_reporter(
            number=number, code=tracking_code, client=client_address(request), tracking_only=True
        )  # throttled: 429 after repeated failures
        return selectors.public_view(case)
    if not has_token:
        raise NotAuthenticated(gettext("sign in to see a case, or give its tracking_code"))
    actor = actor_from_request(request, required=True)
    case = selectors.case_for_staff(actor, number)
    if reveal:
        reveals.reveal_reporter(actor=actor, case=case)  # 403 unless they may; logged
    reads.record_read(actor=actor, case=case, via="api")
    return selectors.staff_view(case, actor, reveal=bool(reveal))


# ---- actions -------------------------------------------------------------------------------------


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RegisterIn(_Body):
    category: str | None = None
    complexity: Literal["simple", "general", "complex", "legacy", "major"] | None = None
    note: str = ""


class ReasonIn(_Body):
    reason: str


class MergeIn(_Body):
    into: str


class DispatchIn(_Body):
    unit: str | None = None
    assisting: list[str] | None = None
    note: str = ""


class EmptyIn(_Body):
    pass


class NoteIn(_Body):
    note: str


class ExtensionIn(_Body):
    days: int
    reason: str


class SuspendIn(_Body):
    reason: str
    review_on: date


class ResolveIn(_Body):
    result: str
    photos: list[str] = []


class VerifyIn(_Body):
    passed: bool
    note: str = ""
    photos: list[str] = []


class ChangeModeIn(_Body):
    mode: Literal["immediate", "coordinated", "on_site", "linked"]
    reason: str


class SiteVisitBodyIn(_Body):
    note: str
    photos: list[str] = []  # at least one: the service says so (a page attaches its files after parsing)


class ReplyBodyIn(_Body):
    reply: str


class CloseIn(_Body):
    reply: str = ""  # 句号管理: the reply to the requester, unless one was recorded before (POST …/reply)


class EvaluateIn(_Body):
    satisfaction: Literal["satisfied", "basically_satisfied", "dissatisfied"]
    solved: bool
    note: str = ""
    tracking_code: str | None = None
    phone_last4: str | None = None  # refused (403): a rating needs the tracking code, which staff never see


ACTION_BODIES: dict[str, type[BaseModel]] = {
    "register": RegisterIn,
    "reject": ReasonIn,
    "merge": MergeIn,
    "dispatch": DispatchIn,
    "accept": EmptyIn,
    "return": ReasonIn,
    "escalate": NoteIn,
    "request_extension": ExtensionIn,
    "grant_extension": EmptyIn,
    "deny_extension": ReasonIn,
    "suspend": SuspendIn,
    "resume": EmptyIn,
    "supervise": NoteIn,
    "resolve": ResolveIn,
    "verify": VerifyIn,
    "close": CloseIn,
    "evaluate": EvaluateIn,
    "reopen": ReasonIn,
    # the handling modes' steps (transitions.STEPS), also at their own paths below
    "change_mode": ChangeModeIn,
    "site_visit": SiteVisitBodyIn,
    "progress": NoteIn,
    "reply": ReplyBodyIn,
}


def parse_action_body(action: str, payload: dict | None) -> dict:
    schema = ACTION_BODIES.get(action)
    if schema is None:
        raise NotFound(
            gettext("unknown action %(action)r: one of %(known)s")
            % {"action": action, "known": ", ".join(ACTION_BODIES)}
        )
    try:
        return schema.model_validate(payload or {}).model_dump()
    except ValidationError as exc:
        raise BadInput(f"{action}: {describe_errors(exc.errors())}") from exc


@router.post(
    "/{number}/actions/{action}",
    response={200: dict, 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 429: Problem},
    summary="Take an action on a case (the table in docs/architecture.md §3 says who may)",
)
def act(request: HttpRequest, number: str, action: str, payload: dict | None = Body(None)):
    body = parse_action_body(action, payload)
    reporter_evaluates = (
        action == "evaluate"
        and bool(body.get("tracking_code") or body.get("phone_last4"))
        and not request.headers.get("Authorization")
    )
    actor = actor_from_request(request, required=not reporter_evaluates)
    if action == "evaluate":
        for kind in ("tracking_code", "phone_last4"):  # staff evaluate as staff; an empty proof is none
            if not reporter_evaluates or not body.get(kind):
                body.pop(kind, None)
        if reporter_evaluates:
            body["client"] = client_address(request)  # guessing is counted per client address too
    services.perform(action, actor=actor, number=number, **body)
    case = Case.objects.select_related("grid", "category", "master").get(number=number)
    if reporter_evaluates:
        return selectors.public_view(case)
    try:
        if not selectors.may_read(actor, case):  # case_for_staff's check, on the row just read
            raise selectors.no_such_case(number)
        return selectors.staff_view(case, actor)
    except NotFound:
        # the action took the case out of the actor's sight (a return, an escalation): it was done,
        # so answer 200 with what they may still know
        return {**selectors.summary(case), "actions": []}


class ConsultationIn(Schema):
    participants: list[str]
    decision: str


@router.post(
    "/{number}/consultations",
    response={201: dict, 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem},
    summary="Attach a consultation (集中会商) to an open case",
)
def consult(request: HttpRequest, number: str, body: ConsultationIn):
    actor = actor_from_request(request, required=True)
    meeting = services.consult_case(actor=actor, number=number, participants=body.participants, decision=body.decision)
    return Status(
        201,
        {
            "id": meeting.pk,
            "participants": meeting.participants,
            "decision": meeting.decision,
            "held_at": iso(meeting.held_at),
        },
    )


class AssistIn(Schema):
    result: str
    photos: list[str] = []


@router.post(
    "/{number}/assist",
    response={201: dict, 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem},
    summary="An assisting unit reports its part of a joint case (协办反馈)",
)
def assist(request: HttpRequest, number: str, body: AssistIn):
    actor = actor_from_request(request, required=True)
    event = services.report_assist_part(actor=actor, number=number, result=body.result, photos=body.photos)
    return Status(
        201,
        {
            "seq": event.seq,
            "unit": event.unit,
            "result": event.note,
            "photos": event.data["photos"],
            "at": iso(event.at),
        },
    )


# ---- the handling modes' steps (办理方式, cases/services/modes.py): answered like an action ----------------

STEP_ANSWERS = {200: dict, 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem}


class ModeIn(Schema):
    mode: Literal["immediate", "coordinated", "on_site", "linked"]
    reason: str = Field(..., max_length=2000)


class SiteVisitIn(Schema):
    note: str = Field(..., max_length=2000)
    photos: list[str] = Field(..., min_length=1)


class StepNoteIn(Schema):
    note: str = Field(..., max_length=2000)


class ReplyIn(Schema):
    reply: str = Field(..., max_length=2000)


def _answer(request: HttpRequest, number: str) -> dict:
    actor = actor_from_request(request, required=True)
    return selectors.staff_view(Case.objects.select_related("grid", "category", "master").get(number=number), actor)


@router.post("/{number}/mode", response=STEP_ANSWERS, summary="Change the handling mode (变更办理方式), with a reason")
def change_mode(request: HttpRequest, number: str, body: ModeIn):
    services.change_mode(
        actor=actor_from_request(request, required=True), number=number, mode=body.mode, reason=body.reason
    )
    return _answer(request, number)


@router.post("/{number}/site-visits", response=STEP_ANSWERS, summary="Record the site visit of 现场办 (photos)")
def site_visit(request: HttpRequest, number: str, body: SiteVisitIn):
    services.record_site_visit(
        actor=actor_from_request(request, required=True), number=number, note=body.note, photos=body.photos
    )
    return _answer(request, number)


@router.post("/{number}/progress", response=STEP_ANSWERS, summary="Report progress (进展报告, 联动办 on a schedule)")
def progress(request: HttpRequest, number: str, body: StepNoteIn):
    services.report_progress(actor=actor_from_request(request, required=True), number=number, note=body.note)
    return _answer(request, number)


@router.post("/{number}/reply", response=STEP_ANSWERS, summary="Reply to the requester (答复, 句号管理)")
def reply(request: HttpRequest, number: str, body: ReplyIn):
    services.reply_to_requester(actor=actor_from_request(request, required=True), number=number, reply=body.reply)
    return _answer(request, number)
