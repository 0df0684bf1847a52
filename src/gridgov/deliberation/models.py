"""Deliberation (三段式决策: 一征三议两公开 in communities, 四议两公开 in villages): a matter of a community or
village goes through the stages of its procedure (procedures.py) in order — opinions solicited, rounds of
deliberation with minutes, attendance and a vote, then two publications (两公开).

`stage` is the key of the stage that comes next ("" once the result is public). Opinions come from a
public form: name and phone are personal data (encrypted, masked); `resident` links an opinion whose
phone matched a resident of the matter's grid, so that the points app can credit it (`credited`).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.core.crypto import EncryptedTextField
from gridgov.grids.models import Grid
from gridgov.registry.models import Resident


class ProcedureKind(models.TextChoices):
    COMMUNITY = "community", _("community procedure")  # 一征三议两公开
    VILLAGE = "village", _("village procedure")  # 四议两公开


class Status(models.TextChoices):
    OPEN = "open", _("in deliberation")  # 议事中
    DECIDED = "decided", _("decision made public")  # 决议已公开
    DONE = "done", _("result made public")  # 结果已公开
    WITHDRAWN = "withdrawn", _("withdrawn")  # 撤回


class Matter(models.Model):
    """A matter for deliberation (议事事项) in a community or village."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    grid = models.ForeignKey(Grid, verbose_name=_("community or village"), on_delete=models.PROTECT, related_name="+")
    procedure = models.CharField(_("procedure"), max_length=12, choices=ProcedureKind.choices)
    stage = models.CharField(_("next stage"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    opinions_from = models.DateTimeField(_("opinions from"), null=True, blank=True)
    opinions_until = models.DateTimeField(_("opinions until"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened at"))

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("matter for deliberation")
        verbose_name_plural = _("matters for deliberation")
        indexes = [models.Index(fields=["grid", "status"], name="delib_matter_grid_status")]

    def __str__(self) -> str:
        return self.title


class Opinion(models.Model):
    """An opinion given while the matter's opinions were solicited (一征)."""

    matter = models.ForeignKey(Matter, verbose_name=_("matter"), on_delete=models.PROTECT, related_name="opinions")
    text = models.TextField(_("opinion"))
    name = EncryptedTextField(_("name"), blank=True)
    name_masked = models.CharField(_("name (masked)"), max_length=50, blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_masked = models.CharField(_("phone (masked)"), max_length=20, blank=True)
    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    credited = models.BooleanField(_("points credited"), default=False)
    at = models.DateTimeField(_("given at"))

    class Meta:
        ordering = ["matter", "at", "id"]
        verbose_name = _("opinion")
        verbose_name_plural = _("opinions")
        indexes = [models.Index(fields=["credited", "resident"], name="delib_opinion_to_credit")]

    def __str__(self) -> str:
        return f"{self.matter_id} {self.name_masked or '—'}"


class Round(models.Model):
    """A meeting of one deliberation stage (议事会议): minutes, attendance and the vote. A failed vote may be
    followed by another round of the same stage (`attempt` 2, 3 …)."""

    matter = models.ForeignKey(Matter, verbose_name=_("matter"), on_delete=models.PROTECT, related_name="rounds")
    stage = models.CharField(_("stage"), max_length=20)
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    held_on = models.DateField(_("held on"))
    body = models.CharField(_("body"), max_length=100)
    minutes = models.TextField(_("minutes"))
    expected = models.PositiveIntegerField(_("expected"))
    present = models.PositiveIntegerField(_("present"))
    present_names = models.TextField(_("names of those present"), blank=True)
    votes_for = models.PositiveIntegerField(_("for"))
    votes_against = models.PositiveIntegerField(_("against"))
    votes_abstain = models.PositiveIntegerField(_("abstained"))
    passed = models.BooleanField(_("passed"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["matter", "held_on", "id"]
        verbose_name = _("deliberation round")
        verbose_name_plural = _("deliberation rounds")
        constraints = [
            models.UniqueConstraint(fields=["matter", "stage", "attempt"], name="delib_one_round_per_attempt"),
            models.CheckConstraint(
                condition=models.Q(present__lte=models.F("expected")), name="delib_present_le_expected"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.matter_id} {self.stage} #{self.attempt}"


class PublicationKind(models.TextChoices):
    DECISION = "decision", _("decision")  # 决议公开
    RESULT = "result", _("result of implementation")  # 实施结果公开


class Publication(models.Model):
    """One of the two publications (两公开), shown on the grid board and the matter's public page."""

    matter = models.ForeignKey(Matter, verbose_name=_("matter"), on_delete=models.PROTECT, related_name="publications")
    kind = models.CharField(_("kind"), max_length=10, choices=PublicationKind.choices)
    published_at = models.DateTimeField(_("published at"))
    text = models.TextField(_("text"))
    place = models.CharField(_("where"), max_length=100)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("published by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["matter", "published_at"]
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        constraints = [models.UniqueConstraint(fields=["matter", "kind"], name="delib_one_publication_per_kind")]

    def __str__(self) -> str:
        return f"{self.matter_id} {self.kind}"
