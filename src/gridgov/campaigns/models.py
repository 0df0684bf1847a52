"""Top-down campaigns (专项排查) and covert inspections (暗访).

A district or street pushes a campaign (人居环境整治, 安全隐患排查, 入户排查 …) down to every 三级网格 under it
as a checklist (ChecklistItem); each grid gets a CampaignTarget when the campaign starts, and its workers
record one CheckResult per item: ok, or a problem, which becomes a case through the one intake or is
solved on the spot. A covert inspection team (暗访组) records findings (CovertFinding) in the streets; each
opens a case (channel supervisor) and the findings rank the streets (selectors.street_ranking).

`client_id`s are made by the phone, so a result or finding sent twice is written once.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.cases.models import Case
from gridgov.grids.models import Grid


class Kind(models.TextChoices):
    LIVING_ENVIRONMENT = "living_environment", _("living environment improvement")  # 人居环境整治
    SAFETY = "safety", _("safety hazard screening")  # 安全隐患排查
    HOUSEHOLD = "household", _("door-to-door screening")  # 入户排查
    OTHER = "other", _("other")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    RUNNING = "running", _("running")
    CLOSED = "closed", _("closed")


class Campaign(models.Model):
    """A campaign (专项排查) pushed down from a district or street grid."""

    client_id = models.UUIDField(_("client id"), unique=True)
    title = models.CharField(_("title"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    grid = models.ForeignKey(Grid, verbose_name=_("pushed down from"), on_delete=models.PROTECT, related_name="+")
    start_date = models.DateField(_("start date"))
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=8, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(due_date__gte=models.F("start_date")), name="campaign_due_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title


class ChecklistItem(models.Model):
    """One line of a campaign's checklist (排查事项)."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("position"))
    text = models.CharField(_("text"), max_length=200)
    needs_photo = models.BooleanField(_("needs a photo"), default=False)
    needs_note = models.BooleanField(_("needs a note"), default=False)

    class Meta:
        ordering = ["campaign", "position"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        constraints = [models.UniqueConstraint(fields=["campaign", "position"], name="campaign_item_position")]

    def __str__(self) -> str:
        return f"{self.position}. {self.text}"


class CampaignTarget(models.Model):
    """The campaign as pushed to one 三级网格 (下沉到网格)."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="targets")
    grid = models.ForeignKey(Grid, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    pushed_at = models.DateTimeField(_("pushed at"))

    class Meta:
        ordering = ["campaign", "grid__code"]
        verbose_name = _("campaign target")
        verbose_name_plural = _("campaign targets")
        constraints = [models.UniqueConstraint(fields=["campaign", "grid"], name="campaign_target_grid")]

    def __str__(self) -> str:
        return f"{self.campaign_id} → {self.grid_id}"


class Outcome(models.TextChoices):
    OK = "ok", _("ok")
    PROBLEM = "problem", _("problem found")


class CheckResult(models.Model):
    """A grid's answer to one checklist item (排查结果): ok, or a problem that became `case`."""

    client_id = models.UUIDField(_("client id"), unique=True)
    target = models.ForeignKey(
        CampaignTarget, verbose_name=_("target"), on_delete=models.PROTECT, related_name="results"
    )
    item = models.ForeignKey(
        ChecklistItem, verbose_name=_("checklist item"), on_delete=models.PROTECT, related_name="+"
    )
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("grid worker"), on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices)
    note = models.TextField(_("note"), blank=True)
    # upload ids, kept through the purge of unattached uploads (apps.result_photo_ids)
    photos = models.JSONField(_("photos"), default=list, blank=True)
    case = models.OneToOneField(
        Case, verbose_name=_("case"), null=True, blank=True, on_delete=models.PROTECT, related_name="check_result"
    )
    on_spot = models.BooleanField(_("solved on the spot"), default=False)
    at = models.DateTimeField(_("checked at"))

    class Meta:
        ordering = ["target", "item__position"]
        verbose_name = _("check result")
        verbose_name_plural = _("check results")
        constraints = [models.UniqueConstraint(fields=["target", "item"], name="campaign_result_once")]

    def __str__(self) -> str:
        return f"{self.target_id}/{self.item_id} {self.outcome}"


class CovertFinding(models.Model):
    """A problem found by a covert inspection (暗访发现); it always opened `case`."""

    client_id = models.UUIDField(_("client id"), unique=True)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("inspector"), on_delete=models.PROTECT, related_name="+"
    )
    street = models.ForeignKey(Grid, verbose_name=_("street"), on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(Grid, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("problem kind"), max_length=60)
    title = models.CharField(_("problem"), max_length=200)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    found_at = models.DateTimeField(_("found at"))
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), null=True, blank=True, on_delete=models.PROTECT, related_name="findings"
    )
    case = models.OneToOneField(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="covert_finding")

    class Meta:
        ordering = ["-found_at", "-id"]
        verbose_name = _("covert inspection finding")
        verbose_name_plural = _("covert inspection findings")
        indexes = [models.Index(fields=["street", "found_at"], name="covert_street_found_at")]

    def __str__(self) -> str:
        return f"{self.found_at:%Y-%m-%d} {self.street_id} {self.title}"
