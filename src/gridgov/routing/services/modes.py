"""The handling modes' rules (办理方式规则): the shipped defaults (data/modes.csv) and the admin's edits."""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext

from gridgov.core import audit
from gridgov.core.errors import BadInput, NotFound
from gridgov.people.actors import Actor
from gridgov.routing.models import Complexity, HandlingMode, ModeRule

MODES_FILE = Path(__file__).parent.parent / "data" / "modes.csv"


def _flag(value: str) -> bool:
    return value.strip().lower() in ("true", "1", "yes")


def _number(value: str) -> int | None:
    return int(value) if value.strip() else None


def default_rows() -> list[dict]:
    with MODES_FILE.open(encoding="utf-8", newline="") as handle:
        return [
            {
                "mode": row["mode"],
                "complexities": row["complexities"],
                "resolve_working_hours": _number(row["resolve_working_hours"]),
                "site_visit_required": _flag(row["site_visit_required"]),
                "consultation_required": _flag(row["consultation_required"]),
                "progress_every_days": _number(row["progress_every_days"]),
                "district_lead_required": _flag(row["district_lead_required"]),
                "note": row["note"],
            }
            for row in csv.DictReader(handle)
        ]


def install_mode_rules() -> int:
    """Create the shipped rules that are missing (an edited rule is left as it is); how many were created."""
    made = 0
    for row in default_rows():
        _, created = ModeRule.objects.get_or_create(mode=row["mode"], defaults=row)
        made += created
    return made


def save_mode_rule(
    *,
    actor: Actor,
    mode: str,
    complexities: str,
    resolve_working_hours: int | None = None,
    site_visit_required: bool = False,
    consultation_required: bool = False,
    progress_every_days: int | None = None,
    district_lead_required: bool = False,
    note: str = "",
) -> ModeRule:
    """Change what a mode asks (administrators): a complexity belongs to one mode at most."""
    if not (actor.is_admin or actor.is_system):
        raise NotFound(gettext("handling mode rules are kept by administrators"))
    if mode not in HandlingMode.values:
        raise BadInput(gettext("mode must be one of %(known)s") % {"known": ", ".join(HandlingMode.values)})
    listed = [c.strip() for c in complexities.split(",") if c.strip()]
    unknown = [c for c in listed if c not in Complexity.values]
    if unknown:
        raise BadInput(
            gettext("unknown complexity %(value)s; known: %(known)s")
            % {"value": ", ".join(unknown), "known": ", ".join(Complexity.values)}
        )
    if resolve_working_hours is not None and not 1 <= resolve_working_hours <= 400:
        raise BadInput(gettext("working hours to resolve: 1 to 400, or empty"))
    if progress_every_days is not None and not 1 <= progress_every_days <= 90:
        raise BadInput(gettext("progress reports: every 1 to 90 days, or empty"))
    with transaction.atomic():
        for other in ModeRule.objects.select_for_update().exclude(mode=mode):
            taken = set(other.complexity_list) & set(listed)
            if taken:
                raise BadInput(
                    gettext("%(value)s is handled as %(mode)s already: take it out there first")
                    % {"value": ", ".join(sorted(taken)), "mode": other.get_mode_display()}
                )
        rule, _ = ModeRule.objects.update_or_create(
            mode=mode,
            defaults={
                "complexities": ",".join(listed),
                "resolve_working_hours": resolve_working_hours,
                "site_visit_required": site_visit_required,
                "consultation_required": consultation_required,
                "progress_every_days": progress_every_days,
                "district_lead_required": district_lead_required,
                "note": note.strip()[:200],
            },
        )
        audit.record(
            actor=actor.user,
            action="routing.mode_rule_saved",
            object_type="mode_rule",
            object_id=mode,
            data={"complexities": listed, "hours": resolve_working_hours, "progress_days": progress_every_days},
        )
    return rule
