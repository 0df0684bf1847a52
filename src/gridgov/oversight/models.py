"""一聘三督: appointments (聘), inspections and their findings (督)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Appointment(models.Model):
    """聘请: a resident appointed supervisor (监督员) of a street or community for a term. The term is also the
    dates of the supervisor post it creates (people.Post), so the post grants its role only within it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("supervisor"), on_delete=models.PROTECT, related_name="appointments"
    )
    area = models.CharField(_("area"), max_length=12, help_text=_("street or community code"))
    start_date = models.DateField(_("term starts"))
    end_date = models.DateField(_("term ends"))  # the last day of the term
    letter_number = models.CharField(_("letter number"), max_length=40, blank=True)  # 聘书编号
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("appointed by"),
        null=True,  # None: the system (an import, the demo)
        on_delete=models.PROTECT,
        related_name="+",
    )
    post = models.ForeignKey("people.Post", verbose_name=_("post"), null=True, on_delete=models.SET_NULL)
    ended_on = models.DateField(_("ended early on"), null=True, blank=True)
    end_reason = models.CharField(_("reason for ending"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["area", "start_date", "id"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="appointment_term_order")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.area} {self.start_date}–{self.end_date}"

    @property
    def last_day(self):
        return min(self.end_date, self.ended_on) if self.ended_on else self.end_date


class Inspection(models.Model):
    """督查: one visit of an appointed supervisor to a grid of their area on a day."""

    appointment = models.ForeignKey(
        Appointment, verbose_name=_("appointment"), on_delete=models.PROTECT, related_name="inspections"
    )
    grid = models.ForeignKey("grids.Grid", verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    # made by the phone or the form: a resend of the same inspection answers the first, writes nothing
    client_id = models.UUIDField(_("client id"), null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-day", "-id"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")

    def __str__(self) -> str:
        return f"{self.grid_id} {self.day}"


class FindingKind(models.TextChoices):
    MISSED = "missed", _("should have been found")  # 应发现未发现
    OVERDUE = "overdue", _("case past its deadline")  # 超期未办
    WORK_STYLE = "work_style", _("work style")  # 作风问题


class Finding(models.Model):
    """督查发现: opens a case (supervisor channel) or presses (督办) an overdue one; counts against the grid and,
    when known, the worker responsible (assessment input `oversight_findings`)."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.PROTECT, related_name="findings"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=FindingKind.choices)
    description = models.TextField(_("description"), blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    grid = models.ForeignKey("grids.Grid", verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("worker responsible"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="oversight_findings",
    )
    case = models.ForeignKey("cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="+")
    opened = models.BooleanField(_("opened the case"))  # False: pressed (督办) an existing case
    event = models.ForeignKey(
        "cases.CaseEvent",
        verbose_name=_("press event"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    day = models.DateField(_("day"), db_index=True)

    class Meta:
        ordering = ["-day", "-id"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")

    def __str__(self) -> str:
        return f"{self.kind} {self.day} case {self.case_id}"
