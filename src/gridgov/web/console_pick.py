"""Pickers by name for the console (按名称选择): grids, categories and units as people call them.

People type 帝湖花园 or 井盖, not codes. A picker field holds text: a code, a name, or the label a
list offers (`name · code`, which names one thing exactly). The small JSON endpoints feed those lists
(<datalist>, console-pick.js); without JavaScript the same text is resolved here when the form is
posted, so every form still works and still ends in codes.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext as _

from gridgov.core.errors import BadInput
from gridgov.grids.selectors import search_grids
from gridgov.people.actors import Actor
from gridgov.people.selectors import district_units
from gridgov.routing import selectors as routing
from gridgov.web import partials
from gridgov.web.console import CONSOLE_ROLES, console_actor, not_console

SEPARATOR = " · "
MAX_ITEMS = 20


def label(name: str, code: str) -> str:
    """What a list offers and the field then shows: the name, and the code that makes it exact."""
    return f"{name}{SEPARATOR}{code}"


def _code_in(text: str) -> str | None:
    """The code a picker's text names outright: a bare code, or the code at the end of a list label."""
    text = (text or "").strip()
    tail = text.rsplit(SEPARATOR.strip(), 1)[-1].strip()
    if tail.isascii() and tail.isalnum() and any(ch.isdigit() for ch in tail):  # 410102…, D410102001, C0101
        return tail
    return None


def console_scopes(actor: Actor) -> list[str]:
    """The grid subtrees the actor works in at the console."""
    return [scope for role, scope in actor.posts if role in CONSOLE_ROLES and not scope.startswith("D")]


def districts(actor: Actor) -> list[str]:
    return sorted({scope[:6] for scope in console_scopes(actor) if len(scope) >= 6}) or sorted(
        {scope[:6] for _, scope in actor.posts if scope[:6].isdigit()}
    )


def grid_codes(actor: Actor, text: str) -> list[str]:
    """A queue filter's grids: the one named outright, else those named exactly so, else those whose
    name contains the text (each with its subtree). [] when nothing matches."""
    code = _code_in(text)
    if code:
        return [code]
    found = search_grids(text, within=console_scopes(actor), limit=50)
    exact = [g.code for g in found if g.name == text.strip()]
    return exact or [g.code for g in found]


def category_codes(text: str) -> list[str]:
    """A queue filter's categories, found the same way as `grid_codes`."""
    code = _code_in(text)
    if code:
        return [code]
    found = routing.search_categories(text, limit=50)
    exact = [c.code for c in found if c.name == text.strip()]
    return exact or [c.code for c in found]


def one_category(text: str) -> str | None:
    """The one leaf category a form's field names (None when left empty); BadInput saying what to do
    when the text names none or several."""
    text = (text or "").strip()
    if not text:
        return None
    code = _code_in(text)
    if code:
        return code
    leaves = [c for c in routing.search_categories(text, limit=50) if c.is_leaf]
    exact = [c for c in leaves if c.name == text]
    if len(exact) == 1 or len(leaves) == 1:
        return (exact or leaves)[0].code
    if not leaves:
        raise BadInput(
            _("No category is called “%(text)s”: type part of its name and pick one from the list.") % {"text": text}
        )
    raise BadInput(_("Several categories match “%(text)s”: pick one from the list.") % {"text": text})


def one_grid(actor: Actor, text: str) -> str | None:
    """The one grid (in the actor's area) a form's field names, like `one_category`."""
    text = (text or "").strip()
    if not text:
        return None
    code = _code_in(text)
    if code:
        return code
    found = search_grids(text, within=console_scopes(actor), limit=50)
    exact = [g for g in found if g.name == text]
    if len(exact) == 1 or len(found) == 1:
        return (exact or found)[0].code
    if not found:
        raise BadInput(
            _("No grid in your area is called “%(text)s”: type part of its name and pick one from the list.")
            % {"text": text}
        )
    raise BadInput(_("Several grids match “%(text)s”: pick one from the list.") % {"text": text})


# ---- the JSON endpoints (staff at the console only, scoped to their area) ------------------------------


def _items(request, make):
    actor = console_actor(request)
    if actor is None:
        return not_console(request)
    response = JsonResponse({"items": make(actor, request.GET.get("q", "").strip())})
    response["Cache-Control"] = "private, no-store"
    return response


@partials.staff_login_required
def pick_grids(request):
    """GET /console/pick/grids/?q=帝湖 → {items: [{code, name, level, parent, label}]} in the actor's area."""

    def make(actor, q):
        grids = search_grids(q, within=console_scopes(actor), limit=MAX_ITEMS)
        return [
            {
                "code": g.code,
                "name": g.name,
                "level": g.level,
                "parent": g.parent.name if g.parent else "",
                "label": label(g.name, g.code),
            }
            for g in grids
        ]

    return _items(request, make)


@partials.staff_login_required
def pick_categories(request):
    """GET /console/pick/categories/?q=井盖 → {items: [{code, name, parent, leaf, label}]}: leaves (the ones
    a case is filed under) and their branches (a filter on a branch takes its subtree)."""

    def make(actor, q):
        return [
            {
                "code": c.code,
                "name": c.name,
                "parent": c.parent.name if c.parent else "",
                "leaf": c.is_leaf,
                "label": label(c.name, c.code),
            }
            for c in routing.search_categories(q, limit=MAX_ITEMS)
        ]

    return _items(request, make)


@partials.staff_login_required
def pick_units(request):
    """GET /console/pick/units/?q=城管 → {items: [{code, name, label}]}: the units of the actor's district."""

    def make(actor, q):
        units = district_units(districts(actor))
        return [
            {"code": u.code, "name": u.name, "label": label(u.name, u.code)}
            for u in units
            if not q or q in u.name or u.code.startswith(q)
        ][:MAX_ITEMS]

    return _items(request, make)
