"""Reads of the points ledger: the counter's look-up by resident code, a resident's statement (积分明细,
also what the resident's own page will show once residents sign in), the shelves, and the monthly 积分榜
of a community (public: masked names only)."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.core.errors import NotFound
from gridgov.core.timefmt import day_span
from gridgov.grids.models import Grid
from gridgov.people.actors import Actor
from gridgov.points.models import Account, Entry, Item, Supermarket
from gridgov.points.rules import COMMUNITY_LEN, community_of, require_reader, require_staff, staff_scopes
from gridgov.points.services import normalise_code
from gridgov.registry.models import Resident

BOARD_SIZE = 20


def entry_row(e: Entry) -> dict:
    return {
        "id": e.pk,
        "at": timezone.localtime(e.at).isoformat(),
        "amount": e.amount,
        "balance_after": e.balance_after,
        "reason": e.reason,
        "source": e.source_kind,
        "ref": e.source_ref,
    }


def statement_of(resident: Resident, *, limit: int = 200) -> dict:
    """The resident's balance and entries, newest first, each with the balance after it (for the resident's
    own page too: no scope check here, the caller has established who the resident is)."""
    account = Account.objects.filter(resident=resident).first()
    entries = list(account.entries.order_by("-at", "-id")[:limit]) if account else []
    return {
        "resident": resident.pk,
        "name": resident.name_masked,
        "code": account.code if account else None,
        "balance": account.balance if account else 0,
        "entries": [entry_row(e) for e in entries],
    }


def statement(actor: Actor, resident_id: int, *, limit: int = 200) -> dict:
    """A resident's statement for staff serving the resident's community (404 elsewhere)."""
    resident = Resident.objects.select_related("grid").filter(pk=resident_id).first()
    if resident is None:
        raise NotFound(gettext("no such resident in your communities"))
    require_reader(actor, community_of(resident.grid.code))
    return statement_of(resident, limit=limit)


def supermarkets(actor: Actor) -> list[Supermarket]:
    """The 爱心超市 the person may work the counter of."""
    where = Q(pk__in=[])
    for scope in staff_scopes(actor):  # a community, or an area above it ("" for administrators)
        where |= Q(community__code=scope) if len(scope) == COMMUNITY_LEN else Q(community__code__startswith=scope)
    return list(Supermarket.objects.filter(where, active=True).select_related("community"))


def supermarket(actor: Actor, pk: int) -> Supermarket:
    shop = Supermarket.objects.select_related("community").filter(pk=pk, active=True).first()
    if shop is None:
        raise NotFound(gettext("no such love supermarket in your communities"))
    require_staff(actor, shop.community.code, gettext("love supermarket"))
    return shop


def shelf(shop: Supermarket) -> list[dict]:
    return [
        {"id": i.pk, "name": i.name, "points": i.points, "stock": i.stock}
        for i in Item.objects.filter(supermarket=shop, active=True)
    ]


def at_counter(actor: Actor, shop: Supermarket, code: str) -> dict:
    """Who holds `code` (masked name) and their balance, for the cashier of `shop`."""
    require_staff(actor, shop.community.code, gettext("love supermarket"))
    account = Account.objects.select_related("resident").filter(code=normalise_code(code)).first()
    if account is None:
        raise NotFound(gettext("no resident has the code %(code)s: check it with the resident") % {"code": code})
    return {"code": account.code, "name": account.resident.name_masked, "balance": account.balance}


def month_bounds(month: date):
    tz = timezone.get_current_timezone()
    start = datetime(month.year, month.month, 1, tzinfo=tz)
    end = datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=tz)
    return start, end


def leaderboard(community: str, month: date, *, size: int = BOARD_SIZE) -> list[dict]:
    """积分榜: the residents of `community` who earned most in `month` (credits only; spending does not
    lower a rank), masked names, ties by who got there first."""
    start, end = month_bounds(month)
    rows = (
        Entry.objects.filter(grid__startswith=community, amount__gt=0, at__gte=start, at__lt=end)
        .values("account", "account__resident__name_masked", "account__resident__grid__name")
        .annotate(points=Sum("amount"))
        .order_by("-points", "account")[:size]
    )
    return [
        {
            "rank": n,
            "name": r["account__resident__name_masked"],
            "grid": r["account__resident__grid__name"],
            "points": r["points"],
        }
        for n, r in enumerate(rows, 1)
    ]


def my_scopes(actor: Actor) -> list[str]:
    return staff_scopes(actor)


def community(code: str):
    """The current community (level-2 grid) of `code` for the public board; 404 when there is none."""
    grid = Grid.objects.filter(code=code, level=2, valid_to__isnull=True).first()
    if grid is None:
        raise NotFound(gettext("no community %(code)s: use a community's 12-digit grid code") % {"code": code})
    return grid


def figures(*, area: str, start: date, end: date) -> dict:
    """Points in the grids under `area` on the local days start … end (the seeds' 积分发放/兑换 figures):
    issued = credits, redeemed = points spent at the 爱心超市 counter, both as positive sums."""
    since, until = day_span(start, end)
    entries = Entry.objects.filter(grid__startswith=area, at__gte=since, at__lt=until)
    sums = entries.aggregate(
        issued=Sum("amount", filter=Q(amount__gt=0)),
        redeemed=Sum("amount", filter=Q(source_kind="redeem")),
        other=Sum("amount", filter=Q(amount__lt=0) & ~Q(source_kind="redeem")),
    )
    by_source = dict(
        entries.filter(amount__gt=0).values("source_kind").annotate(n=Sum("amount")).values_list("source_kind", "n")
    )
    return {
        "issued": sums["issued"] or 0,
        "redeemed": -(sums["redeemed"] or 0),
        "corrected": -(sums["other"] or 0),
        "residents_credited": entries.filter(amount__gt=0).values("account").distinct().count(),
        "redemptions": entries.filter(source_kind="redeem").count(),
        "issued_by_source": dict(sorted(by_source.items())),
    }
