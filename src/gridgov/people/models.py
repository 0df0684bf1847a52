"""Units and posts: who may act where (人员、岗位与单位)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    GRID_WORKER = "grid_worker", _("grid worker")  # 网格员
    GRID_LEADER = "grid_leader", _("grid leader")  # 网格长
    DISPATCHER = "dispatcher", _("dispatcher")  # 指挥中心受理员
    DEPARTMENT_HANDLER = "department_handler", _("department handler")  # 职能部门承办人
    DEPUTY = "deputy", _("deputy")  # 人大代表/政协委员/党代表
    SUPERVISOR = "supervisor", _("supervisor")  # 督导员
    MEDIATOR = "mediator", _("mediator")  # 调解员
    LEADER = "leader", _("leader")  # 领导
    AUDITOR = "auditor", _("auditor")  # 审计员: reviews who read and revealed what
    ADMIN = "admin", _("administrator")  # 管理员


# Roles whose scope is a grid code (a subtree); department handlers are scoped to a unit code.
GRID_SCOPED_ROLES = {r for r in Role.values if r != Role.DEPARTMENT_HANDLER}


class UnitKind(models.TextChoices):
    DEPARTMENT = "department", _("government department")  # 职能部门
    ENTERPRISE = "enterprise", _("non-government handler")  # 物业公司、供水公司 …


class Unit(models.Model):
    """A unit that handles cases other than a grid (单位): departments and non-government handlers.

    Code: "D" + the district code + 3 digits (D410102001). Grids act as units by their grid code.
    """

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices, default=UnitKind.DEPARTMENT)
    district = models.CharField(_("district code"), max_length=6, db_index=True)
    phone = models.CharField(_("public phone"), max_length=32, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Post(models.Model):
    """A person's post (岗位): one role over one scope (a grid subtree or a unit).

    A person may hold several posts, e.g. 网格长 of one grid and 调解员 of its community.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="posts"
    )
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    scope = models.CharField(_("scope"), max_length=18, help_text=_("grid code, or unit code for department handlers"))
    title = models.CharField(_("title"), max_length=60, blank=True)  # 职务, shown on the public board
    phone = models.CharField(_("public phone"), max_length=32, blank=True)  # a work phone, published
    public = models.BooleanField(_("shown on the public board"), default=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["scope", "role", "id"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        indexes = [models.Index(fields=["role", "scope"])]
        constraints = [models.UniqueConstraint(fields=["user", "role", "scope"], name="one_post_per_role_and_scope")]

    def __str__(self) -> str:
        return f"{self.user} {self.role}@{self.scope}"


class ApiToken(models.Model):
    """A bearer token for the API; only its SHA-256 is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"))
    label = models.CharField(_("label"), max_length=100, blank=True)  # e.g. the client it was issued to
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"token {self.pk} of user {self.user_id}" + (f" ({self.label})" if self.label else "")
