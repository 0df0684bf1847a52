"""我的工作台 (/home/): the landing page of the roles without a queue of their own — deputies (人大代表,
政协委员, 联户党员), supervisors (督导员, 网格指导员) and mediators (调解员) — and a page every signed-in
person may open (never 403). It shows the person's posts in force with their grids' boards, one section
of tasks per role they hold, and links only to the pages their roles open.

- deputies: the matters they passed on through the deputy channel (their own reports), and the report form;
- supervisors: the overdue cases of their area, to press (督办, on the console's case page), and the cases
  they pressed last;
- mediators: the open disputes (categories named 纠纷) of their area.
The lists are read through cases.selectors (scoped to the actor), never wider than the person may see.
"""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from gridgov.assessment.selectors import STATS_ROLES
from gridgov.cases import selectors as case_selectors
from gridgov.cases.models import CaseEvent, Channel
from gridgov.cases.reads import REVIEW_ROLES
from gridgov.cases.transitions import OPEN_STATUSES
from gridgov.deputies import selectors as deputy_selectors
from gridgov.mediation import rules as mediation_rules
from gridgov.mediation import selectors as mediation_selectors
from gridgov.oversight import selectors as oversight_selectors
from gridgov.party import rules as party_rules
from gridgov.party import selectors as party_selectors
from gridgov.people.actors import Actor
from gridgov.people.models import Post, Role, in_force
from gridgov.people.selectors import unit_names
from gridgov.registry import access as registry_access
from gridgov.visits.rules import FIGURE_ROLES
from gridgov.web import partials
from gridgov.web.casefile import STATUS_WORDS
from gridgov.web.console import CONSOLE_ROLES
from gridgov.web.mobile import GRID_ROLES

LIST_SIZE = 20
DISPUTE_WORD = "纠纷"  # the categories of disputes (邻里纠纷, 医疗纠纷 …) carry it in their names


def may_do(roles: set[str]) -> list[dict]:
    """The pages a person's roles open, as links (none that would answer 403)."""
    links = []
    if roles & CONSOLE_ROLES:
        links.append({"id": "go-console", "url": reverse("web:console"), "name": _("Dispatcher console")})
    if "department_handler" in roles:
        links.append({"id": "go-dept", "url": reverse("web:dept"), "name": _("Department queue")})
    if roles & set(GRID_ROLES):
        links.append({"id": "go-m", "url": reverse("web:m"), "name": _("My tasks")})
    if roles & STATS_ROLES:
        links.append({"id": "go-dashboard", "url": reverse("assessment:dashboard"), "name": _("Dashboard")})
    if roles & set(REVIEW_ROLES):
        links.append({"id": "go-audit", "url": reverse("web:audit"), "name": _("Audit")})
    if roles & set(registry_access.SEE_ROLES):
        links.append({"id": "go-registry", "url": reverse("web:console-registry"), "name": _("Registry search")})
    if roles & set(FIGURE_ROLES):
        fieldwork = reverse("web:console-fieldwork")
        links.append({"id": "go-fieldwork", "url": fieldwork, "name": _("Attendance and coverage")})
    if roles & {*party_rules.MANAGE_ROLES, *party_rules.READ_ROLES, Role.ADMIN}:
        links.append({"id": "go-party", "url": reverse("party:console"), "name": party_rules.PAGE_NAME})
    if roles & set(registry_access.AUDIT_ROLES):
        links.append({"id": "go-access-log", "url": reverse("registry:access-log"), "name": _("Access log")})
    links += [
        {"id": "go-report", "url": reverse("web:report"), "name": _("Report a problem")},
        {"id": "go-inbox", "url": reverse("web:inbox"), "name": _("Inbox")},
        {"id": "go-rankings", "url": reverse("assessment:rankings"), "name": _("Public rankings")},
        {"id": "go-tokens", "url": reverse("web:tokens"), "name": _("API tokens")},
    ]
    return links


def _rows(cases, *, link: bool) -> list[dict]:
    """Cases as list rows; `link` only for those who may open the console's case page."""
    return [
        {
            "number": c.number,
            "title": c.title,
            "grid": c.grid.name,
            "status": STATUS_WORDS.get(c.status, c.status),
            "light": c.light,
            "reported": timezone.localtime(c.reported_at).strftime("%Y-%m-%d"),
            "url": reverse("web:console-case", args=[c.number]) if link else "",
        }
        for c in cases
    ]


def my_posts(user) -> list[dict]:
    """The person's posts in force, with the name of each scope and, for a grid, its public board."""
    posts = list(Post.objects.filter(in_force(), user=user).order_by("scope", "role"))
    names = unit_names(p.scope for p in posts)
    roles = dict(Role.choices)
    return [
        {
            "post": p.kind_name or p.title or roles.get(p.role, p.role),
            "role": roles.get(p.role, p.role),
            "scope": p.scope,
            "scope_name": names.get(p.scope, p.scope),
            "board": reverse("web:board", args=[p.scope]) if not p.scope.startswith("D") else "",
            "end_date": p.end_date,
        }
        for p in posts
    ]


def deputy_section(actor: Actor) -> dict:
    """代表: what they passed on through the deputy channel, newest first."""
    cases = case_selectors.visible_cases(actor).filter(reporter=actor.user, channel=Channel.DEPUTY)
    # 三单制: the needs of their grids waiting for a deputy, and their tasks in hand (gridgov.deputies)
    needs = deputy_selectors.needs(actor).filter(status__in=("collected", "claimed"))[:LIST_SIZE]
    return {
        "cases": _rows(cases.order_by("-reported_at", "-id")[:LIST_SIZE], link=bool(actor.roles & CONSOLE_ROLES)),
        "needs": [deputy_selectors.need_row(n) for n in needs],
    }


def supervisor_section(actor: Actor) -> dict:
    """督导员: the overdue cases of their area (to press), and the cases they pressed last."""
    overdue = case_selectors.case_list(actor, overdue_only=True, sort="deadline")[:LIST_SIZE]
    pressed_ids = (
        CaseEvent.objects.filter(actor=actor.user, action="supervise")
        .order_by("-at")
        .values_list("case_id", flat=True)[:LIST_SIZE]
    )
    pressed = case_selectors.visible_cases(actor).filter(pk__in=list(pressed_ids)).order_by("-reported_at", "-id")
    link = bool(actor.roles & CONSOLE_ROLES)
    # 一聘三督: an appointed supervisor gets a link to /oversight/ (its label, translated by that app)
    appointed = oversight_selectors.LINK_LABEL if oversight_selectors.my_appointments(actor).exists() else ""
    return {"overdue": _rows(overdue, link=link), "pressed": _rows(pressed, link=link), "appointed": appointed}


def mediator_section(actor: Actor) -> dict:
    """调解员: their disputes in mediation, and the open dispute cases of their area that nobody has taken into
    mediation yet (a case becomes a dispute in one step on /mediation/), oldest first."""
    disputes = (
        case_selectors.visible_cases(actor)
        .filter(status__in=OPEN_STATUSES, category__name__contains=DISPUTE_WORD, disputes__isnull=True)
        .order_by("reported_at", "id")[:LIST_SIZE]
    )
    # 三类三级一庭: the disputes in mediation of their teams and area, soonest due first (gridgov.mediation)
    mediation = [
        mediation_selectors.dispute_row(d)
        for d in mediation_selectors.disputes(actor).filter(status__in=mediation_rules.OPEN_STATUSES)[:LIST_SIZE]
    ]
    return {"cases": _rows(disputes, link=bool(actor.roles & CONSOLE_ROLES)), "mediation": mediation}


@partials.staff_login_required
@never_cache
@require_GET
def home(request):
    """我的工作台: posts, tasks by role, and the pages this person may open."""
    actor = Actor.of(request.user)
    roles = actor.roles
    context = {
        "posts": my_posts(request.user),
        "links": may_do(roles),
        "deputy": deputy_section(actor) if Role.DEPUTY in roles else None,
        "supervisor": supervisor_section(actor) if Role.SUPERVISOR in roles else None,
        "mediator": mediator_section(actor) if Role.MEDIATOR in roles else None,
        "party": party_selectors.home_section(actor),  # 党员: households in touch, open calls, hours
    }
    return render(request, "web/home.html", context)
