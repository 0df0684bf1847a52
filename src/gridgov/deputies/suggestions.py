"""代表建议: a deputy files a formal suggestion to a unit; the unit's department handler replies once
(adopted / partly / not); the deputy rates the reply once (满意/基本满意/不满意), never before it."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.core import audit
from gridgov.core.errors import BadInput, Conflict, Forbidden, NotFound
from gridgov.deputies.models import Adoption, Rating, Suggestion
from gridgov.deputies.services import number_for
from gridgov.people.actors import Actor
from gridgov.people.models import Unit
from gridgov.visits.services import check_free_text


def _log(actor: Actor, action: str, s: Suggestion, **data) -> None:
    audit.record(actor=actor.user, action=f"deputies.{action}", object_type="suggestion", object_id=s.number, data=data)


def visible(actor: Actor) -> Q:
    """Suggestions the actor may read: their own, their unit's, all of them for leaders and admins."""
    if actor.is_admin or actor.is_system or "leader" in actor.roles:
        return Q()
    uid = getattr(actor.user, "pk", None)
    return Q(deputy_id=uid) | Q(unit__code__in=actor.scopes("department_handler"))


def file(*, actor: Actor, unit_code: str, title: str, text: str) -> Suggestion:
    if "deputy" not in actor.roles:
        raise Forbidden(gettext("suggestions are filed by deputies"))
    unit = Unit.objects.filter(code=unit_code, active=True).first()
    if unit is None:
        raise NotFound(gettext("no unit %(code)s") % {"code": unit_code})
    title = check_free_text(title, gettext("the title"))[:200]
    text = check_free_text(text, gettext("the suggestion"))
    if not title or not text:
        raise BadInput(gettext("a suggestion needs its title and text"))
    with transaction.atomic():
        now = timezone.now()
        s = Suggestion.objects.create(
            number=number_for("S", now), deputy=actor.user, unit=unit, title=title, text=text[:8000], filed_at=now
        )
        _log(actor, "suggestion_filed", s, unit=unit.code)
    return s


def _locked(actor: Actor, number: str) -> Suggestion:
    s = (
        Suggestion.objects.select_for_update(of=("self",))
        .select_related("unit")
        .filter(visible(actor), number=number)
        .first()
    )
    if s is None:
        raise NotFound(gettext("no such suggestion among yours"))
    return s


def reply(*, actor: Actor, number: str, reply: str, adoption: str) -> Suggestion:
    if adoption not in Adoption.values:
        raise BadInput(gettext("adoption is adopted, partly or not"))
    reply = check_free_text(reply, gettext("the reply"))
    if not reply:
        raise BadInput(gettext("a reply needs its text"))
    with transaction.atomic():
        s = _locked(actor, number)
        if not actor.can("department_handler", s.unit.code):
            raise Forbidden(gettext("the unit's handlers reply to a suggestion"))
        if s.replied_at is not None:
            raise Conflict(gettext("this suggestion was replied to already"))
        s.reply, s.adoption, s.replied_by, s.replied_at = reply[:8000], adoption, actor.user, timezone.now()
        s.save(update_fields=["reply", "adoption", "replied_by", "replied_at"])
        _log(actor, "suggestion_replied", s, adoption=adoption)
    return s


def rate(*, actor: Actor, number: str, rating: str) -> Suggestion:
    if rating not in Rating.values:
        raise BadInput(gettext("the rating is satisfied, basically_satisfied or dissatisfied"))
    with transaction.atomic():
        s = _locked(actor, number)
        if s.deputy_id != getattr(actor.user, "pk", None):
            raise Forbidden(gettext("the deputy who filed it rates the reply"))
        if s.replied_at is None:
            raise Conflict(gettext("rate the reply once the unit has replied"))
        if s.rated_at is not None:
            raise Conflict(gettext("this reply was rated already"))
        s.rating, s.rated_at = rating, timezone.now()
        s.save(update_fields=["rating", "rated_at"])
        _log(actor, "suggestion_rated", s, rating=rating)
    return s
