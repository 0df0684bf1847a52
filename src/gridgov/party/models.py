"""The party layer of the grids (党建引领网格治理): a party group per grid (网格党小组), its members (党员), the
households each liaison member keeps in touch with (联户), members employed elsewhere registering in their
home community (在职党员报到), and a grid's calls for help that registered members answer (网格吹哨、党员报到),
with the hours each answer counted.

A member's phone is personal data as a resident's is: encrypted, with its keyed digest and masked form
(registry.personal), the masked form all that lists, pages and the API show. `grid` on a call and a group is
the grid row in force when it was made, as visits keep theirs.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gridgov.cases.models import Case
from gridgov.core.crypto import EncryptedTextField
from gridgov.grids.models import Grid
from gridgov.registry.models import Household


class MemberKind(models.TextChoices):
    LIAISON = "liaison", _("household-liaison member")  # 联户党员
    IN_SERVICE = "in_service", _("in-service member")  # 在职党员 (报到 in their home community)
    COMMUNITY = "community", _("community member")  # 社区党员


class PartyGroup(models.Model):
    """网格党小组: one per grid (a 三级网格 or a community)."""

    grid = models.OneToOneField(Grid, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(pgettext_lazy("party", "name"), max_length=100)
    leader = models.ForeignKey(
        "PartyMember",
        verbose_name=_("group leader"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_on = models.DateField(_("created on"))

    class Meta:
        ordering = ["grid__code"]
        verbose_name = _("party group")
        verbose_name_plural = _("party groups")

    def __str__(self) -> str:
        return self.name


class PartyMember(models.Model):
    """党员: in the grid where they live (home grid); `user` when they have an account to sign in with."""

    name = models.CharField(pgettext_lazy("party", "name"), max_length=50)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="party_member",
    )
    grid = models.ForeignKey(Grid, verbose_name=_("home grid"), on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey(
        PartyGroup,
        verbose_name=_("party group"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=MemberKind.choices, default=MemberKind.COMMUNITY)
    employer = models.CharField(_("employer"), max_length=100, blank=True)  # 工作单位 of an in-service member
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_digest = models.CharField(_("phone digest"), max_length=64, blank=True, db_index=True)
    phone_masked = models.CharField(_("phone (masked)"), max_length=20, blank=True)
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["grid__code", "name", "id"]
        verbose_name = _("party member")
        verbose_name_plural = _("party members")

    def __str__(self) -> str:
        return self.name


class LiaisonLink(models.Model):
    """联户: a member keeps in touch with a household from `start_date`; `end_date` set when it ends.
    A household has at most one liaison at a time (the constraint; services.link_households says why)."""

    member = models.ForeignKey(
        PartyMember, verbose_name=_("party member"), on_delete=models.PROTECT, related_name="links"
    )
    household = models.ForeignKey(
        Household, verbose_name=pgettext_lazy("registry", "household"), on_delete=models.PROTECT, related_name="+"
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)

    class Meta:
        ordering = ["member", "household"]
        verbose_name = _("household liaison")
        verbose_name_plural = _("household liaisons")
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=Q(end_date__isnull=True), name="party_one_liaison_per_household"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id} ↔ {self.household_id}"


class Registration(models.Model):
    """在职党员报到: a member employed elsewhere registers in their home community; it stands unless ended,
    the community's grid leader may confirm it."""

    member = models.ForeignKey(
        PartyMember, verbose_name=_("party member"), on_delete=models.PROTECT, related_name="registrations"
    )
    community = models.ForeignKey(Grid, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(_("registered at"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        ordering = ["-registered_at", "-id"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(ended_at__isnull=True), name="party_one_active_registration"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id}@{self.community_id}"


class CallStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("party call", "open")
    CLOSED = "closed", pgettext_lazy("party call", "closed")


class WhistleCall(models.Model):
    """网格吹哨: a grid calls for help with a task; members answer (报到)."""

    grid = models.ForeignKey(Grid, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=100)
    task = models.TextField(_("task"), blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    people_needed = models.PositiveSmallIntegerField(_("people needed"))
    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=8, choices=CallStatus.choices, default=CallStatus.OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("whistle call")
        verbose_name_plural = _("whistle calls")
        indexes = [models.Index(fields=["status", "starts_at"], name="party_call_status_starts")]

    def __str__(self) -> str:
        return self.title


class WhistleAnswer(models.Model):
    """报到: a member answers a call, once; the hours are recorded after the task by the caller's grid leader."""

    call = models.ForeignKey(
        WhistleCall, verbose_name=_("whistle call"), on_delete=models.PROTECT, related_name="answers"
    )
    member = models.ForeignKey(
        PartyMember, verbose_name=_("party member"), on_delete=models.PROTECT, related_name="answers"
    )
    answered_at = models.DateTimeField(_("answered at"))
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1, null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        ordering = ["call", "answered_at", "id"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["call", "member"], name="party_one_answer_per_member"),
            models.CheckConstraint(
                condition=Q(hours__isnull=True) | (Q(hours__gt=0) & Q(hours__lte=24)), name="party_hours_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.call_id}/{self.member_id}"
