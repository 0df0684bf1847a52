"""Open311 GeoReport v2 (docs/architecture.md §4.4): client applications' keys, the extra fields
(attributes) of services, and what a client sent with each request beyond the case itself."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.core.crypto import EncryptedTextField


class ApiKey(models.Model):
    """An Open311 client application (应用) and its key. Only the key's SHA-256 is stored: the plain key
    is shown once, when it is made (`gridgov open311 key`, or the admin)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    digest = models.CharField(_("key digest"), max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("key begins with"), max_length=8, editable=False)
    per_minute = models.PositiveIntegerField(_("requests per minute"), default=60)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Datatype(models.TextChoices):
    STRING = "string", _("short text")
    NUMBER = "number", _("number")
    DATETIME = "datetime", _("date and time")
    TEXT = "text", _("long text")
    SINGLE = "singlevaluelist", _("one of a list")
    MULTI = "multivaluelist", _("several of a list")


class ServiceAttribute(models.Model):
    """An extra field a client asks for when reporting in a category (GeoReport v2 service definition)."""

    category = models.ForeignKey(
        "routing.Category", on_delete=models.CASCADE, related_name="open311_attributes", verbose_name=_("category")
    )
    code = models.SlugField(_("code"), max_length=50)
    description = models.CharField(_("question"), max_length=300)
    datatype = models.CharField(_("type"), max_length=16, choices=Datatype.choices, default=Datatype.STRING)
    datatype_description = models.CharField(_("type explained"), max_length=200, blank=True)
    required = models.BooleanField(_("required"), default=False)
    variable = models.BooleanField(_("asks for input"), default=True, help_text=_("off: only a note shown"))
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    # [{"key": "k", "name": "shown"}] for the two list types
    values = models.JSONField(_("choices"), default=list, blank=True)

    class Meta:
        ordering = ["category", "order", "code"]
        verbose_name = _("Open311 service attribute")
        verbose_name_plural = _("Open311 service attributes")
        constraints = [models.UniqueConstraint(fields=["category", "code"], name="open311_one_attribute_code")]

    def __str__(self) -> str:
        return f"{self.category_id}:{self.code}"


class Submission(models.Model):
    """A request posted by an Open311 client: its case, the token the client may look it up by, and what
    GeoReport carries that a case has no column for. The e-mail is personal data: encrypted, never shown."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="open311", verbose_name=_("case"))
    token = models.CharField(_("token"), max_length=32, unique=True)
    client = models.ForeignKey(
        ApiKey, on_delete=models.PROTECT, related_name="submissions", verbose_name=_("client application")
    )
    device_id = models.CharField(_("device id"), max_length=100, blank=True)
    account_id = models.CharField(_("account id"), max_length=100, blank=True)
    email = EncryptedTextField(_("e-mail"), blank=True)
    address_id = models.CharField(_("address id"), max_length=100, blank=True)
    media_urls = models.JSONField(_("media URLs"), default=list, blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Open311 submission")
        verbose_name_plural = _("Open311 submissions")

    def __str__(self) -> str:
        return self.token
