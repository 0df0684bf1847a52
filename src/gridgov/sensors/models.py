"""Sensors (智能守护): devices in households (smoke, fall, gas, water leak, door) and the alarms they send.

A device authenticates with its own secret, stored only as a hash (like people.ApiToken). Each alarm is
stored once per device event id (the device resends until it hears an answer) and points at the case it
opened or was folded into (services.receive_alarm). A device that has not been heard from for longer
than `silent_after_hours` is silent (selectors.silent_devices); `silent_since` marks when that was flagged.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gridgov.cases.models import Case
from gridgov.registry.models import Household


class DeviceKind(models.TextChoices):
    SMOKE = "smoke", _("smoke detector")  # 烟感
    FALL = "fall", _("fall detector")  # 跌倒报警
    GAS = "gas", _("gas detector")  # 燃气报警
    WATER_LEAK = "water_leak", _("water leak detector")  # 水浸
    DOOR = "door", _("door sensor")  # 门磁


# Hours without a heartbeat or alarm after which a device counts as silent, by kind (a device may differ).
SILENT_AFTER_HOURS = {
    DeviceKind.SMOKE: 24,
    DeviceKind.FALL: 12,  # worn or fixed near an elderly person living alone: checked more often
    DeviceKind.GAS: 24,
    DeviceKind.WATER_LEAK: 48,
    DeviceKind.DOOR: 24,
}


class Device(models.Model):
    """A sensor device (智能守护设备) bound to a household and so to the household's grid."""

    kind = models.CharField(_("kind"), max_length=12, choices=DeviceKind.choices)
    serial = models.CharField(_("serial number"), max_length=64, unique=True)
    household = models.ForeignKey(
        Household, verbose_name=pgettext_lazy("registry", "household"), on_delete=models.PROTECT, related_name="+"
    )
    secret_hash = models.CharField(_("secret hash"), max_length=64)
    silent_after_hours = models.PositiveSmallIntegerField(_("silent after (hours)"))
    registered_at = models.DateTimeField(_("registered at"))
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True)
    silent_since = models.DateTimeField(_("flagged silent at"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["serial"]
        verbose_name = _("sensor device")
        verbose_name_plural = _("sensor devices")

    def __str__(self) -> str:
        return self.serial


class Alarm(models.Model):
    """One alarm (报警) as the device sent it; `opened` tells whether it opened its case or was folded in."""

    device = models.ForeignKey(Device, verbose_name=_("device"), on_delete=models.PROTECT, related_name="alarms")
    event_id = models.CharField(_("device event id"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=DeviceKind.choices)
    at = models.DateTimeField(_("at"))
    received_at = models.DateTimeField(_("received at"))
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="+")
    opened = models.BooleanField(_("opened the case"))

    class Meta:
        ordering = ["-at"]
        verbose_name = _("sensor alarm")
        verbose_name_plural = _("sensor alarms")
        constraints = [models.UniqueConstraint(fields=["device", "event_id"], name="sensors_alarm_once_per_event")]

    def __str__(self) -> str:
        return f"{self.device_id}:{self.event_id}"
