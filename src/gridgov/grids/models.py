"""The grid tree (网格): district → 一级 → 二级 → 三级 → 微网格, with boundary history."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Code length per level (GB/T 30428.1 layout: 6 admin + 3 street + 3 community + 3 sequence [+ 3]).
CODE_LENGTH = {0: 6, 1: 9, 2: 12, 3: 15, 4: 18}
LEVEL_OF_LENGTH = {length: level for level, length in CODE_LENGTH.items()}


class Level(models.IntegerChoices):
    DISTRICT = 0, _("district platform")
    STREET = 1, _("level-1 grid (street)")
    COMMUNITY = 2, _("level-2 grid (community)")
    GRID = 3, _("level-3 grid")
    MICRO = 4, _("micro grid")


class Kind(models.TextChoices):
    COMPREHENSIVE = "comprehensive", _("comprehensive")  # 综合网格
    DEDICATED = "dedicated", _("dedicated")  # 专属网格: a school, hospital, enterprise, market


class Grid(models.Model):
    """A grid (网格) at any level; its polygon lives in GridBoundary, with history.

    A grid is retired by setting valid_to, never deleted: cases keep pointing at the grid they were
    filed in.
    """

    code = models.CharField(_("code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.COMPREHENSIVE)
    households = models.PositiveIntegerField(_("households"), default=0)
    population = models.PositiveIntegerField(_("population"), default=0)
    valid_from = models.DateTimeField(_("valid from"))
    valid_to = models.DateTimeField(_("valid to"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        indexes = [models.Index(fields=["parent", "code"])]
        constraints = [
            models.CheckConstraint(condition=Q(level__gte=0, level__lte=4), name="grid_level_range"),
            models.CheckConstraint(
                condition=Q(level=0) | Q(parent__isnull=False), name="grid_has_parent_below_district"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_active(self) -> bool:
        return self.valid_to is None


class GridBoundary(models.Model):
    """One version of a grid's polygon (网格边界), WGS84 as WKB so SQLite and PostgreSQL agree.

    The bounding box is stored for cheap window queries (the map asks for what is on screen).
    """

    grid = models.ForeignKey(Grid, verbose_name=_("grid"), on_delete=models.CASCADE, related_name="boundaries")
    wkb = models.BinaryField(_("polygon (WKB)"))
    min_lon = models.FloatField(_("west longitude"))
    min_lat = models.FloatField(_("south latitude"))
    max_lon = models.FloatField(_("east longitude"))
    max_lat = models.FloatField(_("north latitude"))
    area_m2 = models.FloatField(_("area (m²)"))
    valid_from = models.DateTimeField(_("valid from"))
    valid_to = models.DateTimeField(_("valid to"), null=True, blank=True)

    class Meta:
        ordering = ["grid", "-valid_from"]
        verbose_name = _("grid boundary")
        verbose_name_plural = _("grid boundaries")
        constraints = [
            models.UniqueConstraint(
                fields=["grid"], condition=Q(valid_to__isnull=True), name="one_current_boundary_per_grid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.valid_from:%Y-%m-%d %H:%M}"


class TreeVersion(models.Model):
    """A single row whose number goes up with every change to the grid tree.

    Every process keeps its own spatial index and rebuilds it when this number moves, so several
    web processes and workers agree on where a point falls.
    """

    id = models.PositiveSmallIntegerField(_("ID"), primary_key=True, default=1)
    version = models.PositiveBigIntegerField(_("version"), default=0)
    # A fresh random stamp with each change: a counter could repeat after a rolled-back
    # transaction and leave a process with an index of data that never committed.
    stamp = models.CharField(_("version stamp"), max_length=32, default="initial")
    changed_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("grid tree version")
        verbose_name_plural = _("grid tree versions")

    def __str__(self) -> str:
        return f"tree version {self.version} ({self.stamp})"
