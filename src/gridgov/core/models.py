from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """Audit log entry (审计日志): one row for every write made by a service function."""

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
                              on_delete=models.SET_NULL)
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
