from django.db import models


class DemoAccount(models.Model):
    """The demo city's accounts with their passwords (demo data only; `gridgov accounts --json`)."""

    username = models.CharField(max_length=150)
    password = models.CharField(max_length=64)
    role = models.CharField(max_length=24)
    scope = models.CharField(max_length=18)

    class Meta:
        ordering = ["id"]
