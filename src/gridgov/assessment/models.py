"""Assessment data (考核评价): per-case facts, daily rollups, scoring schemes."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.assessment.facts import COUNTERS
from gridgov.core.invariants import require_same_keys


class Counters(models.Model):
    """One integer column per counter of facts.COUNTERS (which says what each counts), in its order."""

    received = models.IntegerField(_("cases received"), default=0)
    registered = models.IntegerField(_("cases registered"), default=0)
    closed = models.IntegerField(_("cases closed"), default=0)
    closed_on_time = models.IntegerField(_("cases closed on time"), default=0)
    dispatched = models.IntegerField(_("cases dispatched"), default=0)
    sign_due = models.IntegerField(_("dispatches due for signing"), default=0)
    signed_on_time = models.IntegerField(_("dispatches signed on time"), default=0)
    evaluated = models.IntegerField(_("cases rated"), default=0)
    satisfied = models.IntegerField(_("cases rated satisfied"), default=0)
    solved = models.IntegerField(_("cases rated solved"), default=0)
    checked = models.IntegerField(_("cases checked"), default=0)
    reworked = models.IntegerField(_("cases reworked"), default=0)
    reworks = models.IntegerField(_("failed checks"), default=0)
    extended = models.IntegerField(_("cases extended"), default=0)
    on_spot = models.IntegerField(_("fixed on the spot"), default=0)
    patrol_found = models.IntegerField(_("found on patrol"), default=0)
    level_grid = models.IntegerField(_("closed in the grid"), default=0)
    level_community = models.IntegerField(_("closed by the community"), default=0)
    level_street = models.IntegerField(_("closed by the street"), default=0)
    level_district = models.IntegerField(_("closed by the district"), default=0)

    class Meta:
        abstract = True


# A counter added to facts.COUNTERS needs its column here (and a migration): refuse to start without it.
require_same_keys((f.name for f in Counters._meta.fields), COUNTERS, "every counter of facts.COUNTERS has its column")


class CaseFact(Counters):
    """What one case counts for now (its counters and where they are summed), as last rolled up.

    Kept so that the next refresh of the case can take exactly its old contribution out of the
    rollups before adding the new one: that is what makes a rerun change nothing.
    """

    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), on_delete=models.CASCADE, primary_key=True, related_name="fact"
    )
    day = models.DateField(_("day reported"), db_index=True)  # the local day the case was reported
    event_count = models.PositiveIntegerField(_("events"))  # the events this fact was computed from
    grid = models.CharField(_("grid code"), max_length=18, db_index=True)
    unit = models.CharField(_("unit code"), max_length=18, blank=True, db_index=True)
    person = models.CharField(_("person"), max_length=12, blank=True, db_index=True)
    category_root = models.CharField(_("top category"), max_length=24, blank=True)

    class Meta:
        verbose_name = _("case fact")
        verbose_name_plural = _("case facts")

    def __str__(self) -> str:
        return f"{self.case_id} @ {self.grid} ({self.day})"


class Rollup(Counters):
    """Daily sums of the case counters (日汇总) per region, unit, person or region×category.

    `day` is the day the cases were reported, as the indicators select "cases reported in the range".
    """

    kind = models.CharField(_("kind"), max_length=10)  # region | unit | person | category
    code = models.CharField(_("code"), max_length=48)
    level = models.PositiveSmallIntegerField(_("level"), default=0)  # grid level of a region (or a category's region)
    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("daily rollup")
        verbose_name_plural = _("daily rollups")
        constraints = [models.UniqueConstraint(fields=["kind", "code", "day"], name="one_rollup_per_day")]
        indexes = [models.Index(fields=["kind", "level", "day"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.code} {self.day}"


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
    level = models.PositiveSmallIntegerField(
        _("grid level"), null=True, blank=True, help_text=_("for regions: 1 street, 2 community, 3 grid")
    )
    total = models.PositiveIntegerField(_("full marks"), default=100)
    bonus_cap = models.FloatField(_("bonus cap"), default=0)
    items = models.JSONField(_("items"), default=list)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("scoring scheme")
        verbose_name_plural = _("scoring schemes")

    def __str__(self) -> str:
        return self.name


class ProactiveCase(models.Model):
    """A hot spot turned into a case (未诉先办, assessment.hotspots): once per hot spot and period."""

    key = models.CharField(_("hot spot"), max_length=48)  # "GRID:CATEGORY"
    period = models.CharField(_("period"), max_length=24)  # "START/END" (local dates)
    case = models.ForeignKey("cases.Case", null=True, on_delete=models.PROTECT, verbose_name=_("case"))
    created_by = models.CharField(_("created by"), max_length=150)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("proactive case")
        verbose_name_plural = _("proactive cases")
        constraints = [models.UniqueConstraint(fields=["key", "period"], name="assessment_proactive_once")]

    def __str__(self) -> str:
        return f"{self.key} {self.period}"
