"""Categories (问题分类) with their deadlines, and the dispatch catalogue (派单目录)."""

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# A dispatch target: a unit code (D + district + 3 digits), a grid code (6, 9, 12, 15 or 18 digits), or
# "@N", the case grid's own ancestor at level N (@1 its street, @2 its community), so that one catalogue
# row serves every grid of the district ("难事不出街道"). Blank (lead only) means the case's grid itself.
UNIT_TOKEN = r"(?:D\d{9}|@[0-4]|\d{6}(?:\d{3}){0,4})"
unit_validator = RegexValidator(rf"^(?:{UNIT_TOKEN})?$", _("a unit code (D410102001), a grid code, @1…@4, or empty"))
assisting_validator = RegexValidator(
    rf"^(?:{UNIT_TOKEN}(?:,{UNIT_TOKEN})*)?$", _("comma-separated unit codes, grid codes or @1…@4")
)


class Complexity(models.TextChoices):
    """简单/一般/复杂/历史遗留/重大疑难, handled as 立即办/协调办/现场办/联动办 (the seeds)."""

    SIMPLE = "simple", _("simple")  # 简单 → 立即办
    GENERAL = "general", _("general")  # 一般 → 协调办
    COMPLEX = "complex", _("complex")  # 复杂 → 现场办
    LEGACY = "legacy", _("legacy")  # 历史遗留 → 联动办
    MAJOR = "major", _("major")  # 重大疑难 → 联动办


class HandlingMode(models.TextChoices):
    """办理方式: how a case is handled (the seeds: 立即办、协调办、现场办、联动办); its rules are ModeRule rows."""

    IMMEDIATE = "immediate", _("handle at once")  # 立即办: the receiving platform answers or fixes it at once
    COORDINATED = "coordinated", _("coordinated handling")  # 协调办: a lead unit and assisting units
    ON_SITE = "on_site", _("on-site handling")  # 现场办: the unit goes to the spot (a site visit with photos)
    LINKED = "linked", _("linked handling")  # 联动办: several units, 集中会商, progress reports, maybe 挂账


class ModeRule(models.Model):
    """What a handling mode asks of a case (办理方式规则): data the admin edits, shipped in data/modes.csv."""

    mode = models.CharField(_("handling mode"), max_length=12, choices=HandlingMode.choices, unique=True)
    complexities = models.CharField(
        _("complexities"), max_length=60, blank=True, help_text=_("comma-separated: the classes handled this way")
    )
    resolve_working_hours = models.PositiveSmallIntegerField(
        _("working hours to resolve"), null=True, blank=True, help_text=_("empty: the category's working days")
    )
    site_visit_required = models.BooleanField(_("site visit with photos before the result"), default=False)
    consultation_required = models.BooleanField(_("consultation (集中会商) before the result"), default=False)
    progress_every_days = models.PositiveSmallIntegerField(
        _("progress report every (days)"), null=True, blank=True, help_text=_("empty: no scheduled reports")
    )
    # 联动办: several units under a lead at district level — a district department (D…), not a grid
    district_lead_required = models.BooleanField(_("lead unit at district level"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("handling mode rule")
        verbose_name_plural = _("handling mode rules")

    def __str__(self) -> str:
        return str(self.get_mode_display())

    @property
    def complexity_list(self) -> list[str]:
        return [c.strip() for c in self.complexities.split(",") if c.strip()]


class Tree(models.TextChoices):
    URBAN_COMPONENT = "component", _("city management: components")  # 数字城管 部件
    URBAN_EVENT = "event", _("city management: events")  # 数字城管 事件
    SOCIAL = "social", _("social governance")  # 台账 / 社情
    HOTLINE = "hotline", _("12345 hotline")  # 12345 政务服务便民热线


class UnitKind(models.TextChoices):
    """Who handles a class by default, before the catalogue names a unit."""

    GRID = "grid", _("the grid")
    DEPARTMENT = "department", _("a department")
    ENTERPRISE = "enterprise", _("a non-government handler")
    PLATFORM = "platform", _("the platform")


class Category(models.Model):
    """A class in one of the category trees; leaves carry the time limits.

    `resolve_days` is the limit of a general (一般) case; the case's complexity scales it (see
    `selectors.limits`). `complexity` is only the default that registration suggests.
    """

    code = models.CharField(_("code"), max_length=24, unique=True)
    name = models.CharField(_("name"), max_length=100)
    tree = models.CharField(_("tree"), max_length=16, choices=Tree.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("parent")
    )
    depth = models.PositiveSmallIntegerField(_("depth"), default=1)
    is_leaf = models.BooleanField(_("leaf"), default=True)
    complexity = models.CharField(
        _("default complexity"), max_length=8, choices=Complexity.choices, default=Complexity.GENERAL
    )
    sign_hours = models.PositiveSmallIntegerField(_("hours to sign (working)"), default=2)
    resolve_days = models.PositiveSmallIntegerField(
        _("days to resolve (working)"), default=5, help_text=_("for a general case; complexity scales it")
    )
    urgent = models.BooleanField(_("urgent (clock hours)"), default=False)
    resolve_hours = models.PositiveSmallIntegerField(_("hours to resolve when urgent (clock)"), null=True, blank=True)
    unit_kind = models.CharField(
        _("default responsible unit"), max_length=12, choices=UnitKind.choices, default=UnitKind.GRID
    )
    keywords = models.CharField(_("keywords"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class DispatchRule(models.Model):
    """派单目录: a category (or a branch of the tree) at a grid level goes to a unit.

    `unit` is a unit code (D410102005) or empty for "the grid itself at that level". The most
    specific rule wins: the deepest category, then an exact grid level over any level.
    """

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="rules", verbose_name=_("category"))
    grid_level = models.PositiveSmallIntegerField(
        _("grid level"), null=True, blank=True, help_text=_("empty: any level")
    )
    district = models.CharField(_("district code"), max_length=6, blank=True, help_text=_("empty: every district"))
    unit = models.CharField(
        _("unit code"),
        max_length=18,
        blank=True,
        validators=[unit_validator],
        help_text=_("empty: the grid itself; @1/@2: the grid's street/community"),
    )
    assisting = models.CharField(
        _("assisting unit codes"),
        max_length=200,
        blank=True,
        validators=[assisting_validator],
        help_text=_("comma-separated, for joint handling (联合执法)"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["category__code", "grid_level", "district"]
        verbose_name = _("dispatch rule")
        verbose_name_plural = _("dispatch catalogue")
        # One rule per (category, level, district): the natural key the loader upserts by. Two partial
        # indexes because NULL levels are never equal in a plain unique index (SQLite and PostgreSQL).
        constraints = [
            models.UniqueConstraint(
                fields=["category", "grid_level", "district"],
                condition=Q(grid_level__isnull=False),
                name="dispatch_rule_one_per_level",
            ),
            models.UniqueConstraint(
                fields=["category", "district"],
                condition=Q(grid_level__isnull=True),
                name="dispatch_rule_one_any_level",
            ),
        ]

    def __str__(self) -> str:
        level = "*" if self.grid_level is None else self.grid_level
        return f"{self.category.code}@{level} → {self.unit or _('the grid')}"
