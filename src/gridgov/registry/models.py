"""The 一标三实 registry: standard addresses (标准地址), 实有房屋, 实有人口 (households and residents), 实有单位.

Every record is placed in a grid (grid FK, set by services.placement) and carries `collected_at`, the day
it was last collected or checked on the spot; selectors.due_for_recollection lists those older than the
period of their kind (settings GRIDGOV_REGISTRY_REFRESH_DAYS). A record is retired (active False), never
deleted: visits and cases will point at it. Residents' name, ID number and phone are encrypted at rest
(core.crypto); beside them sit keyed digests for exact search and the masked forms shown everywhere.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gridgov.core.crypto import EncryptedTextField
from gridgov.grids.models import Grid


class AddressLevel(models.TextChoices):
    COMPOUND = "compound", _("residential compound")  # 小区 (or a village, a street block)
    BUILDING = "building", _("building")  # 楼栋
    ENTRANCE = "entrance", _("entrance")  # 单元
    DWELLING = "dwelling", _("dwelling")  # 户 (a flat, a courtyard house)


class Address(models.Model):
    """A standard address (标准地址): 小区 › 楼栋 › 单元 › 户, each level a row pointing at its parent.

    `full_text` is the whole address as written (the parent's text and this level's name); lon/lat a
    WGS-84 point when one was collected. `grid` is where services.placement put it (see that module).
    """

    parent = models.ForeignKey(
        "self",
        verbose_name=pgettext_lazy("registry", "parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    level = models.CharField(_("level"), max_length=10, choices=AddressLevel.choices)
    name = models.CharField(_("name"), max_length=100)
    full_text = models.CharField(_("address"), max_length=300, db_index=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    grid = models.ForeignKey(Grid, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    collected_at = models.DateTimeField(_("collected at"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["full_text"]
        verbose_name = _("standard address")
        verbose_name_plural = _("standard addresses")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="registry_address_unique_in_parent"),
            # a top-level address (小区) has no parent: its name is unique within its grid
            models.UniqueConstraint(
                fields=["grid", "name"], condition=Q(parent__isnull=True), name="registry_top_address_unique"
            ),
            models.CheckConstraint(
                condition=Q(lon__isnull=True, lat__isnull=True) | Q(lon__isnull=False, lat__isnull=False),
                name="registry_address_point_whole",
            ),
        ]

    def __str__(self) -> str:
        return self.full_text


class BuildingUse(models.TextChoices):
    RESIDENTIAL = "residential", _("residential")  # 住宅
    COMMERCIAL = "commercial", _("commercial")  # 商业
    MIXED = "mixed", _("mixed use")  # 商住混合
    PUBLIC = "public", pgettext_lazy("registry", "public")  # 公共设施
    OTHER = "other", _("other")


class Building(models.Model):
    """A building as it stands (实有房屋), at a 楼栋 address."""

    address = models.OneToOneField(Address, verbose_name=_("address"), on_delete=models.PROTECT, related_name="house")
    use = models.CharField(_("use"), max_length=12, choices=BuildingUse.choices, default=BuildingUse.RESIDENTIAL)
    floors = models.PositiveSmallIntegerField(_("floors"), null=True, blank=True)
    grid = models.ForeignKey(Grid, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    collected_at = models.DateTimeField(_("collected at"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["address__full_text"]
        verbose_name = _("building")
        verbose_name_plural = _("buildings")

    def __str__(self) -> str:
        return str(self.address)


class Tag(models.Model):
    """A key group (重点人群) a resident may belong to: 独居老人, 高龄, 残疾人 …, with the care-visit cadence
    the visits work will schedule by (every `visit_every_days` days; none: no scheduled care visit)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    visit_every_days = models.PositiveSmallIntegerField(_("care visit every (days)"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("key-group tag")
        verbose_name_plural = _("key-group tags")

    def __str__(self) -> str:
        return self.name


class Household(models.Model):
    """A household (户, 实有人口 by home) at a 户 address; `size` is the number of people as collected."""

    address = models.ForeignKey(Address, verbose_name=_("address"), on_delete=models.PROTECT, related_name="households")
    grid = models.ForeignKey(Grid, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    size = models.PositiveSmallIntegerField(_("household size"), default=0)
    collected_at = models.DateTimeField(_("collected at"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["address__full_text"]
        verbose_name = pgettext_lazy("registry", "household")
        verbose_name_plural = pgettext_lazy("registry", "households")
        constraints = [
            models.UniqueConstraint(
                fields=["address"], condition=Q(active=True), name="registry_one_active_household_per_address"
            )
        ]

    def __str__(self) -> str:
        return str(self.address)


class Resident(models.Model):
    """A person living here (实有人口). Name, ID number (身份证号) and phone are encrypted; `*_digest` are
    keyed digests (core.keys.keyed_digest) for exact search, `*_masked` what every list and page shows."""

    household = models.ForeignKey(
        Household,
        verbose_name=pgettext_lazy("registry", "household"),
        on_delete=models.PROTECT,
        related_name="residents",
    )
    grid = models.ForeignKey(Grid, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    name = EncryptedTextField(pgettext_lazy("registry", "name"))
    id_number = EncryptedTextField(_("ID number"), blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    name_digest = models.CharField(_("name digest"), max_length=64, db_index=True)
    id_digest = models.CharField(_("ID number digest"), max_length=64, blank=True, db_index=True)
    phone_digest = models.CharField(_("phone digest"), max_length=64, blank=True, db_index=True)
    name_masked = models.CharField(_("name (masked)"), max_length=50)
    id_masked = models.CharField(_("ID number (masked)"), max_length=18, blank=True)
    phone_masked = models.CharField(_("phone (masked)"), max_length=20, blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("key groups"), blank=True, related_name="residents")
    collected_at = models.DateTimeField(_("collected at"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["household", "id"]
        verbose_name = pgettext_lazy("registry", "resident")
        verbose_name_plural = pgettext_lazy("registry", "residents")
        constraints = [
            models.UniqueConstraint(
                fields=["id_digest"],
                condition=Q(active=True) & ~Q(id_digest=""),
                name="registry_one_active_resident_per_id",
            )
        ]

    def __str__(self) -> str:
        return self.name_masked


class OrganisationKind(models.TextChoices):
    SHOP = "shop", _("shop")  # 沿街商铺、个体工商户
    ENTERPRISE = "enterprise", _("enterprise")  # 企业
    SCHOOL = "school", _("school")  # 学校、幼儿园
    MEDICAL = "medical", _("medical")  # 医院、诊所
    PUBLIC = "public", _("public body")  # 机关、事业单位
    SOCIAL = "social", _("social organisation")  # 社会组织
    OTHER = "other", _("other")


class Organisation(models.Model):
    """An organisation as it operates here (实有单位): shops, enterprises, schools …; its contact person's
    phone is personal data like a resident's (encrypted, masked)."""

    kind = models.CharField(_("kind"), max_length=12, choices=OrganisationKind.choices)
    name = models.CharField(_("name"), max_length=200)
    # 统一社会信用代码 (GB 32100, checked by uscc.py); a shop without a licence to hand has none yet
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True, db_index=True)
    address = models.ForeignKey(
        Address,
        verbose_name=_("address"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
    )
    address_text = models.CharField(_("address as written"), max_length=300, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    grid = models.ForeignKey(Grid, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = EncryptedTextField(_("contact phone"), blank=True)
    contact_phone_masked = models.CharField(_("contact phone (masked)"), max_length=20, blank=True)
    collected_at = models.DateTimeField(_("collected at"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=Q(active=True) & ~Q(credit_code=""),
                name="registry_one_active_organisation_per_credit_code",
            )
        ]

    def __str__(self) -> str:
        return self.name


class AccessLog(models.Model):
    """One reveal of a resident's personal data (个人信息查询留痕): who, whom, which field, why, when.

    Written with an audit-log event (core.audit, chained) by reveals.reveal_resident; this table is what
    auditors query by grid. `grid_code` is the resident's grid at the time, kept as text.
    """

    at = models.DateTimeField(_("at"), db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(_("acting as"), max_length=150)
    resident = models.ForeignKey(
        Resident, verbose_name=pgettext_lazy("registry", "resident"), on_delete=models.PROTECT, related_name="+"
    )
    grid_code = models.CharField(_("grid code"), max_length=18, db_index=True)
    field = models.CharField(_("field"), max_length=16)
    reason = models.CharField(_("reason"), max_length=300)
    audit_event_id = models.BigIntegerField(_("audit event"), null=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("personal data reveal")
        verbose_name_plural = _("personal data reveals")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.field}"
