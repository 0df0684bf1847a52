from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """Audit log entry (审计日志): one row for every write made by a service function."""

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.SET_NULL
    )
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    # Chained like the case files (HMAC with the audit key): an edited or removed entry shows.
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"


class Attempt(models.Model):
    """A failed attempt at something guessable (a tracking code, a password), kept to throttle guessing.

    In the database so that every web process sees the same count. `scope` names what is guarded
    (e.g. "track"), `key` who or what is counted (a case number, a client address)."""

    scope = models.CharField(_("guarded action"), max_length=32)
    key = models.CharField(_("counted key"), max_length=128)
    at = models.DateTimeField(_("time"), db_index=True)

    class Meta:
        verbose_name = _("failed attempt")
        verbose_name_plural = _("failed attempts")
        indexes = [models.Index(fields=["scope", "key", "at"])]

    def __str__(self) -> str:
        return f"{self.scope} {self.key} {self.at}"


class OutboxItem(models.Model):
    """A follow-up task waiting to run (发件箱): written in the transaction that asked for it.

    gridgov.core.outbox drains it: the task's writes and the row's deletion commit together, so a
    crash between them loses nothing and repeats nothing in the database. `batch_key` names the list
    argument under which waiting rows of the same task are merged into one call (enqueue_batched)."""

    task = models.CharField(_("task"), max_length=128)
    payload = models.JSONField(_("arguments"), default=dict, blank=True)
    batch_key = models.CharField(_("batch key"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    not_before = models.DateTimeField(_("not before"), default=timezone.now)  # later after a failure (backoff)
    attempts = models.PositiveIntegerField(_("failed attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    dead = models.BooleanField(_("dead"), default=False)  # failed too often: kept for a person to look at

    class Meta:
        verbose_name = _("outbox item")
        verbose_name_plural = _("outbox")
        ordering = ["id"]
        indexes = [models.Index(fields=["not_before"], condition=models.Q(dead=False), name="outbox_waiting")]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk}"
