from django.db import models
from django.utils.translation import gettext_lazy as _


class DemoAccount(models.Model):
    """The demo city's accounts with their passwords (demo data only; `gridgov accounts --json`)."""

    username = models.CharField(_("username"), max_length=150)
    password = models.CharField(_("password"), max_length=64)
    role = models.CharField(_("role"), max_length=24)
    scope = models.CharField(_("scope"), max_length=18)

    class Meta:
        verbose_name = _("demo account")
        verbose_name_plural = _("demo accounts")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.username  # never the password
