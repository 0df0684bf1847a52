"""Mediation teams (调解组织) and their members: set up by administrators or the area's mediators, one
transaction and one audit event each. A team's short name heads its agreements' numbers, so it is unique."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext

from gridgov.core import audit
from gridgov.core.errors import BadInput, Conflict, Forbidden
from gridgov.grids.models import Grid
from gridgov.mediation import rules
from gridgov.mediation.models import Domain, MediationTeam, MemberRole, TeamKind, TeamMember
from gridgov.people.actors import Actor


def create_team(
    *, actor: Actor, name: str, code: str, kind: str, domain: str = "", short_name: str = ""
) -> MediationTeam:
    """Set up a mediation team over a grid subtree (admins and the street's mediators of the area)."""
    if not (actor.is_system or actor.is_admin or actor.can("mediator", code)):
        raise Forbidden(gettext("mediation teams are set up by administrators or the area's mediators"))
    if not Grid.objects.filter(code=code, valid_to__isnull=True).exists():
        raise BadInput(gettext("no current grid %(code)s") % {"code": code})
    if kind not in TeamKind.values:
        raise BadInput(gettext("a team's kind must be one of %(known)s") % {"known": ", ".join(TeamKind.values)})
    if (kind == TeamKind.PROFESSIONAL) != bool(domain) or (domain and domain not in Domain.values):
        raise BadInput(
            gettext("a professional committee needs its domain (%(known)s); other teams none")
            % {"known": ", ".join(Domain.values)}
        )
    with transaction.atomic():
        if MediationTeam.objects.filter(code=code, kind=kind, domain=domain).exists():
            raise Conflict(gettext("this grid has such a team already"))
        short_name = (short_name or name).strip()[:10]
        if MediationTeam.objects.filter(short_name=short_name).exists():  # it heads the agreements' numbers
            raise Conflict(
                gettext("another team signs its agreements as %(short)s: choose another short name")
                % {"short": short_name}
            )
        team = MediationTeam.objects.create(
            name=name.strip()[:100],
            code=code,
            level=rules.level_of(code),
            kind=kind,
            domain=domain,
            short_name=short_name,
        )
        audit.record(
            actor=actor.user,
            action="mediation.team_created",
            object_type="mediation_team",
            object_id=str(team.pk),
            data={"code": code, "kind": kind, "domain": domain, "as": actor.label},
        )
    return team


def add_member(*, actor: Actor, team: MediationTeam, username: str, role: str) -> TeamMember:
    if not (actor.is_system or actor.is_admin or actor.can("mediator", team.code)):
        raise Forbidden(gettext("team members are added by administrators or the area's mediators"))
    if role not in MemberRole.values:
        raise BadInput(gettext("role must be one of %(known)s") % {"known": ", ".join(MemberRole.values)})
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise BadInput(gettext("no active account %(name)s") % {"name": username})
    with transaction.atomic():
        member, _ = TeamMember.objects.update_or_create(team=team, user=user, defaults={"role": role})
        audit.record(
            actor=actor.user,
            action="mediation.member",
            object_type="mediation_team",
            object_id=str(team.pk),
            data={"user": username, "role": role, "as": actor.label},
        )
    return member
