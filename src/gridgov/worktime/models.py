"""Local adjustments to the working calendar (本地调整)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkdayOverride(models.Model):
    """One day an administrator declared a workday or a day off (本地调整), whatever the statutory
    calendar says: years chinese-calendar does not know yet, or local arrangements. Written through
    `gridgov.worktime.services`, which audits the change and refreshes the calendar cache."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("workday"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("workday override")
        verbose_name_plural = _("workday overrides")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {'workday' if self.is_workday else 'day off'}"
