"""Assessment data (考核评价): per-case facts, daily rollups, scoring schemes."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.assessment.facts import COUNTERS


# The counters' names in the admin (facts.COUNTERS says what each counts).
COUNTER_LABELS = {
    "received": _("cases received"), "registered": _("cases registered"), "closed": _("cases closed"),
    "closed_on_time": _("cases closed on time"), "dispatched": _("cases dispatched"),
    "sign_due": _("dispatches due for signing"), "signed_on_time": _("dispatches signed on time"),
    "evaluated": _("cases rated"), "satisfied": _("cases rated satisfied"), "solved": _("cases rated solved"),
    "checked": _("cases checked"), "reworked": _("cases reworked"), "reworks": _("failed checks"),
    "extended": _("cases extended"), "on_spot": _("fixed on the spot"), "patrol_found": _("found on patrol"),
    "level_grid": _("closed in the grid"), "level_community": _("closed by the community"),
    "level_street": _("closed by the street"), "level_district": _("closed by the district"),
}


def _counter_fields() -> dict:
    """One integer column per counter in facts.COUNTERS (added to the class bodies below)."""
    return {name: models.IntegerField(COUNTER_LABELS[name], default=0) for name in COUNTERS}


class CaseFact(models.Model):
    """What one case counts for now (its counters and where they are summed), as last rolled up.

    Kept so that the next refresh of the case can take exactly its old contribution out of the
    rollups before adding the new one: that is what makes a rerun change nothing.
    """

    case = models.OneToOneField("cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, primary_key=True,
                                related_name="fact")
    day = models.DateField(_("day reported"), db_index=True)  # the local day the case was reported
    event_count = models.PositiveIntegerField(_("events"))  # the events this fact was computed from
    grid = models.CharField(_("grid code"), max_length=18, db_index=True)
    unit = models.CharField(_("unit code"), max_length=18, blank=True, db_index=True)
    person = models.CharField(_("person"), max_length=12, blank=True, db_index=True)
    category_root = models.CharField(_("top category"), max_length=24, blank=True)
    locals().update(_counter_fields())

    class Meta:
        verbose_name = _("case fact")
        verbose_name_plural = _("case facts")


class Rollup(models.Model):
    """Daily sums of the case counters (日汇总) per region, unit, person or region×category.

    `day` is the day the cases were reported, as the indicators select "cases reported in the range".
    """

    kind = models.CharField(_("kind"), max_length=10)  # region | unit | person | category
    code = models.CharField(_("code"), max_length=48)
    level = models.PositiveSmallIntegerField(_("level"), default=0)  # grid level of a region (or a category's region)
    day = models.DateField(_("day"))
    locals().update(_counter_fields())

    class Meta:
        verbose_name = _("daily rollup")
        verbose_name_plural = _("daily rollups")
        constraints = [models.UniqueConstraint(fields=["kind", "code", "day"], name="one_rollup_per_day")]
        indexes = [models.Index(fields=["kind", "level", "day"])]


class Subject(models.TextChoices):
    WORKER = "worker", _("grid worker")
    REGION = "region", _("region")
    UNIT = "unit", _("department or unit")
    DEPUTY = "deputy", _("deputy")


class ScoringScheme(models.Model):
    """A scoring scheme as data (考核方案): 千分制, 百分制, 三率, 履职积分.

    `items` is a list of {"key", "label", "input", "points", "rule", …}; rule is one of
      rate:      points × the input's rate (0 when nothing to rate: "no cases" earns no points)
      per_count: `per` points for each count, within ±points (negative `per` is a deduction)
      target:    points × min(1, count / target)
      bonus:     `per` points each, all bonus items together capped by `bonus_cap`
    An input the system does not collect yet scores 0 and says so (scoring.INPUTS).
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    subject = models.CharField(_("scored"), max_length=10, choices=Subject.choices)
    level = models.PositiveSmallIntegerField(_("grid level"), null=True, blank=True,
                                             help_text=_("for regions: 1 street, 2 community, 3 grid"))
    total = models.PositiveIntegerField(_("full marks"), default=100)
    bonus_cap = models.FloatField(_("bonus cap"), default=0)
    items = models.JSONField(_("items"), default=list)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("scoring scheme")
        verbose_name_plural = _("scoring schemes")

    def __str__(self) -> str:
        return self.name
