"""Patrols (巡查): a grid's plan (定期、定时、定量), the sessions walked against it with their GPS track,
check-ins at the plan's points, and the cases a patrol opened.

Coordinates are WGS-84 (docs/architecture.md §4); phones that speak GCJ-02 are converted on the way in
(services). Sessions and track points carry ids made by the phone, so a batch recorded offline and sent
again writes nothing twice.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Frequency(models.TextChoices):
    DAILY = "daily", _("every day")  # 每日: e.g. a 专职网格员's daily round
    WORKDAYS = "workdays", _("every working day")  # 工作日: by the working calendar (gridgov.worktime)


class PatrolPlan(models.Model):
    """A grid's patrol plan (巡查计划): how often (定期), within which hours (定时) and how much (定量).

    A day the plan requires is met by one completed session that started inside the window and checked
    in at `min_checkins` of the plan's points at least (selectors.attendance).
    """

    grid = models.ForeignKey(
        "grids.Grid", verbose_name=_("grid"), on_delete=models.PROTECT, related_name="patrol_plans"
    )
    name = models.CharField(_("name"), max_length=100)
    frequency = models.CharField(_("frequency"), max_length=16, choices=Frequency.choices, default=Frequency.DAILY)
    window_start = models.TimeField(_("window opens"))
    window_end = models.TimeField(_("window closes"))
    min_checkins = models.PositiveSmallIntegerField(_("minimum check-ins per patrol"), default=0)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["grid__code", "id"]
        verbose_name = _("patrol plan")
        verbose_name_plural = _("patrol plans")
        constraints = [
            models.CheckConstraint(condition=Q(window_start__lt=models.F("window_end")), name="plan_window_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.grid_id})"


class PlanPoint(models.Model):
    """A point of a plan (巡查点位) where the worker checks in, within `radius_m` metres."""

    plan = models.ForeignKey(PatrolPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="points")
    name = models.CharField(_("name"), max_length=100)
    lon = models.FloatField(_("longitude (WGS-84)"))
    lat = models.FloatField(_("latitude (WGS-84)"))
    radius_m = models.PositiveIntegerField(_("check-in radius (m)"), default=50)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["plan", "order", "id"]
        verbose_name = _("plan point")
        verbose_name_plural = _("plan points")

    def __str__(self) -> str:
        return self.name


class PatrolSession(models.Model):
    """One patrol walked by one worker (巡查记录); `client_id` is made by the phone when it starts."""

    client_id = models.UUIDField(_("client id"), unique=True)
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("worker"), on_delete=models.PROTECT, related_name="patrol_sessions"
    )
    grid = models.ForeignKey(
        "grids.Grid", verbose_name=_("grid"), on_delete=models.PROTECT, related_name="patrol_sessions"
    )
    plan = models.ForeignKey(
        PatrolPlan,
        verbose_name=_("plan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("patrol session")
        verbose_name_plural = _("patrol sessions")
        indexes = [models.Index(fields=["grid", "started_at"]), models.Index(fields=["worker", "started_at"])]

    def __str__(self) -> str:
        return f"{self.worker_id}@{self.grid_id} {self.started_at:%Y-%m-%d %H:%M}"


class TrackPoint(models.Model):
    """A GPS fix of a session (巡查轨迹点), WGS-84; unique by the id the phone gave it."""

    session = models.ForeignKey(
        PatrolSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="track"
    )
    client_id = models.UUIDField(_("client id"))
    lon = models.FloatField(_("longitude (WGS-84)"))
    lat = models.FloatField(_("latitude (WGS-84)"))
    recorded_at = models.DateTimeField(_("recorded at"))
    accuracy_m = models.FloatField(_("accuracy (m)"), null=True, blank=True)

    class Meta:
        ordering = ["session", "recorded_at", "id"]
        verbose_name = _("track point")
        verbose_name_plural = _("track points")
        constraints = [models.UniqueConstraint(fields=["session", "client_id"], name="track_point_once")]

    def __str__(self) -> str:
        return f"{self.lon:.6f},{self.lat:.6f} {self.recorded_at:%H:%M:%S}"


class CheckIn(models.Model):
    """A check-in at a plan point (打卡), at most one per point and session."""

    session = models.ForeignKey(
        PatrolSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="checkins"
    )
    point = models.ForeignKey(PlanPoint, verbose_name=_("plan point"), on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"))
    lon = models.FloatField(_("longitude (WGS-84)"))
    lat = models.FloatField(_("latitude (WGS-84)"))
    distance_m = models.FloatField(_("distance (m)"))

    class Meta:
        ordering = ["session", "at"]
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [models.UniqueConstraint(fields=["session", "point"], name="one_checkin_per_point")]

    def __str__(self) -> str:
        return f"{self.point_id} {self.at:%Y-%m-%d %H:%M}"


class PatrolFinding(models.Model):
    """A problem found on a patrol (巡查发现): the case it opened, with the patrol as its source."""

    session = models.ForeignKey(
        PatrolSession, verbose_name=_("session"), on_delete=models.PROTECT, related_name="findings"
    )
    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="patrol_finding"
    )
    on_spot = models.BooleanField(_("solved on the spot"), default=False)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("patrol finding")
        verbose_name_plural = _("patrol findings")

    def __str__(self) -> str:
        return f"{self.session_id} → {self.case_id}"
