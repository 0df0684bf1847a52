"""Units and posts: who may act where (人员、岗位与单位)."""

from datetime import date
from typing import cast

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
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


class PostKind(models.TextChoices):
    """The post as the seeds name it (职务), distinct from the permission role it grants (KIND_ROLES)."""

    STREET_LEADER = "street_leader", _("level-1 grid leader")  # 一级网格长 (street)
    COMMUNITY_LEADER = "community_leader", _("level-2 grid leader")  # 二级网格长 (community)
    FIRST_SECRETARY = "first_secretary", _("first secretary")  # 第一书记 (community, village)
    GRID_LEADER = "grid_leader", _("level-3 grid leader")  # 三级网格长
    GRID_WORKER = "grid_worker", _("grid worker")  # 网格员 (专职 or 兼职: Post.full_time)
    INSTRUCTOR = "instructor", _("grid instructor")  # 网格指导员
    MICRO_WORKER = "micro_worker", _("micro grid worker")  # 微网格员 (a building or courtyard, level 4)
    PARTY_LIAISON = "party_liaison", _("household-liaison party member")  # 联户党员
    NPC_DEPUTY = "npc_deputy", _("people's congress deputy")  # 人大代表
    CPPCC_MEMBER = "cppcc_member", _("CPPCC member")  # 政协委员
    SUPERVISOR = "supervisor", _("supervisor")  # 督导员
    MEDIATOR = "mediator", _("mediator")  # 调解员


# kind → the permission role it grants. 网格指导员 guide and press (督办), they do not handle; 联户党员 pass on what
# their households bring, as deputies do (the deputy channel) — neither signs for nor handles cases.
# cast: without django-stubs mypy reads a TextChoices member as its (value, label) tuple; it is a str.
KIND_ROLES = cast(
    dict[str, str],
    {
        PostKind.STREET_LEADER: Role.GRID_LEADER,
        PostKind.COMMUNITY_LEADER: Role.GRID_LEADER,
        PostKind.FIRST_SECRETARY: Role.GRID_LEADER,
        PostKind.GRID_LEADER: Role.GRID_LEADER,
        PostKind.GRID_WORKER: Role.GRID_WORKER,
        PostKind.INSTRUCTOR: Role.SUPERVISOR,
        PostKind.MICRO_WORKER: Role.GRID_WORKER,
        PostKind.PARTY_LIAISON: Role.DEPUTY,
        PostKind.NPC_DEPUTY: Role.DEPUTY,
        PostKind.CPPCC_MEMBER: Role.DEPUTY,
        PostKind.SUPERVISOR: Role.SUPERVISOR,
        PostKind.MEDIATOR: Role.MEDIATOR,
    },
)
# kind → the grid level its scope must be (None: any grid). Codes: street 9, community 12, grid 15, micro 18.
KIND_LEVELS = cast(
    dict[str, int | None],
    {
        PostKind.STREET_LEADER: 1,
        PostKind.COMMUNITY_LEADER: 2,
        PostKind.FIRST_SECRETARY: 2,
        PostKind.GRID_LEADER: 3,
        PostKind.GRID_WORKER: 3,
        PostKind.INSTRUCTOR: None,
        PostKind.MICRO_WORKER: 4,
        PostKind.PARTY_LIAISON: None,
        PostKind.NPC_DEPUTY: None,
        PostKind.CPPCC_MEMBER: None,
        PostKind.SUPERVISOR: None,
        PostKind.MEDIATOR: None,
    },
)


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


def in_force(on: date | None = None) -> Q:
    """Posts that grant their role on a day (today by default): active, begun, and not ended before it.
    A post without dates (every post before they existed) is in force while it is active."""
    day = on or timezone.localdate()
    return in_force_during(day, day)


def in_force_during(first: date, last: date) -> Q:
    """Posts in force on at least one day from `first` to `last` (a month that is scored, say)."""
    return (
        Q(active=True)
        & (Q(start_date__isnull=True) | Q(start_date__lte=last))
        & (Q(end_date__isnull=True) | Q(end_date__gte=first))
    )


class Post(models.Model):
    """A person's post (岗位): one role over one scope (a grid subtree or a unit).

    A person may hold several posts, e.g. 网格长 of one grid and 调解员 of its community. `kind` is the post
    as the seeds name it (一级网格长, 专职网格员 …) and `role` the permission it grants (KIND_ROLES); a post
    grants nothing outside its dates (`in_force`): the end date is its last day.
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
    kind = models.CharField(_("post kind"), max_length=20, choices=PostKind.choices, blank=True)
    full_time = models.BooleanField(_("full-time"), null=True, blank=True)  # 专职 / 兼职; None: not stated
    workplace = models.CharField(_("unit"), max_length=100, blank=True)  # 单位 as the roster and board name it
    start_date = models.DateField(_("start date"), null=True, blank=True)  # 任职日期
    end_date = models.DateField(_("end date"), null=True, blank=True)  # the last day the post grants its role

    class Meta:
        ordering = ["scope", "role", "id"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        indexes = [models.Index(fields=["role", "scope"])]
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "scope"], name="one_post_per_role_and_scope"),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True) | Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="post_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.role}@{self.scope}"

    @property
    def kind_name(self) -> str:
        """职务 as the board shows it: 专职网格员 / 兼职网格员 for a grid worker with the flag, else the kind's name."""
        if not self.kind:
            return ""
        name = str(PostKind(self.kind).label)
        if self.full_time is not None and self.kind == PostKind.GRID_WORKER:
            return str(_("full-time %(kind)s") if self.full_time else _("part-time %(kind)s")) % {"kind": name}
        return name


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
