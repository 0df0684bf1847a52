"""Writes of residents (实有人口) and the logged reveal of their ID number or phone (个人信息查询留痕).

A resident's name, ID number and phone are encrypted (models.Resident); these services keep the keyed
digests and masked forms beside them in step. A reveal is an explicit act with a reason: it checks the
role and scope (access.py), then writes an AccessLog row and a chained audit event in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.core import audit
from gridgov.core.errors import BadInput, Forbidden, NotFound
from gridgov.people.actors import Actor
from gridgov.registry import access
from gridgov.registry.models import AccessLog, Household, Resident, Tag
from gridgov.registry.personal import (
    digest,
    mask_id_number,
    mask_name,
    mask_phone,
    normalise_id_number,
    normalise_phone,
)
from gridgov.registry.services import log, require_write

REVEALABLE = ("id_number", "phone")
MIN_REASON = 4  # "核实身份" at least: a reason an auditor can read


def tags_by_name(names: Iterable[str]) -> list[Tag]:
    """The active tags named (by name or code); BadInput naming the unknown ones."""
    wanted = [n.strip() for n in names if n and n.strip()]
    found = {t.name: t for t in Tag.objects.filter(active=True)}
    found |= {t.code: t for t in found.values()}
    unknown = [n for n in wanted if n not in found]
    if unknown:
        raise BadInput(
            gettext("unknown key-group tag(s): %(tags)s (known: %(known)s)")
            % {"tags": "、".join(unknown), "known": "、".join(sorted({t.name for t in found.values()}))}
        )
    return list({found[n].pk: found[n] for n in wanted}.values())


def set_personal(resident: Resident, *, name: str, id_number: str, phone: str) -> None:
    """The encrypted values with their digests and masks, always set together (not saved: record_resident
    and bulk loaders such as the demo's write the row)."""
    name = (name or "").strip()
    if not name:
        raise BadInput(gettext("a resident needs a name"))
    id_number, phone = normalise_id_number(id_number), normalise_phone(phone)
    values = {
        "name": name,
        "name_digest": digest("name", name),
        "name_masked": mask_name(name),
        "id_number": id_number,
        "id_digest": digest("id", id_number),
        "id_masked": mask_id_number(id_number) if id_number else "",
        "phone": phone,
        "phone_digest": digest("phone", phone),
        "phone_masked": mask_phone(phone) if phone else "",
    }
    for field, value in values.items():
        setattr(resident, field, value)


def _taken(id_digest: str, exclude: int | None) -> bool:
    return bool(id_digest) and Resident.objects.filter(id_digest=id_digest, active=True).exclude(pk=exclude).exists()


@transaction.atomic
def record_resident(
    *,
    actor: Actor,
    household: Household,
    name: str,
    id_number: str = "",
    phone: str = "",
    tags: Iterable[str] = (),
    resident: Resident | None = None,
    collected_at: datetime | None = None,
    audited: bool = True,
) -> Resident:
    """实有人口: a resident of a household, created (or, given `resident`, updated), collected now."""
    if not household.active:
        raise BadInput(gettext("the household has been retired"))
    require_write(actor, household.grid.code)
    if resident is not None:
        resident = Resident.objects.select_for_update().get(pk=resident.pk)
        require_write(actor, resident.grid.code)
    target = resident or Resident()
    set_personal(target, name=name, id_number=id_number, phone=phone)
    if _taken(target.id_digest, target.pk):
        raise BadInput(gettext("a resident with the ID number %(id)s is registered already") % {"id": target.id_masked})
    tag_rows = tags_by_name(tags)
    target.household, target.grid = household, household.grid
    target.collected_at, target.active = collected_at or timezone.now(), True
    target.save()
    target.tags.set(tag_rows)
    if not audited:  # an import's one event covers it
        return target
    log(
        actor,
        "resident.update" if resident else "resident.create",
        target,
        household=household.pk,
        tags=[t.code for t in tag_rows],
    )
    return target


@transaction.atomic
def retire_resident(*, actor: Actor, resident: Resident) -> Resident:
    """迁出/死亡注销: the resident no longer lives here."""
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    require_write(actor, resident.grid.code)
    resident.active = False
    resident.save(update_fields=["active"])
    log(actor, "resident.retire", resident)
    return resident


def visible_resident(actor: Actor, resident_id: int) -> Resident:
    """The resident if the actor may see them (masked); NotFound otherwise, as if there were none."""
    resident = Resident.objects.select_related("grid", "household__address").filter(pk=resident_id).first()
    if resident is None or not access.can_see(actor, resident.grid.code):
        raise NotFound(gettext("no such resident in your grids"))
    return resident


@transaction.atomic
def record_search(*, actor: Actor, fields: list[str], found: list[int]) -> None:
    """A search by ID number or phone tells where a person lives: logged like a reveal (the fields searched
    and the residents found, never the digits), though it shows nothing beyond the masked records."""
    audit.record(
        actor=actor.user,
        action="personal_data.search",
        object_type="resident",
        data={"fields": fields, "found": found[:200], "count": len(found), "as": actor.label},
    )


@transaction.atomic
def reveal_resident(*, actor: Actor, resident: Resident, field: str, reason: str) -> str:
    """Show one resident's ID number or phone in full (查看完整信息): NotFound outside the actor's scope,
    Forbidden without a revealing role there (an auditor, a dispatcher), BadInput without a reason; the
    plain value, with an AccessLog row and an audit event written in the same transaction."""
    resident = visible_resident(actor, resident.pk)
    if not access.can_reveal(actor, resident.grid.code):
        raise Forbidden(gettext("only the grid workers and leaders of the resident's grid may reveal this"))
    if field not in REVEALABLE:
        raise BadInput(gettext("only id_number or phone can be revealed"))
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise BadInput(gettext("say why you need it (at least %(n)d characters)") % {"n": MIN_REASON})
    event = audit.record(
        actor=actor.user,
        action="personal_data.read",
        object_type="resident",
        object_id=resident.pk,
        data={"fields": [field], "reason": reason[:300], "grid": resident.grid.code, "as": actor.label},
    )
    AccessLog.objects.create(
        at=event.at,
        user=actor.user if getattr(actor.user, "pk", None) else None,
        actor_label=actor.label,
        resident=resident,
        grid_code=resident.grid.code,
        field=field,
        reason=reason[:300],
        audit_event_id=event.pk,
    )
    return getattr(resident, field)
