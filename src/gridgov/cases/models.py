"""Cases and their append-only event log: the closed loop (案件闭环)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.core.crypto import EncryptedTextField
from gridgov.routing.models import Complexity, HandlingMode


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


# Channels whose cases run on the clock whatever their category (紧急): a smoke, gas or fall alarm does not
# wait for Monday. Value: the clock hours to make the household safe once dispatched.
URGENT_CHANNEL_HOURS: dict[str, int] = {"sensor": 2}  # Channel.SENSOR


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
    """A case (案件/工单). Written only by the services in cases/services/."""

    number = models.CharField(_("number"), max_length=14, unique=True)
    tracking_hash = models.CharField(_("tracking code hash"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    # 位置描述: the place in words (street, building, landmark), as people say it; required for hotline cases.
    address = models.CharField(_("location description"), max_length=200, blank=True)
    grid = models.ForeignKey("grids.Grid", on_delete=models.PROTECT, related_name="cases", verbose_name=_("grid"))
    platform = models.CharField(
        _("platform"), max_length=18, db_index=True, help_text=_("grid code of the platform holding the case")
    )
    category = models.ForeignKey(
        "routing.Category", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("category")
    )
    complexity = models.CharField(_("complexity"), max_length=8, choices=Complexity.choices, default=Complexity.GENERAL)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, db_index=True)
    # 办理方式: fixed at registration from the complexity (routing.ModeRule), changed by the platform with a
    # reason; empty until registered. Its rules are data: what the mode asks before a result.
    mode = models.CharField(
        _("handling mode"), max_length=12, choices=HandlingMode.choices, blank=True, default="", db_index=True
    )
    progress_due = models.DateTimeField(_("next progress report due"), null=True, blank=True)
    # 句号管理: the reply to the requester (what was done, or why it cannot be); no case closes without one.
    reply = models.TextField(_("reply to the requester"), blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_cases",
    )
    # Encrypted at rest (core.crypto); erased a while after closure (cases.retention).
    reporter_name = EncryptedTextField(_("reporter name"), blank=True)
    reporter_phone = EncryptedTextField(_("reporter phone"), blank=True)
    # Keyed digests of the phone's last 4, 5 … all digits (cases.phones.search_keys): finds a caller's
    # cases by the digits they read out, without a searchable phone column.
    reporter_phone_keys = models.TextField(_("reporter phone search keys"), blank=True, default="")
    # Keyed digest of name and phone (core.keys.keyed_digest): what the case file's chain covers, so
    # that contact data can be erased after the retention period without breaking the chain.
    reporter_digest = models.CharField(_("reporter digest"), max_length=64, blank=True)
    photos = models.JSONField(_("photos"), default=list, blank=True)

    lead_unit = models.CharField(_("lead unit"), max_length=18, blank=True, db_index=True)
    assisting_units = models.JSONField(_("assisting units"), default=list, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    sign_by = models.DateTimeField(_("sign by"), null=True, blank=True)
    resolve_by = models.DateTimeField(_("resolve by"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("signed for at"), null=True, blank=True)
    # The clock: started at dispatch and again at each resume; time used before the last start is
    # banked, so that time spent suspended never counts towards the yellow light.
    clock_start = models.DateTimeField(_("clock started at"), null=True, blank=True)
    clock_banked = models.FloatField(_("banked time"), default=0.0)
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)
    review_on = models.DateField(_("review on"), null=True, blank=True)
    light = models.CharField(_("light"), max_length=8, choices=Light.choices, blank=True, db_index=True)
    # When the deadline sweep must next look at the case (cases.deadlines.next_light_change): its light turns or a
    # deadline or progress report passes. Null when nothing can happen before the case moves again; set on every
    # event (record_event) and by the sweep, which selects only rows whose moment has come (a partial index on status
    # and it: a range per status, which SQLite's planner prefers to the (status, resolve_by) index).
    light_next_at = models.DateTimeField(_("next light change"), null=True, blank=True, editable=False)
    pending_extension_days = models.PositiveSmallIntegerField(_("extension days requested"), null=True, blank=True)

    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_level = models.CharField(_("resolved at level"), max_length=10, choices=ResolvedLevel.choices, blank=True)
    result = models.TextField(_("result"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    satisfaction = models.CharField(_("satisfaction"), max_length=20, choices=Satisfaction.choices, blank=True)
    solved = models.BooleanField(_("solved"), null=True, blank=True)
    master = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )

    return_count = models.PositiveSmallIntegerField(_("returns"), default=0)
    extension_count = models.PositiveSmallIntegerField(_("extensions"), default=0)
    rework_count = models.PositiveSmallIntegerField(_("reworks"), default=0)
    escalation_count = models.PositiveSmallIntegerField(_("escalations"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("reopenings"), default=0)

    version = models.PositiveIntegerField(_("version"), default=0)
    event_count = models.PositiveIntegerField(_("events"), default=0)
    last_hash = models.CharField(_("last event hash"), max_length=64, blank=True)
    reported_at = models.DateTimeField(_("reported at"), db_index=True)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        ordering = ["-reported_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["platform", "status"]),
            models.Index(fields=["status", "resolve_by"]),
            models.Index(
                fields=["status", "light_next_at"],
                name="case_light_next_at",
                condition=models.Q(light_next_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class CaseEvent(models.Model):
    """One step of a case (案件流转记录), append-only, chained by hash (tamper-evident file)."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField(_("sequence"))
    action = models.CharField(_("action"), max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_label = models.CharField(_("actor name"), max_length=150, blank=True)
    actor_role = models.CharField(_("actor role"), max_length=24, blank=True)
    # The actor's own unit or grid for that role (城管执法局, 网格 …), not the case's lead unit.
    actor_unit = models.CharField(_("actor's unit"), max_length=18, blank=True)
    from_status = models.CharField(_("from status"), max_length=12, blank=True)
    to_status = models.CharField(_("to status"), max_length=12)
    unit = models.CharField(_("unit"), max_length=18, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    at = models.DateTimeField(_("time"), db_index=True)
    # Keyed digest of the case state this event left (services.state_digest), covered by `hash`: what
    # lets the chain be checked in full although only the last state is still in the case row.
    state_hash = models.CharField(_("case state hash"), max_length=64, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["case", "seq"]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="one_event_per_seq")]
        indexes = [models.Index(fields=["action", "at"])]

    def __str__(self) -> str:
        return f"#{self.seq}"


class CaseCounter(models.Model):
    """Per-day sequence for case numbers YYYYMMDD + 6 digits."""

    day = models.CharField(_("day"), max_length=8, primary_key=True)
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("case number counter")
        verbose_name_plural = _("case number counters")

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class IdempotencyKey(models.Model):
    """An intake request already answered: a retry with the same key gets the same case."""

    key = models.CharField(_("key"), max_length=128, unique=True)
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="+")
    # kept so that a retry after a lost response still shows the reporter their code; encrypted, and
    # purged after a day (cases.tasks.purge_idempotency_keys)
    tracking_code = EncryptedTextField(_("tracking code"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")

    def __str__(self) -> str:
        return f"{self.key} → case {self.case_id}"


class CaseRead(models.Model):
    """A staff member opened a case file (案卷查阅记录): who, which case, when, through what. Written by
    cases.reads.record_read, one row per opening (lists are not readings); reviewed by auditors."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(_("actor name"), max_length=150, blank=True)
    via = models.CharField(_("through"), max_length=16)  # api, console, m, dept …
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("case file reading")
        verbose_name_plural = _("case file readings")
        indexes = [models.Index(fields=["case", "at"]), models.Index(fields=["user", "at"])]

    def __str__(self) -> str:
        return f"{self.actor_label or self.user_id} read case {self.case_id} ({self.via}, {self.at})"


class Upload(models.Model):
    """A photo uploaded before the report or action that refers to it (by id)."""

    id = models.CharField(_("ID"), primary_key=True, max_length=32)
    file = models.FileField(_("file"), upload_to="uploads/%Y/%m/")
    # a small JPEG for lists and timelines; the full image on click
    thumbnail = models.FileField(_("thumbnail"), upload_to="uploads/%Y/%m/", blank=True)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("upload")
        verbose_name_plural = _("uploads")

    def __str__(self) -> str:
        return self.id


class Consultation(models.Model):
    """集中会商: a meeting on an open case, with its participants and decision."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="consultations")
    participants = models.JSONField(_("participants"), default=list)
    decision = models.TextField(_("decision"))
    held_at = models.DateTimeField(_("held at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")

    def __str__(self) -> str:
        return f"case {self.case_id}: consultation at {self.held_at}"
