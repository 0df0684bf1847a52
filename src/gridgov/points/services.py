"""Every write of the points ledger and the 爱心超市 (docs/architecture.md, "Points").

One rule for all of them: a change is an `Entry` with a unique `key`, written with the account row locked
(select_for_update) in one transaction that also moves the balance. A key seen before answers the first
entry and writes nothing (a retry, a double click, a second sync run); two requests racing on one key meet
at the unique index and the loser answers the winner's entry. A redemption also locks its items (in id
order, after the account: no deadlock) and refuses with 409 when the balance or a stock would go below
zero; CHECK constraints on both are the last line.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext, pgettext

from gridgov.core import audit
from gridgov.core.errors import BadInput, Conflict, NotFound
from gridgov.grids.models import Grid
from gridgov.people.actors import Actor
from gridgov.points.models import Account, Entry, Item, PointsRule, RedemptionLine, Supermarket
from gridgov.points.rules import community_of, require_staff
from gridgov.registry.models import Resident

CODE_CHARS = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read out and typed at the counter
CODE_LEN = 8  # 31^8 ≈ 8.5e11
MAX_REASON = 200
MAX_LINES = 20

# The rules a fresh database gets (migration 0002) and a flushed one again (install_default_rules).
DEFAULT_RULES: tuple[tuple[str, str, int, int | None], ...] = (
    ("report_accepted", "随手拍上报被受理", 5, 20),
    ("suggestion_adopted", "意见建议被采纳", 10, None),
    ("opinion_given", "参与议事征求意见", 2, 10),  # 一征: credited by gridgov.deliberation (a higher layer)
    ("volunteer_hour", "志愿服务（每小时）", 10, 80),
    ("visit_helped", "协助入户走访", 3, 15),
    ("environment", "环境整治", 5, 20),
    ("manual", "网格员奖励", 1, None),
)


@dataclass(frozen=True)
class Posted:
    entry: Entry
    created: bool  # False: the key was seen before; nothing written


def install_default_rules() -> int:
    """Create the default rules that are missing (never changes an edited one); how many were created."""
    made = 0
    for kind, name, points, cap in DEFAULT_RULES:
        _, created = PointsRule.objects.get_or_create(
            kind=kind, defaults={"name": name, "points": points, "daily_cap": cap}
        )
        made += created
    return made


def save_rule(
    *, actor: Actor, kind: str, name: str, points: int, active: bool = True, daily_cap: int | None = None
) -> PointsRule:
    """Create or change the rule of `kind` (administrators only: it prices every deed)."""
    if not actor.is_admin and not actor.is_system:
        raise NotFound(gettext("points rules are kept by administrators"))
    if not name.strip():
        raise BadInput(gettext("a points rule needs a name"))
    if not 0 < points <= 1000:
        raise BadInput(gettext("a rule earns 1 to 1000 points"))
    if daily_cap is not None and daily_cap < points:
        raise BadInput(gettext("the daily cap must be at least the rule's points, or empty for none"))
    with transaction.atomic():
        rule, _ = PointsRule.objects.update_or_create(
            kind=kind, defaults={"name": name.strip(), "points": points, "active": active, "daily_cap": daily_cap}
        )
        audit.record(
            actor=actor.user,
            action="points.rule_saved",
            object_type="points_rule",
            object_id=kind,
            data={"points": points, "active": active, "daily_cap": daily_cap, "as": actor.label},
        )
    return rule


# ---- accounts -----------------------------------------------------------------------------------------


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(CODE_CHARS) for _ in range(CODE_LEN))
        if not Account.objects.filter(code=code).exists():
            return code


def account_for(resident: Resident) -> Account:
    """The resident's account, opened (balance 0, a fresh code) on first use."""
    found = Account.objects.filter(resident=resident).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Account.objects.create(resident=resident, code=_new_code())
    except IntegrityError:  # opened at the same moment by another request
        return Account.objects.get(resident=resident)


def regenerate_code(*, actor: Actor, resident: Resident) -> Account:
    """A new resident code (the old one stops working at the counter): when a card or a photo of it is lost."""
    require_staff(actor, community_of(resident.grid.code), pgettext("points", "resident"))
    account = account_for(resident)
    with transaction.atomic():
        Account.objects.filter(pk=account.pk).update(code=_new_code())
        audit.record(
            actor=actor.user, action="points.code_regenerated", object_type="points_account", object_id=str(account.pk)
        )
    account.refresh_from_db()
    return account


# ---- the ledger ---------------------------------------------------------------------------------------


def _post(
    *, account: Account, key: str, amount: int, reason: str, kind: str, ref: str, actor: Actor, at: datetime, check
) -> Posted:
    """Write one entry under `key` with the account locked; `check(locked_account)` refuses before writing."""
    seen = Entry.objects.filter(key=key).first()
    if seen is not None:
        return _replayed(seen, account)
    try:
        with transaction.atomic():
            # of=self: lock the account row only, not the resident's and grid's rows it is read with
            locked = Account.objects.select_for_update(of=("self",)).select_related("resident__grid").get(pk=account.pk)
            seen = Entry.objects.filter(key=key).first()  # written while we waited for the lock
            if seen is not None:
                return _replayed(seen, account)
            extra = check(locked)
            balance = locked.balance + amount
            if balance < 0:
                raise Conflict(
                    gettext("the balance is %(balance)d points, %(need)d are needed: choose fewer items")
                    % {"balance": locked.balance, "need": -amount}
                )
            entry = Entry.objects.create(
                account=locked,
                key=key,
                amount=amount,
                balance_after=balance,
                reason=reason,
                source_kind=kind,
                source_ref=ref,
                grid=locked.resident.grid.code,
                actor=actor.user if getattr(actor.user, "pk", None) else None,
                at=at,
            )
            Account.objects.filter(pk=locked.pk).update(balance=F("balance") + amount)
            if extra is not None:
                extra(entry)
            audit.record(
                actor=actor.user,
                action="points.credited" if amount >= 0 else "points.redeemed",
                object_type="points_entry",
                object_id=key,
                data={"account": locked.pk, "amount": amount, "kind": kind, "ref": ref, "as": actor.label},
            )
    except IntegrityError:
        seen = Entry.objects.filter(key=key).first()
        if seen is None:
            raise
        return _replayed(seen, account)
    return Posted(entry, True)


def _replayed(seen: Entry, account: Account) -> Posted:
    """The first entry of a key, answered again; a key reused for another resident is a Conflict."""
    if seen.account_id != account.pk:
        raise Conflict(gettext("this form was already used for another resident: reload the page and try again"))
    return Posted(seen, False)


def credit(
    *,
    actor: Actor,
    resident: Resident,
    kind: str,
    ref: str,
    reason: str = "",
    units: int = 1,
    at: datetime | None = None,
) -> Posted:
    """Credit `units` × the points of the rule `kind` for the deed `ref` (idempotent by kind + ref).

    Refused (409) when the rule is inactive or the resident's daily cap under it would be passed."""
    rule = PointsRule.objects.filter(kind=kind).first()
    if rule is None:
        raise BadInput(gettext("no points rule %(kind)s: an administrator adds it in the admin") % {"kind": kind})
    ref = str(ref)[:64]
    key = f"{kind}:{ref}"
    seen = Entry.objects.filter(key=key).first()
    if seen is not None:
        return _replayed(seen, account_for(resident))
    if not rule.active:
        raise Conflict(gettext("the points rule %(name)s is switched off") % {"name": rule.name})
    if not 1 <= units <= 100:
        raise BadInput(gettext("between 1 and 100 units per credit"))
    at = at or timezone.now()
    amount = rule.points * units
    reason = (reason or rule.name).strip()[:MAX_REASON]

    def within_cap(locked: Account):
        if rule.daily_cap is None:
            return None
        day = timezone.localtime(at).replace(hour=0, minute=0, second=0, microsecond=0)
        earned = Entry.objects.filter(account=locked, source_kind=kind, at__gte=day, at__lt=day + _DAY).aggregate(
            s=Sum("amount")
        )["s"]
        if (earned or 0) + amount > rule.daily_cap:
            raise Conflict(
                gettext("%(name)s earns at most %(cap)d points a day per resident: this one is over it")
                % {"name": rule.name, "cap": rule.daily_cap}
            )
        return None

    return _post(
        account=account_for(resident),
        key=key,
        amount=amount,
        reason=reason,
        kind=kind,
        ref=ref,
        actor=actor,
        at=at,
        check=within_cap,
    )


def award(*, actor: Actor, resident: Resident, kind: str, reason: str, client_key: str, units: int = 1) -> Posted:
    """A grid worker's award by hand (网格员奖励, 志愿服务, 环境整治 …), with a reason; idempotent by the form's key."""
    require_staff(actor, community_of(resident.grid.code), pgettext("points", "resident"))
    if not resident.active:
        raise Conflict(gettext("this resident was retired from the registry"))
    if len((reason or "").strip()) < 2:
        raise BadInput(gettext("say why the points are awarded (a reason of a few words)"))
    if not client_key or len(client_key) > 60:
        raise BadInput(gettext("the form's key is missing: reload the page and try again"))
    return credit(actor=actor, resident=resident, kind=kind, ref=f"award-{client_key}", reason=reason, units=units)


def redeem(
    *,
    actor: Actor,
    supermarket: Supermarket,
    code: str,
    lines: list[tuple[int, int]],
    client_key: str,
    at: datetime | None = None,
) -> Posted:
    """兑换 at the counter: the cashier types the resident's code, picks (item id, quantity) lines; one entry
    and the stock taken off in one transaction, idempotent by the form's `client_key`."""
    require_staff(actor, supermarket.community.code, gettext("love supermarket"))
    if not client_key or len(client_key) > 60:
        raise BadInput(gettext("the form's key is missing: reload the page and try again"))
    key = f"redeem:{client_key}"
    account = Account.objects.filter(code=normalise_code(code)).select_related("resident__grid").first()
    if account is None:
        raise NotFound(gettext("no resident has the code %(code)s: check it with the resident") % {"code": code})
    seen = Entry.objects.filter(key=key).first()
    if seen is not None:  # a double click, or a resend after the stock ran out: the first redemption
        return _replayed(seen, account)
    wanted: dict[int, int] = {}
    for item_id, quantity in lines:
        if quantity:
            wanted[int(item_id)] = wanted.get(int(item_id), 0) + int(quantity)
    if not wanted or len(wanted) > MAX_LINES or any(not 0 < q <= 99 for q in wanted.values()):
        raise BadInput(gettext("pick one to %(n)d items, 1 to 99 of each") % {"n": MAX_LINES})
    items = {i.pk: i for i in Item.objects.filter(pk__in=wanted, supermarket=supermarket, active=True)}
    if len(items) != len(wanted):
        raise BadInput(gettext("an item picked is not on this supermarket's shelf: reload the page"))
    total = sum(items[i].points * q for i, q in wanted.items())

    def take_stock(locked: Account):
        shelf = {i.pk: i for i in Item.objects.select_for_update().filter(pk__in=sorted(wanted)).order_by("pk")}
        short = [shelf[i].name for i, q in wanted.items() if shelf[i].stock < q]
        if short:
            raise Conflict(gettext("not enough in stock: %(items)s") % {"items": "、".join(short)})

        def write(entry: Entry) -> None:
            for i, q in sorted(wanted.items()):
                Item.objects.filter(pk=i).update(stock=F("stock") - q)
                RedemptionLine.objects.create(entry=entry, item_id=i, quantity=q, points=shelf[i].points)

        return write

    names = "、".join(f"{items[i].name}×{q}" for i, q in sorted(wanted.items()))
    return _post(
        account=account,
        key=key,
        amount=-total,
        reason=(gettext("redeemed at %(shop)s: %(items)s") % {"shop": supermarket.name, "items": names})[:MAX_REASON],
        kind="redeem",
        ref=str(supermarket.pk),
        actor=actor,
        at=at or timezone.now(),  # `at`: the demo's past counter days; the counter itself is now
        check=take_stock,
    )


def normalise_code(code: str) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())[:CODE_LEN]


_DAY = timedelta(days=1)


# ---- the 爱心超市 -------------------------------------------------------------------------------------


def open_supermarket(*, actor: Actor, community: Grid, name: str) -> Supermarket:
    """A 爱心超市 of a community (level-2 grid), by its grid staff or an administrator."""
    if community.level != 2:
        raise BadInput(gettext("a love supermarket belongs to a community (a level-2 grid)"))
    require_staff(actor, community.code, gettext("community"))
    if not name.strip():
        raise BadInput(gettext("the supermarket needs a name"))
    with transaction.atomic():
        shop = Supermarket.objects.create(community=community, name=name.strip()[:100])
        audit.record(
            actor=actor.user, action="points.supermarket_opened", object_type="supermarket", object_id=str(shop.pk)
        )
    return shop


def stock_item(
    *, actor: Actor, supermarket: Supermarket, name: str, points: int, add: int, item: Item | None = None
) -> Item:
    """Put a new item on the shelf, or add `add` more of an existing one (never takes stock away)."""
    require_staff(actor, supermarket.community.code, gettext("love supermarket"))
    if not 0 < points <= 100000 or not 0 <= add <= 10000:
        raise BadInput(gettext("an item costs 1 to 100000 points; add 0 to 10000 at a time"))
    with transaction.atomic():
        if item is None:
            item = Item.objects.create(supermarket=supermarket, name=name.strip()[:100], points=points, stock=add)
        else:
            Item.objects.filter(pk=item.pk, supermarket=supermarket).update(points=points, stock=F("stock") + add)
            item.refresh_from_db()
        audit.record(
            actor=actor.user,
            action="points.item_stocked",
            object_type="points_item",
            object_id=str(item.pk),
            data={"points": points, "added": add},
        )
    return item
