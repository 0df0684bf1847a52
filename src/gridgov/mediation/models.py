"""Dispute mediation, 三类三级一庭: disputes sorted into three classes, mediated by the team of the matching
level (grid, community, street), and a circuit court (巡回法庭) for what mediation cannot settle.

A dispute runs on a 30-calendar-day clock (`due_at`), extended once by 30 days with the consent of both
parties (rules.py). Parties' names and phones are personal data: encrypted at rest, with keyed digests and
the masked forms every list and page shows, as the registry keeps residents'.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gridgov.cases.models import Case
from gridgov.core.crypto import EncryptedTextField
from gridgov.grids.models import Grid
from gridgov.patrols.models import PatrolFinding
from gridgov.people.models import Unit
from gridgov.visits.models import Visit


class Level(models.TextChoices):
    """By the length of a grid code: street 9, community 12, grid 15 (the district, 6, is the last resort)."""

    GRID = "grid", _("grid")
    COMMUNITY = "community", _("community")
    STREET = "street", _("street")
    DISTRICT = "district", _("district")


class TeamKind(models.TextChoices):
    GRID_MEDIATORS = "grid", _("grid mediators")  # 网格调解员
    JOINT = "joint", _("joint mediation team")  # 四方联调: police, judge, prosecutor, lawyer + grid leader
    PROFESSIONAL = "professional", _("professional mediation committee")  # 专业调解委员会


class Domain(models.TextChoices):
    WAGES = "wages", _("unpaid wages")  # 欠薪
    MEDICAL = "medical", pgettext_lazy("mediation", "medical")  # 医疗
    PROPERTY = "property", _("property management")  # 物业
    TRAFFIC = "traffic", _("traffic accident")  # 交通事故


class MemberRole(models.TextChoices):
    MEDIATOR = "mediator", _("mediator")
    POLICE = "police", _("police officer")  # 民警
    JUDGE = "judge", _("judge")  # 法官
    PROSECUTOR = "prosecutor", _("prosecutor")  # 检察官
    LAWYER = "lawyer", _("lawyer")  # 律师
    GRID_LEADER = "grid_leader", _("grid leader")  # 网格长
    EXPERT = "expert", _("expert")  # 专业调解员


class MediationTeam(models.Model):
    """A mediation team (调解组织) over a grid subtree; its level follows from the code's length."""

    name = models.CharField(pgettext_lazy("mediation", "name"), max_length=100)
    code = models.CharField(_("grid code"), max_length=18, db_index=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    kind = models.CharField(_("kind"), max_length=12, choices=TeamKind.choices)
    domain = models.CharField(_("domain"), max_length=10, choices=Domain.choices, blank=True)
    short_name = models.CharField(_("short name on agreements"), max_length=10)  # 中原调〔2026〕第015号
    active = models.BooleanField(pgettext_lazy("mediation", "active"), default=True)

    class Meta:
        ordering = ["code", "kind", "domain"]
        verbose_name = _("mediation team")
        verbose_name_plural = _("mediation teams")
        constraints = [models.UniqueConstraint(fields=["code", "kind", "domain"], name="one_team_per_kind_here")]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    team = models.ForeignKey(MediationTeam, verbose_name=_("team"), on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="mediation_teams"
    )
    role = models.CharField(_("role in the team"), max_length=12, choices=MemberRole.choices)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="one_membership_per_team")]

    def __str__(self) -> str:
        return f"{self.user} {self.role}"


class DisputeClass(models.IntegerChoices):
    EVERYDAY = 1, _("class 1: neighbour and everyday disputes")  # 一类: 邻里、家庭等一般纠纷
    COMPLEX = 2, _("class 2: complex disputes and petition cases")  # 二类: 疑难复杂、信访
    PROFESSIONAL = 3, _("class 3: professional disputes")  # 三类: 欠薪、医疗、物业、交通


class Status(models.TextChoices):
    OPEN = "open", _("open")  # 受理
    MEDIATING = "mediating", _("mediating")  # 调解中
    AGREED = "agreed", _("agreed")  # 调解成功
    FAILED = "failed", _("failed")  # 调解不成
    REFERRED = "referred", _("referred")  # 移交
    COURT = "court_hearing", _("circuit-court hearing")  # 巡回法庭
    CLOSED = "closed", pgettext_lazy("mediation", "closed")  # 结案


class Source(models.TextChoices):
    WALK_IN = "walk_in", _("walk-in")  # 来访
    CASE = "case", _("case")
    PATROL = "patrol", _("patrol finding")  # 巡查发现
    VISIT = "visit", _("household visit")  # 入户走访


class Dispute(models.Model):
    """A dispute (矛盾纠纷) under mediation. Written only by services.py."""

    number = models.CharField(
        pgettext_lazy("mediation", "number"), max_length=16, unique=True
    )  # TJ + YYYYMMDD + 4 digits
    dispute_class = models.PositiveSmallIntegerField(_("class"), choices=DisputeClass.choices)
    domain = models.CharField(_("domain"), max_length=10, choices=Domain.choices, blank=True)
    title = models.CharField(pgettext_lazy("mediation", "title"), max_length=200)
    description = models.TextField(pgettext_lazy("mediation", "description"), blank=True)
    grid = models.ForeignKey(Grid, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, blank=True)
    team = models.ForeignKey(
        MediationTeam, verbose_name=_("team"), null=True, blank=True, on_delete=models.PROTECT, related_name="disputes"
    )
    # how it came to its team: [{"code", "kind", "team"}] per level tried (team None: none there, went up),
    # then {"referred_to": team id} per referral; shown in words by rules.routing_text
    routing = models.JSONField(_("routing"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=14, choices=Status.choices, default=Status.OPEN)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.WALK_IN)
    case = models.ForeignKey(
        Case, verbose_name=_("case"), null=True, blank=True, on_delete=models.PROTECT, related_name="disputes"
    )
    patrol_finding = models.ForeignKey(
        PatrolFinding,
        verbose_name=_("patrol finding"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), null=True, blank=True, on_delete=models.PROTECT, related_name="disputes"
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("mediation", "opened by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("mediator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_at = models.DateTimeField(pgettext_lazy("mediation", "received at"))
    due_at = models.DateTimeField(_("due at"))
    extended_at = models.DateTimeField(_("extended at"), null=True, blank=True)
    extension_reason = models.CharField(_("reason for the extension"), max_length=200, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    outcome = models.TextField(pgettext_lazy("mediation", "outcome"), blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        indexes = [models.Index(fields=["status", "due_at"], name="dispute_status_due")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("applicant")  # 申请人
    RESPONDENT = "respondent", _("respondent")  # 被申请人


class Party(models.Model):
    """A party to a dispute (当事人): name and phone encrypted, shown masked."""

    dispute = models.ForeignKey(Dispute, verbose_name=_("dispute"), on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(_("role"), max_length=10, choices=PartyRole.choices)
    name = EncryptedTextField(pgettext_lazy("mediation", "name"))
    name_masked = models.CharField(pgettext_lazy("mediation", "name (masked)"), max_length=50)
    phone = EncryptedTextField(pgettext_lazy("mediation", "phone"), blank=True)
    phone_digest = models.CharField(_("phone digest"), max_length=64, blank=True, db_index=True)
    phone_masked = models.CharField(pgettext_lazy("mediation", "phone (masked)"), max_length=20, blank=True)

    class Meta:
        ordering = ["dispute", "role", "id"]
        verbose_name = _("party")
        verbose_name_plural = _("parties")

    def __str__(self) -> str:
        return self.name_masked


class MediationSession(models.Model):
    """A mediation session (调解会): when, where, who came, what was said."""

    dispute = models.ForeignKey(Dispute, verbose_name=_("dispute"), on_delete=models.CASCADE, related_name="sessions")
    at = models.DateTimeField(pgettext_lazy("mediation", "held at"))
    place = models.CharField(_("place"), max_length=100)
    attendees = models.CharField(_("attendees"), max_length=300, blank=True)
    notes = models.TextField(pgettext_lazy("mediation", "notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["dispute", "at", "id"]
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.at:%Y-%m-%d}"


class Agreement(models.Model):
    """调解协议书: numbered per team and year (中原调〔2026〕第015号)."""

    dispute = models.OneToOneField(
        Dispute, verbose_name=_("dispute"), on_delete=models.PROTECT, related_name="agreement"
    )
    team = models.ForeignKey(MediationTeam, verbose_name=_("team"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(pgettext_lazy("mediation", "year"))
    seq = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(pgettext_lazy("mediation", "number"), max_length=40, unique=True)
    terms = models.TextField(_("terms"))
    signed_on = models.DateField(_("signed on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("mediation agreement")
        verbose_name_plural = _("mediation agreements")
        constraints = [models.UniqueConstraint(fields=["team", "year", "seq"], name="agreement_seq_per_team_year")]

    def __str__(self) -> str:
        return self.number


class Counter(models.Model):
    """Sequences: dispute numbers per day ("D20261207") and agreement numbers per team and year ("A7-2026")."""

    key = models.CharField(_("key"), max_length=24, primary_key=True)
    last = models.PositiveIntegerField(pgettext_lazy("mediation", "last number"), default=0)

    class Meta:
        verbose_name = _("mediation counter")
        verbose_name_plural = _("mediation counters")

    def __str__(self) -> str:
        return f"{self.key}: {self.last}"


class Referral(models.Model):
    """移交: to another team (another level) or to a department (`unit`), with the reason."""

    dispute = models.ForeignKey(Dispute, verbose_name=_("dispute"), on_delete=models.CASCADE, related_name="referrals")
    from_team = models.ForeignKey(
        MediationTeam, verbose_name=_("from team"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    to_team = models.ForeignKey(
        MediationTeam, verbose_name=_("to team"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_unit = models.ForeignKey(
        Unit, verbose_name=_("to department"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(pgettext_lazy("mediation", "reason"), max_length=300)
    at = models.DateTimeField(_("referred at"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["dispute", "at", "id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")

    def __str__(self) -> str:
        return f"{self.dispute_id} → {self.to_team_id or self.to_unit_id}"


class CourtHearing(models.Model):
    """巡回法庭: a circuit-court hearing of the dispute, its date and place."""

    dispute = models.ForeignKey(Dispute, verbose_name=_("dispute"), on_delete=models.CASCADE, related_name="hearings")
    at = models.DateTimeField(_("hearing at"))
    place = models.CharField(_("place"), max_length=100)
    court = models.CharField(_("court"), max_length=100)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("scheduled by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["dispute", "at", "id"]
        verbose_name = _("circuit-court hearing")
        verbose_name_plural = _("circuit-court hearings")

    def __str__(self) -> str:
        return f"{self.dispute_id} {self.court} {self.at:%Y-%m-%d}"
