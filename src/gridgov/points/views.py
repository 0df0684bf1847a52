"""Pages of points: the counter of a 爱心超市 (/console/points/counter/, grid staff of its community) and the
public monthly 积分榜 of a community (/points/board/<community>/, no sign-in, masked names).

They translate only: services and selectors check the person's posts (points/rules.py); their errors come
back as the page with the message and its status (400, 404, 409 …). The counter's form carries a key made
when the page was drawn, so a double click or a resend writes one redemption.
"""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from gridgov.core.errors import BadInput, GridgovError
from gridgov.people.actors import Actor
from gridgov.points import selectors, services
from gridgov.points.api import parse_month


def _counter_context(actor: Actor, request, shop_id: str | None, code: str) -> dict:
    shops = selectors.supermarkets(actor)
    context: dict = {"shops": shops, "code": code, "key": uuid.uuid4().hex}
    if not shops:
        return context
    shop = selectors.supermarket(actor, int(shop_id)) if shop_id and shop_id.isdigit() else shops[0]
    context.update(shop=shop, shelf=selectors.shelf(shop))
    if code:
        context["holder"] = selectors.at_counter(actor, shop, code)
    return context


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def counter(request):
    actor = Actor.of(request.user)
    shop_id = request.POST.get("shop") or request.GET.get("shop")
    code = (request.POST.get("code") or request.GET.get("code") or "").strip()
    status, error, done = 200, "", request.GET.get("done")
    context: dict = {}
    try:
        if request.method == "POST":
            context = _counter_context(actor, request, shop_id, "")
            shop = context.get("shop")
            if shop is None:
                raise BadInput(gettext("there is no love supermarket in your communities"))
            lines = []
            for item in context["shelf"]:
                raw = request.POST.get(f"qty-{item['id']}", "").strip() or "0"
                if not raw.isdigit():
                    raise BadInput(gettext("quantities are whole numbers"))
                lines.append((item["id"], int(raw)))
            posted = services.redeem(
                actor=actor, supermarket=shop, code=code, lines=lines, client_key=request.POST.get("key", "")
            )
            query = urlencode({"shop": shop.pk, "code": code, "done": posted.entry.pk})
            return redirect(f"{reverse('points:counter')}?{query}")
        context = _counter_context(actor, request, shop_id, code)
    except GridgovError as exc:
        status, error = exc.status, exc.message
        try:
            context = _counter_context(actor, request, shop_id, code if status != 404 else "")
        except GridgovError:
            context = {"shops": [], "code": code, "key": uuid.uuid4().hex}
    if not context.get("shops") and not error:
        status, error = (
            403,
            gettext("the counter is for grid workers and grid leaders of a community with a love supermarket"),
        )
    if done and "holder" in context:
        context["done"] = done
    context["stocked"] = bool(request.GET.get("stocked"))
    context.update(error=error, status=status)
    return render(request, "points/counter.html", context, status=status)


def _whole(raw: str | None, label: str) -> int:
    value = (raw or "").strip() or "0"
    if not value.isdigit():
        raise BadInput(gettext("%(label)s must be a whole number") % {"label": label})
    return int(value)


@never_cache
@login_required
@require_http_methods(["POST"])
def shelf(request):
    """货架: put a new item on the shelf or restock one (prices may change); back to the counter with a notice,
    or the counter with the error and its status."""
    actor = Actor.of(request.user)
    shop_id = request.POST.get("shop", "")
    try:
        shop = selectors.supermarket(actor, int(shop_id)) if shop_id.isdigit() else None
        if shop is None:
            raise BadInput(gettext("choose the love supermarket"))
        item_id = request.POST.get("item", "")
        item = shop.items.filter(pk=int(item_id)).first() if item_id.isdigit() else None
        if item_id and item is None:
            raise BadInput(gettext("that item is not on this shelf"))
        name = (request.POST.get("name") or (item.name if item else "")).strip()
        if not name:
            raise BadInput(gettext("a new item needs a name"))
        services.stock_item(
            actor=actor,
            supermarket=shop,
            item=item,
            name=name,
            points=_whole(request.POST.get("points"), gettext("price in points")),
            add=_whole(request.POST.get("add"), gettext("quantity to add")),
        )
    except GridgovError as exc:
        context = _counter_context(actor, request, shop_id, "") if shop_id.isdigit() else {"shops": []}
        context.update(error=exc.message, status=exc.status, key=uuid.uuid4().hex)
        return render(request, "points/counter.html", context, status=exc.status)
    return redirect(f"{reverse('points:counter')}?{urlencode({'shop': shop.pk, 'stocked': 1})}")


@require_GET
def board(request, community: str):
    try:
        month = parse_month(request.GET.get("month"))
        grid = selectors.community(community)
    except GridgovError as exc:
        return render(request, "points/board.html", {"error": exc.message}, status=exc.status)
    rows = selectors.leaderboard(grid.code, month)
    return render(request, "points/board.html", {"grid": grid, "month": month, "rows": rows})
