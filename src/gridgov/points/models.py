"""Residents' points (积分) and the 爱心超市 (love supermarket) where they are spent.

- `PointsRule` (积分规则): how many points a kind of deed earns, data edited in the admin; `daily_cap` bounds
  what one resident may earn under a kind in a day.
- `Account` (积分账户): one per registered resident (registry.Resident, 实有人口), with `code`, the resident code
  typed (or scanned as a QR) at the counter, and `balance`, kept in step with the entries by the services
  in the same transaction; CHECK balance >= 0 is the last line behind the services' row lock.
- `Entry` (积分流水): every change, ± points with a reason, its source (kind + reference), who, when and the
  balance after. `key` is unique: a retried credit (the same case, the same whistle answer, the same
  form's client key) finds the first entry and writes nothing.
- `Supermarket` per community (社区), `Item` with a price in points and a stock (CHECK stock >= 0), and
  `RedemptionLine`: what one redemption entry took off the shelf.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gridgov.grids.models import Grid
from gridgov.registry.models import Resident


class PointsRule(models.Model):
    """积分规则: points earned by one deed of a kind (a code such as `report_accepted`, `volunteer_hour`)."""

    kind = models.SlugField(pgettext_lazy("points", "kind"), max_length=32, unique=True)
    name = models.CharField(pgettext_lazy("points", "name"), max_length=60)
    points = models.PositiveIntegerField(pgettext_lazy("points", "points"))
    active = models.BooleanField(pgettext_lazy("points", "active"), default=True)
    daily_cap = models.PositiveIntegerField(
        _("daily cap per resident"), null=True, blank=True, help_text=_("points one resident may earn a day")
    )

    class Meta:
        ordering = ["kind"]
        verbose_name = _("points rule")
        verbose_name_plural = _("points rules")

    def __str__(self) -> str:
        return f"{self.name} ({self.points})"


class Account(models.Model):
    """积分账户 of one resident."""

    resident = models.OneToOneField(
        Resident,
        verbose_name=pgettext_lazy("points", "resident"),
        on_delete=models.PROTECT,
        related_name="points_account",
    )
    code = models.CharField(_("resident code"), max_length=8, unique=True)
    balance = models.IntegerField(_("balance"), default=0)
    opened_at = models.DateTimeField(pgettext_lazy("points", "opened at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("points account")
        verbose_name_plural = _("points accounts")
        constraints = [models.CheckConstraint(condition=Q(balance__gte=0), name="points_balance_not_negative")]

    def __str__(self) -> str:
        return f"{self.resident.name_masked} {self.balance}"


class Entry(models.Model):
    """积分流水: one change of one account."""

    account = models.ForeignKey(
        Account, verbose_name=pgettext_lazy("points", "account"), on_delete=models.PROTECT, related_name="entries"
    )
    key = models.CharField(_("idempotency key"), max_length=100, unique=True)
    amount = models.IntegerField(pgettext_lazy("points", "points"))
    balance_after = models.IntegerField(_("balance after"))
    reason = models.CharField(_("reason"), max_length=200)
    source_kind = models.CharField(_("source"), max_length=32, db_index=True)  # a rule's kind, or "redeem"
    source_ref = models.CharField(_("source reference"), max_length=64, blank=True)
    grid = models.CharField(_("grid"), max_length=18, db_index=True)  # the resident's grid then (积分榜 by it)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), db_index=True)

    class Meta:
        ordering = ["account", "id"]
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        constraints = [models.CheckConstraint(condition=Q(balance_after__gte=0), name="points_entry_balance_ok")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.amount:+d} {self.reason}"


class Supermarket(models.Model):
    """爱心超市 of a community (社区, a level-2 grid)."""

    community = models.ForeignKey(
        Grid, verbose_name=_("community"), on_delete=models.PROTECT, related_name="points_supermarkets"
    )
    name = models.CharField(pgettext_lazy("points", "name"), max_length=100)
    active = models.BooleanField(pgettext_lazy("points", "active"), default=True)

    class Meta:
        ordering = ["community__code", "id"]
        verbose_name = _("love supermarket")
        verbose_name_plural = _("love supermarkets")

    def __str__(self) -> str:
        return self.name


class Item(models.Model):
    """An item on the supermarket's shelf: its price in points and how many are left."""

    supermarket = models.ForeignKey(
        Supermarket, verbose_name=_("love supermarket"), on_delete=models.PROTECT, related_name="items"
    )
    name = models.CharField(pgettext_lazy("points", "name"), max_length=100)
    points = models.PositiveIntegerField(_("price in points"))
    stock = models.IntegerField(_("stock"), default=0)
    active = models.BooleanField(pgettext_lazy("points", "active"), default=True)

    class Meta:
        ordering = ["supermarket", "points", "id"]
        verbose_name = _("item")
        verbose_name_plural = pgettext_lazy("points", "items")
        constraints = [models.CheckConstraint(condition=Q(stock__gte=0), name="points_stock_not_negative")]

    def __str__(self) -> str:
        return f"{self.name} ({self.points})"


class RedemptionLine(models.Model):
    """What a redemption entry (兑换) took: an item, how many, at what price."""

    entry = models.ForeignKey(Entry, verbose_name=_("entry"), on_delete=models.PROTECT, related_name="lines")
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    points = models.PositiveIntegerField(_("points each"))

    class Meta:
        ordering = ["entry", "id"]
        verbose_name = _("redemption line")
        verbose_name_plural = _("redemption lines")

    def __str__(self) -> str:
        return f"{self.item_id} ×{self.quantity}"
