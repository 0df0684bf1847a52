"""Reads of the registry, scoped to the actor and masked (登记信息查询): lists, one resident, the access
log for auditors, and the records due for re-collection (到期复核)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Model, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.core.errors import BadInput
from gridgov.people.actors import Actor
from gridgov.registry import access
from gridgov.registry.models import AccessLog, Address, Building, Household, Organisation, Resident, Tag
from gridgov.registry.personal import digest, mask_name, normalise_id_number, normalise_phone

# Days after which a record is due to be collected again; settings.GRIDGOV_REGISTRY_REFRESH_DAYS
# overrides any of them (people move more often than buildings change).
REFRESH_DAYS = {"address": 365, "building": 365, "household": 180, "resident": 180, "organisation": 180}
MODELS: dict[str, type[Model]] = {
    "address": Address,
    "building": Building,
    "household": Household,
    "resident": Resident,
    "organisation": Organisation,
}


def refresh_days() -> dict[str, int]:
    return {**REFRESH_DAYS, **getattr(settings, "GRIDGOV_REGISTRY_REFRESH_DAYS", {})}


def _scoped(qs: QuerySet, actor: Actor, grid: str | None) -> QuerySet:
    qs = qs.filter(access.within(access.see_scopes(actor)))
    return qs.filter(grid__code__startswith=grid.strip()) if grid and grid.strip() else qs


def households(actor: Actor, *, grid: str | None = None, address: str | None = None) -> QuerySet[Household]:
    """Active households in the actor's grids (optionally one subtree, or an address containing text)."""
    qs = _scoped(Household.objects.filter(active=True), actor, grid)
    if address and address.strip():
        qs = qs.filter(address__full_text__contains=address.strip())
    return qs.select_related("address", "grid").order_by("address__full_text", "id")


def residents(
    actor: Actor,
    *,
    grid: str | None = None,
    household: int | None = None,
    tag: str | None = None,
    name: str | None = None,
    id_number: str | None = None,
    phone: str | None = None,
) -> QuerySet[Resident]:
    """Active residents in the actor's grids; name, ID number and phone match exactly (by keyed digest:
    the columns are encrypted), a malformed ID or phone is a BadInput rather than an empty answer."""
    qs = _scoped(Resident.objects.filter(active=True), actor, grid)
    if household is not None:
        qs = qs.filter(household_id=household)
    if tag:
        qs = qs.filter(Q(tags__code=tag) | Q(tags__name=tag))
    if name and name.strip():
        qs = qs.filter(name_digest=digest("name", name.strip()))
    if id_number and id_number.strip():
        qs = qs.filter(id_digest=digest("id", normalise_id_number(id_number)))
    if phone and phone.strip():
        qs = qs.filter(phone_digest=digest("phone", normalise_phone(phone)))
    return (
        qs.distinct()
        .select_related("grid", "household__address")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("code")))
        .order_by("household__address__full_text", "id")
    )


def organisations(
    actor: Actor, *, grid: str | None = None, text: str | None = None, kind: str | None = None
) -> QuerySet[Organisation]:
    """Active organisations in the actor's grids (optionally one subtree, a kind, a name, address or credit
    code containing text)."""
    qs = _scoped(Organisation.objects.filter(active=True), actor, grid)
    if kind:
        qs = qs.filter(kind=kind)
    if text and text.strip():
        t = text.strip()
        qs = qs.filter(Q(name__contains=t) | Q(address_text__contains=t) | Q(credit_code=t.upper()))
    return qs.select_related("grid").order_by("name", "id")


def buildings(actor: Actor, *, grid: str | None = None, address: str | None = None) -> QuerySet[Building]:
    """Active buildings in the actor's grids (optionally one subtree, or an address containing text)."""
    qs = _scoped(Building.objects.filter(active=True), actor, grid)
    if address and address.strip():
        qs = qs.filter(address__full_text__contains=address.strip())
    return qs.select_related("address", "grid").order_by("address__full_text", "id")


def addresses(
    actor: Actor, *, grid: str | None = None, text: str | None = None, level: str | None = None
) -> QuerySet[Address]:
    """Active standard addresses in the actor's grids (optionally one subtree, a level, text contained)."""
    qs = _scoped(Address.objects.filter(active=True), actor, grid)
    if level:
        qs = qs.filter(level=level)
    if text and text.strip():
        qs = qs.filter(full_text__contains=text.strip())
    return qs.select_related("grid").order_by("full_text", "id")


def organisation_row(o: Organisation) -> dict:
    """An organisation as lists show it: its contact person's name and phone masked like a resident's."""
    return {
        "id": o.pk,
        "kind": o.kind,
        "name": o.name,
        "credit_code": o.credit_code,
        "address": o.address_text,
        "address_id": o.address_id,
        "grid": o.grid.code,
        "contact_name": mask_name(o.contact_name) if o.contact_name else "",
        "contact_phone": o.contact_phone_masked,
        "collected_at": o.collected_at,
    }


def building_row(b: Building) -> dict:
    return {
        "id": b.pk,
        "address": b.address.full_text,
        "address_id": b.address_id,
        "use": b.use,
        "floors": b.floors,
        "grid": b.grid.code,
        "collected_at": b.collected_at,
    }


def address_row(a: Address) -> dict:
    return {
        "id": a.pk,
        "level": a.level,
        "name": a.name,
        "address": a.full_text,
        "parent": a.parent_id,
        "lon": a.lon,
        "lat": a.lat,
        "grid": a.grid.code,
        "collected_at": a.collected_at,
    }


def household_row(h: Household) -> dict:
    return {
        "id": h.pk,
        "address": h.address.full_text,
        "grid": h.grid.code,
        "size": h.size,
        "collected_at": h.collected_at,
    }


def resident_row(r: Resident) -> dict:
    """A resident as every list and page shows them: ID number and phone masked, never in full. The name
    is shown to staff in scope (they visit the person); exports and the admin show it masked."""
    return {
        "id": r.pk,
        "name": r.name,
        "id_number": r.id_masked,
        "phone": r.phone_masked,
        "household": r.household_id,
        "address": r.household.address.full_text,
        "grid": r.grid.code,
        "tags": [t.name for t in r.tags.all()],
        "collected_at": r.collected_at,
    }


def access_log(
    actor: Actor, *, resident: int | None = None, user: str | None = None, since: datetime | None = None
) -> QuerySet[AccessLog]:
    """Reveals of residents' data in the auditor's grids, newest first (Forbidden for anyone else)."""
    qs = AccessLog.objects.filter(access.within(access.audit_scopes(actor), "grid_code"))
    if resident is not None:
        qs = qs.filter(resident_id=resident)
    if user and user.strip():
        qs = qs.filter(user__username=user.strip())
    if since is not None:
        qs = qs.filter(at__gte=_utc(since))
    return qs.select_related("user", "resident").order_by("-at", "-id")


def _utc(value: datetime) -> datetime:
    """In UTC: PostgreSQL refuses some offsets Python accepts (beyond ±15:59)."""
    try:
        return (timezone.make_aware(value) if timezone.is_naive(value) else value).astimezone(UTC)
    except OverflowError:
        raise BadInput(gettext("%(value)s is out of range") % {"value": value.isoformat()}) from None


def access_row(entry: AccessLog) -> dict:
    """What an auditor sees: who, whom (masked), which field, why, when — never the value."""
    return {
        "id": entry.pk,
        "at": entry.at,
        "user": entry.user.get_username() if entry.user_id else "",
        "as": entry.actor_label,
        "resident": entry.resident_id,
        "resident_name": entry.resident.name_masked,
        "grid": entry.grid_code,
        "field": entry.field,
        "reason": entry.reason,
    }


def due_for_recollection(actor: Actor, *, kind: str, grid: str | None = None, now: datetime | None = None) -> QuerySet:
    """Active records of a kind in the actor's grids last collected longer ago than its period, oldest first."""
    if kind not in MODELS:
        raise BadInput(
            gettext("unknown record kind %(kind)s (one of %(kinds)s)") % {"kind": kind, "kinds": ", ".join(MODELS)}
        )
    cutoff = (now or timezone.now()) - timedelta(days=refresh_days()[kind])
    qs = _scoped(MODELS[kind].objects.filter(active=True, collected_at__lt=cutoff), actor, grid)
    related = ("grid", "address") if kind in ("building", "household") else ("grid",)
    return qs.select_related(*related).order_by("collected_at", "id")


def due_row(kind: str, record) -> dict:
    label = {
        "address": lambda r: r.full_text,
        "building": lambda r: r.address.full_text,
        "household": lambda r: r.address.full_text,
        "resident": lambda r: r.name_masked,
        "organisation": lambda r: r.name,
    }[kind](record)
    return {
        "kind": kind,
        "id": record.pk,
        "label": label,
        "grid": record.grid.code,
        "collected_at": record.collected_at,
    }
