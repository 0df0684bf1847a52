"""Household visits (入户走访, 网格长走千家): who visited which household, when, why, whom they saw, and the
problems they found, each a case opened in the same step (VisitFinding).

`client_id` is made by the phone, so a visit recorded offline and sent twice is written once. `grid` is
the household's grid at the time of the visit (households may be re-placed later) and `scope` the grid
subtree of the visitor's post it was made under: figures are counted by them, not by today's placement.
Notes are free text and must hold no ID or phone number (services.check_free_text).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gridgov.cases.models import Case
from gridgov.grids.models import Grid
from gridgov.registry.models import Household, Resident


class Purpose(models.TextChoices):
    VISIT = "visit", _("household visit")  # 走访
    CARE = "care", _("care visit")  # 关爱探访: the visits key groups are due on a schedule (selectors.care_due)
    SCREENING = "screening", _("screening")  # 排查
    POLICY = "policy", _("policy outreach")  # 政策宣传
    MEDIATION = "mediation", _("dispute mediation")  # 矛盾调解


class Visit(models.Model):
    """One visit to one household (入户走访记录)."""

    client_id = models.UUIDField(_("client id"), unique=True)
    household = models.ForeignKey(
        Household, verbose_name=pgettext_lazy("registry", "household"), on_delete=models.PROTECT, related_name="visits"
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("visitor"), on_delete=models.PROTECT, related_name="household_visits"
    )
    grid = models.ForeignKey(Grid, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    scope = models.CharField(_("visitor's grid"), max_length=18)
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices, default=Purpose.VISIT)
    at = models.DateTimeField(_("visited at"))
    people_seen = models.PositiveSmallIntegerField(_("people seen"), default=0)
    residents = models.ManyToManyField(Resident, verbose_name=_("residents seen"), blank=True, related_name="+")
    notes = models.TextField(_("notes"), blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("household visit")
        verbose_name_plural = _("household visits")
        indexes = [
            models.Index(fields=["household", "purpose", "at"], name="visit_household_purpose_at"),
            models.Index(fields=["visitor", "at"], name="visit_visitor_at"),
            models.Index(fields=["at"], name="visit_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.household_id} {self.purpose}"


class VisitFinding(models.Model):
    """A problem found on a visit (走访发现): the case it opened, `on_spot` when solved there (就地解决)."""

    visit = models.ForeignKey(Visit, verbose_name=_("visit"), on_delete=models.PROTECT, related_name="findings")
    case = models.OneToOneField(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="visit_finding")
    on_spot = models.BooleanField(_("solved on the spot"), default=False)

    class Meta:
        ordering = ["visit", "id"]
        verbose_name = _("visit finding")
        verbose_name_plural = _("visit findings")

    def __str__(self) -> str:
        return str(self.case_id)
