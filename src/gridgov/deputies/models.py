"""人大代表进网格: deputies of five levels in the grids and at 联络站, the monthly 代表接待日, the 三单制 loop
(需求单 → 任务单 → 责任单: a need, claimed as a task, turned into a case for a government unit) with
塔式逐级反映 (what a deputy cannot settle goes up one level at a time), and 代表建议 with the unit's reply.

A deputy's level is kept on a profile of the person (DeputyProfile), not on their posts: a deputy is elected
to one congress (全国/省/市/区县/乡镇) and keeps that level in every grid they are posted to (Post.scope, role
deputy). Residents' names and phones are encrypted at rest, with the keyed phone digest the resident's own
page (/my/) finds their needs by, and the masked forms every list shows, as the registry keeps them.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gridgov.cases.models import Case
from gridgov.core.crypto import EncryptedTextField
from gridgov.grids.models import Grid
from gridgov.people.models import Unit
from gridgov.visits.models import Visit


class Level(models.TextChoices):
    """From the bottom up: the order of 塔式逐级反映 (rules.LEVELS)."""

    TOWN = "town", _("town")  # 乡镇
    DISTRICT = "district", pgettext_lazy("deputies", "district")  # 区县
    CITY = "city", _("city")  # 市
    PROVINCIAL = "provincial", _("provincial")  # 省
    NATIONAL = "national", _("national")  # 全国


class DeputyProfile(models.Model):
    """The level of a deputy's congress (and, for the office, which body: 人大 or 政协)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="deputy_profile"
    )
    level = models.CharField(pgettext_lazy("deputies", "level"), max_length=10, choices=Level.choices)

    class Meta:
        verbose_name = _("deputy profile")
        verbose_name_plural = _("deputy profiles")

    def __str__(self) -> str:
        return f"{self.user} {self.level}"


class LiaisonStation(models.Model):
    """代表联络站 / 联系点: a place in a grid where deputies meet residents; the deputies attached to it."""

    name = models.CharField(pgettext_lazy("deputies", "name"), max_length=100)
    grid = models.ForeignKey(Grid, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("address"), max_length=200, blank=True)
    deputies = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("deputies"), related_name="liaison_stations", blank=True
    )

    class Meta:
        ordering = ["grid__code", "name"]
        verbose_name = _("liaison station")
        verbose_name_plural = _("liaison stations")

    def __str__(self) -> str:
        return self.name


class Reception(models.Model):
    """代表接待日: one reception day at a station — deputies on duty, who came, residents received."""

    station = models.ForeignKey(
        LiaisonStation, verbose_name=_("liaison station"), on_delete=models.CASCADE, related_name="receptions"
    )
    day = models.DateField(_("day"))
    on_duty = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("deputies on duty"), related_name="+", blank=True
    )
    attended = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("deputies who came"), related_name="receptions_attended", blank=True
    )
    residents_received = models.PositiveIntegerField(_("residents received"), default=0)
    recorded_at = models.DateTimeField(_("attendance recorded at"), null=True, blank=True)

    class Meta:
        ordering = ["station", "day"]
        verbose_name = _("reception day")
        verbose_name_plural = _("reception days")
        constraints = [models.UniqueConstraint(fields=["station", "day"], name="one_reception_per_station_day")]

    def __str__(self) -> str:
        return f"{self.station} {self.day}"


class Source(models.TextChoices):
    RESIDENT = "resident", pgettext_lazy("deputies", "resident")  # 群众提出
    VISIT = "visit", pgettext_lazy("deputies", "visit")  # 走访收集
    RECEPTION = "reception", _("reception day")  # 接待日收集


class Status(models.TextChoices):
    COLLECTED = "collected", _("collected")  # 需求单: waiting for a deputy
    CLAIMED = "claimed", _("claimed")  # 任务单: a deputy took it
    CASE = "case", _("turned into a case")  # 责任单: a case for a government unit
    CLOSED = "closed", pgettext_lazy("deputies", "closed")  # settled by the deputy, or the case closed
    RATED = "rated", _("rated")  # the resident's rating closes the loop


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("satisfied")  # 满意
    BASICALLY = "basically_satisfied", _("basically satisfied")  # 基本满意
    DISSATISFIED = "dissatisfied", _("dissatisfied")  # 不满意


class Need(models.Model):
    """需求单 → 任务单 (claimed) → 责任单 (`case`). Written only by services.py. The status `case` turns
    closed when its case is closed (rules.state reads it; services.follow_cases writes it)."""

    number = models.CharField(pgettext_lazy("deputies", "number"), max_length=16, unique=True)  # XQ+YYYYMMDD+4
    client_id = models.UUIDField(_("client id"), null=True, blank=True, unique=True, editable=False)
    grid = models.ForeignKey(Grid, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    text = models.TextField(_("what is needed"))
    category = models.CharField(_("category"), max_length=60, blank=True)
    name = EncryptedTextField(_("resident's name"), blank=True)
    name_masked = models.CharField(_("resident's name (masked)"), max_length=50, blank=True)
    phone = EncryptedTextField(_("resident's phone"), blank=True)
    phone_digest = models.CharField(_("phone digest"), max_length=64, blank=True, db_index=True)
    phone_masked = models.CharField(_("resident's phone (masked)"), max_length=20, blank=True)
    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reception = models.ForeignKey(
        Reception,
        verbose_name=_("reception day"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="needs",
    )
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("collected by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    collected_at = models.DateTimeField(_("collected at"))
    level = models.CharField(_("at level"), max_length=10, choices=Level.choices, default=Level.TOWN)
    status = models.CharField(pgettext_lazy("deputies", "status"), max_length=10, choices=Status.choices)
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deputy"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deputy_tasks",
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    result = models.TextField(_("result"), blank=True)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    case = models.ForeignKey(
        Case, verbose_name=_("case"), null=True, blank=True, on_delete=models.PROTECT, related_name="needs"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    rating = models.CharField(_("rating"), max_length=20, choices=Rating.choices, blank=True)
    rated_by = models.CharField(_("rated by"), max_length=10, blank=True)  # resident | deputy (回访)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)

    class Meta:
        ordering = ["-collected_at", "-id"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        indexes = [models.Index(fields=["status", "level"], name="need_status_level")]

    def __str__(self) -> str:
        return self.number


class Hop(models.Model):
    """塔式逐级反映: one step up — from which deputy and level, to which level, why, when."""

    need = models.ForeignKey(Need, verbose_name=_("need"), on_delete=models.CASCADE, related_name="hops")
    from_deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("from deputy"), on_delete=models.PROTECT, related_name="+"
    )
    from_level = models.CharField(_("from level"), max_length=10, choices=Level.choices)
    to_level = models.CharField(_("to level"), max_length=10, choices=Level.choices)
    reason = models.CharField(pgettext_lazy("deputies", "reason"), max_length=300)
    at = models.DateTimeField(_("escalated at"))

    class Meta:
        ordering = ["need", "at", "id"]
        verbose_name = _("escalation")
        verbose_name_plural = pgettext_lazy("deputies", "escalations")

    def __str__(self) -> str:
        return f"{self.need_id} {self.from_level}→{self.to_level}"


class Adoption(models.TextChoices):
    ADOPTED = "adopted", _("adopted")  # 采纳
    PARTLY = "partly", _("partly adopted")  # 部分采纳
    NOT = "not", _("not adopted")  # 未采纳


class Suggestion(models.Model):
    """代表建议: filed by a deputy to a unit; the unit's reply (答复) and the deputy's rating of it."""

    number = models.CharField(pgettext_lazy("deputies", "number"), max_length=16, unique=True)  # JY+YYYYMMDD+4
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("deputy"), on_delete=models.PROTECT, related_name="suggestions"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(pgettext_lazy("deputies", "title"), max_length=200)
    text = models.TextField(_("suggestion"))
    filed_at = models.DateTimeField(_("filed at"))
    reply = models.TextField(_("reply"), blank=True)
    adoption = models.CharField(_("adoption"), max_length=8, choices=Adoption.choices, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("replied by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    rating = models.CharField(_("rating"), max_length=20, choices=Rating.choices, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)

    class Meta:
        ordering = ["-filed_at", "-id"]
        verbose_name = _("deputy's suggestion")
        verbose_name_plural = _("deputies' suggestions")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class Counter(models.Model):
    """Numbering per day: "N20261207" (needs), "S20261207" (suggestions)."""

    key = models.CharField(_("key"), max_length=24, primary_key=True)
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("deputies counter")
        verbose_name_plural = _("deputies counters")

    def __str__(self) -> str:
        return f"{self.key}: {self.last}"
