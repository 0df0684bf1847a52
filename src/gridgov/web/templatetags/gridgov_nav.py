"""Template tags of the staff navigation: the console's links each person's posts open (none that would
answer 403)."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from gridgov.campaigns import rules as campaign_rules
from gridgov.deliberation.rules import PAGE_NAME as DELIBERATION_PAGE
from gridgov.deliberation.rules import read_scopes as deliberation_scopes
from gridgov.party.rules import PAGE_NAME as PARTY_PAGE
from gridgov.party.rules import read_scopes as party_scopes
from gridgov.people.actors import Actor
from gridgov.points.selectors import supermarkets as points_counters
from gridgov.registry import access
from gridgov.visits.rules import figure_scopes
from gridgov.web.console import CONSOLE_ROLES

register = template.Library()


@register.simple_tag(takes_context=True)
def console_links(context) -> dict:
    """`console`: whether the queue and hotline open (console posts); `links`: registry search (posts that
    see the registry), attendance and coverage (posts that oversee figures), the access log (auditors)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"console": False, "links": []}
    actor = Actor.of(user)
    links = []
    if access.see_scopes(actor):
        links.append({"id": "nav-registry", "url": reverse("web:console-registry"), "name": _("Registry search")})
    if figure_scopes(actor):
        links.append(
            {"id": "nav-fieldwork", "url": reverse("web:console-fieldwork"), "name": _("Attendance and coverage")}
        )
    if party_scopes(actor):
        links.append({"id": "nav-party", "url": reverse("party:console"), "name": PARTY_PAGE})
    if points_counters(actor):  # the 爱心超市 counter: staff of a community that has one
        links.append({"id": "nav-points", "url": reverse("points:counter"), "name": _("Love supermarket counter")})
    if deliberation_scopes(actor):
        links.append({"id": "nav-deliberation", "url": reverse("deliberation:staff"), "name": DELIBERATION_PAGE})
    if campaign_rules.grid_scopes(actor, campaign_rules.READ_ROLES):
        links.append({"id": "nav-campaigns", "url": reverse("web:console-campaigns"), "name": _("Campaigns")})
    if actor.is_admin or actor.roles & {"leader", "grid_leader"}:  # 网格划分: proposals (accepting is the admin's)
        links.append({"id": "nav-division", "url": reverse("web:console-division"), "name": _("Grid division")})
    if actor.roles & set(access.AUDIT_ROLES):
        links.append({"id": "nav-access-log", "url": reverse("registry:access-log"), "name": _("Access log")})
    return {"console": bool(actor.roles & CONSOLE_ROLES), "links": links}
