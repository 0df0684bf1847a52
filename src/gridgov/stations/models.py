"""3671 便民服务体系: three levels of service stations (street centre, community station, grid point), six
service types, seven target groups, and one resident platform (the H5 pages under /my/services/).

A station's level follows from its grid's level (一级网格 street → 行政服务中心/生活文化服务中心, 二级网格 community →
便民服务站, 三级网格 → 便民服务点). Each station keeps a catalogue; activities and appointment slots (offerings)
are booked by residents signed in by phone; a service log counts person-times served. Residents' names and
phones are encrypted at rest and shown masked, as the registry keeps them. Written only by services.py.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gridgov.core.crypto import EncryptedTextField
from gridgov.grids.models import Grid


class Level(models.IntegerChoices):
    STREET = 1, _("street service centre")  # 行政服务中心 / 生活文化服务中心
    COMMUNITY = 2, _("community service station")  # 便民服务站
    GRID = 3, _("grid service point")  # 便民服务点


class ServiceType(models.TextChoices):  # 六类服务
    GOVERNMENT = "government", _("government services")  # 政务
    LIFE = "life", _("daily-life services")  # 生活
    HEALTH = "health", _("health services")  # 卫生
    CULTURE = "culture", _("culture and education")  # 文化教育
    WELFARE = "welfare", _("public welfare")  # 公益
    SECURITY = "security", _("public safety")  # 治安安全


class TargetGroup(models.TextChoices):  # 七类人群
    YOUTH = "youth", _("young people")  # 青少年
    ELDERLY = "elderly", _("the elderly")  # 老年人
    POOR = "poor", _("people in poverty")  # 贫困人员
    DISABLED = "disabled", _("people with disabilities")  # 残疾人
    UNEMPLOYED = "unemployed", _("laid-off and unemployed")  # 下岗失业人员
    RELEASED = "released", _("released prisoners and community corrections")  # 刑满释放和社区服刑人员
    UNMANAGED = "unmanaged", _("residents of unmanaged compounds")  # 无主管楼院居民


class Station(models.Model):
    name = models.CharField(pgettext_lazy("stations", "name"), max_length=100)
    grid = models.ForeignKey(Grid, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("grid code"), max_length=18, db_index=True)  # the grid's code, for prefix scopes
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    address = models.CharField(_("address"), max_length=200, blank=True)
    hours = models.CharField(_("opening hours"), max_length=100, blank=True)
    phone = models.CharField(pgettext_lazy("stations", "phone"), max_length=30, blank=True)  # the station's line
    active = models.BooleanField(pgettext_lazy("stations", "active"), default=True)

    class Meta:
        ordering = ["code", "name"]
        verbose_name = _("service station")
        verbose_name_plural = _("service stations")
        constraints = [models.UniqueConstraint(fields=["grid", "name"], name="station_name_per_grid")]

    def __str__(self) -> str:
        return self.name


class CatalogueItem(models.Model):
    station = models.ForeignKey(Station, verbose_name=_("station"), on_delete=models.CASCADE, related_name="items")
    service_type = models.CharField(_("service type"), max_length=12, choices=ServiceType.choices)
    groups = models.JSONField(_("target groups"), default=list, blank=True)  # TargetGroup values
    name = models.CharField(pgettext_lazy("stations", "name"), max_length=100)
    description = models.TextField(pgettext_lazy("stations", "description"), blank=True)
    active = models.BooleanField(pgettext_lazy("stations", "active"), default=True)

    class Meta:
        ordering = ["station", "service_type", "name"]
        verbose_name = _("catalogue item")
        verbose_name_plural = _("catalogue items")

    def __str__(self) -> str:
        return self.name


class Kind(models.TextChoices):
    ACTIVITY = "activity", _("activity")  # 活动
    APPOINTMENT = "appointment", _("appointment slot")  # 预约时段


class OfferingStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("stations", "open")
    CANCELLED = "cancelled", pgettext_lazy("stations", "cancelled")
    FINISHED = "finished", _("held")


class Offering(models.Model):
    """An activity or an appointment slot of a catalogue item that residents book, up to `capacity`."""

    station = models.ForeignKey(Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="offerings")
    item = models.ForeignKey(
        CatalogueItem, verbose_name=_("catalogue item"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.ACTIVITY)
    title = models.CharField(pgettext_lazy("stations", "title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("capacity"))
    deadline = models.DateTimeField(_("sign-up deadline"))
    status = models.CharField(_("status"), max_length=10, choices=OfferingStatus.choices, default=OfferingStatus.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("offering")
        verbose_name_plural = _("offerings")

    def __str__(self) -> str:
        return self.title


class BookingStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("confirmed")  # 已报名
    WAITLISTED = "waitlisted", _("on the waiting list")  # 候补
    CANCELLED = "cancelled", pgettext_lazy("booking", "cancelled")  # 已取消
    ATTENDED = "attended", _("attended")  # 已参加
    NO_SHOW = "no_show", _("did not come")  # 未到


ACTIVE = ("confirmed", "waitlisted")


class Booking(models.Model):
    """A resident's sign-up, found by the keyed digest of the phone they signed in with."""

    offering = models.ForeignKey(
        Offering, verbose_name=_("offering"), on_delete=models.CASCADE, related_name="bookings"
    )
    resident = models.CharField(_("resident (phone digest)"), max_length=64, db_index=True)
    name = EncryptedTextField(pgettext_lazy("stations", "name"))
    name_masked = models.CharField(_("name (masked)"), max_length=50)
    phone = EncryptedTextField(pgettext_lazy("stations", "phone"), blank=True)
    phone_masked = models.CharField(_("phone (masked)"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=BookingStatus.choices)
    client_key = models.CharField(_("client id"), max_length=64, null=True, blank=True, unique=True)
    booked_at = models.DateTimeField(_("booked at"))
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        ordering = ["booked_at", "id"]  # the waiting list's order
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        constraints = [
            models.UniqueConstraint(
                fields=["offering", "resident"], condition=Q(status__in=ACTIVE), name="one_active_booking_each"
            )
        ]

    def __str__(self) -> str:
        return f"{self.offering_id} {self.name_masked} {self.status}"


class ServiceLog(models.Model):
    """Person-times served (服务台账): entered by staff, or written once when an offering's attendance is marked."""

    station = models.ForeignKey(Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="logs")
    service_type = models.CharField(_("service type"), max_length=12, choices=ServiceType.choices)
    groups = models.JSONField(_("target groups"), default=list, blank=True)
    day = models.DateField(_("date"))
    person_times = models.PositiveIntegerField(_("person-times"))
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("staff"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    notes = models.TextField(_("notes"), blank=True)
    offering = models.OneToOneField(
        Offering, verbose_name=_("offering"), null=True, blank=True, on_delete=models.PROTECT, related_name="log"
    )

    class Meta:
        ordering = ["-day", "-id"]
        verbose_name = _("service log entry")
        verbose_name_plural = _("service log")

    def __str__(self) -> str:
        return f"{self.station} {self.day} {self.person_times}"
