"""Cases and their append-only event log: the closed loop (案件闭环)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    REPORTED = "reported", _("reported")  # 上报/受理
    REGISTERED = "registered", _("registered")  # 立案
    DISPATCHED = "dispatched", _("dispatched")  # 派遣
    IN_PROGRESS = "in_progress", _("in progress")  # 处置中 (签收后)
    SUSPENDED = "suspended", _("suspended")  # 挂账
    RESOLVED = "resolved", _("resolved")  # 处置反馈
    VERIFIED = "verified", _("verified")  # 核查通过
    CLOSED = "closed", _("closed")  # 结案
    EVALUATED = "evaluated", _("evaluated")  # 已评价
    REJECTED = "rejected", _("rejected")  # 不予立案
    MERGED = "merged", _("merged")  # 已合并


class Channel(models.TextChoices):
    RESIDENT = "resident", _("resident")
    PATROL = "patrol", _("grid patrol")
    HOTLINE = "hotline", _("12345 hotline")
    WECHAT = "wechat", _("WeChat / H5")
    DEPUTY = "deputy", _("deputy")
    SUPERVISOR = "supervisor", _("supervisor")
    SENSOR = "sensor", _("sensor")
    OPEN311 = "open311", _("Open311 client")
    IMPORT = "import", _("import")


class Light(models.TextChoices):
    GREEN = "green", _("green")
    YELLOW = "yellow", _("yellow")
    RED = "red", _("red")


class ResolvedLevel(models.TextChoices):
    GRID = "grid", _("grid")
    COMMUNITY = "community", _("community")
    STREET = "street", _("street")
    DISTRICT = "district", _("district")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("satisfied")  # 满意
    BASICALLY = "basically_satisfied", _("basically satisfied")  # 基本满意
    DISSATISFIED = "dissatisfied", _("dissatisfied")  # 不满意


class Case(models.Model):
    """A case (案件/工单). Written only by the transition services in cases/services.py."""

    number = models.CharField(_("number"), max_length=14, unique=True)
    tracking_hash = models.CharField(max_length=64)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    lon = models.FloatField()
    lat = models.FloatField()
    # 位置描述: the place in words (street, building, landmark), as people say it; required for hotline cases.
    address = models.CharField(_("location description"), max_length=200, blank=True)
    grid = models.ForeignKey("grids.Grid", on_delete=models.PROTECT, related_name="cases", verbose_name=_("grid"))
    platform = models.CharField(_("platform"), max_length=18, db_index=True,
                                help_text=_("grid code of the platform holding the case"))
    category = models.ForeignKey("routing.Category", null=True, blank=True, on_delete=models.PROTECT,
                                 verbose_name=_("category"))
    complexity = models.CharField(_("complexity"), max_length=8, default="general")
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, db_index=True)

    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="reported_cases")
    reporter_name = models.CharField(max_length=50, blank=True)
    reporter_phone = models.CharField(max_length=20, blank=True)
    photos = models.JSONField(default=list, blank=True)

    lead_unit = models.CharField(_("lead unit"), max_length=18, blank=True, db_index=True)
    assisting_units = models.JSONField(default=list, blank=True)
    urgent = models.BooleanField(default=False)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    sign_by = models.DateTimeField(null=True, blank=True)
    resolve_by = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    # The clock: started at dispatch and again at each resume; time used before the last start is
    # banked, so that time spent suspended never counts towards the yellow light.
    clock_start = models.DateTimeField(null=True, blank=True)
    clock_banked = models.FloatField(default=0.0)
    suspended_at = models.DateTimeField(null=True, blank=True)
    review_on = models.DateField(null=True, blank=True)
    light = models.CharField(max_length=8, choices=Light.choices, blank=True, db_index=True)
    pending_extension_days = models.PositiveSmallIntegerField(null=True, blank=True)

    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    resolved_level = models.CharField(max_length=10, choices=ResolvedLevel.choices, blank=True)
    result = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    satisfaction = models.CharField(max_length=20, choices=Satisfaction.choices, blank=True)
    solved = models.BooleanField(null=True, blank=True)
    master = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates")

    return_count = models.PositiveSmallIntegerField(default=0)
    extension_count = models.PositiveSmallIntegerField(default=0)
    rework_count = models.PositiveSmallIntegerField(default=0)
    escalation_count = models.PositiveSmallIntegerField(default=0)
    reopen_count = models.PositiveSmallIntegerField(default=0)

    version = models.PositiveIntegerField(default=0)
    event_count = models.PositiveIntegerField(default=0)
    last_hash = models.CharField(max_length=64, blank=True)
    reported_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [models.Index(fields=["platform", "status"]), models.Index(fields=["status", "resolve_by"])]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class CaseEvent(models.Model):
    """One step of a case (案件流转记录), append-only, chained by hash (tamper-evident file)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=24)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=150, blank=True)
    actor_role = models.CharField(max_length=24, blank=True)
    # The actor's own unit or grid for that role (城管执法局, 网格 …), not the case's lead unit.
    actor_unit = models.CharField(max_length=18, blank=True)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    unit = models.CharField(max_length=18, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(db_index=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["case", "seq"]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="one_event_per_seq")]
        indexes = [models.Index(fields=["action", "at"])]


class CaseCounter(models.Model):
    """Per-day sequence for case numbers YYYYMMDD + 6 digits."""

    day = models.CharField(max_length=8, primary_key=True)
    last = models.PositiveIntegerField(default=0)


class IdempotencyKey(models.Model):
    """An intake request already answered: a retry with the same key gets the same case."""

    key = models.CharField(max_length=128, unique=True)
    fingerprint = models.CharField(max_length=64)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    # kept so that a retry after a lost response still shows the reporter their code; purged after a day
    tracking_code = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class Upload(models.Model):
    """A photo uploaded before the report or action that refers to it (by id)."""

    id = models.CharField(primary_key=True, max_length=32)
    file = models.FileField(upload_to="uploads/%Y/%m/")
    # a small JPEG for lists and timelines; the full image on click
    thumbnail = models.FileField(upload_to="uploads/%Y/%m/", blank=True)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)


class Consultation(models.Model):
    """集中会商: a meeting on an open case, with its participants and decision."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="consultations")
    participants = models.JSONField(default=list)
    decision = models.TextField()
    held_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
