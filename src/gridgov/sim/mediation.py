"""The demo city's dispute mediation (演示三类三级一庭), through the services, in 柳湖街道 (sim/residents.FULL_STREET):

- a grid mediators' team (网格调解员) per 三级网格, its 三级网格长 the mediator;
- a 四方联调 team per community: its 二级网格长, and the street's mediator (`mediator-<street>`);
- professional committees at the street (欠薪, 医疗, 物业, 交通), the street's mediator their expert;
- 20–40 disputes over the month before `now`, in every class, taken in by the grids' workers and carried by the
  teams to every state: in mediation (some overdue), agreed (调解协议书), failed, referred, heard by the circuit
  court (巡回法庭), closed.

Deterministic for a seed and `now`; nothing is dated after `now` but the hearings the court has scheduled.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from gridgov.grids.models import Grid
from gridgov.mediation import services
from gridgov.mediation import teams as team_services
from gridgov.mediation.models import Dispute, Domain
from gridgov.people.actors import Actor
from gridgov.sim.residents import FULL_STREET

SYSTEM = Actor.system("demo mediation")
TITLES: dict[int, tuple[str, ...]] = {
    1: ("楼上漏水邻里纠纷", "噪音扰民纠纷", "宠物扰邻纠纷", "公共楼道堆物纠纷", "赡养老人家庭纠纷"),
    2: ("宅基地边界纠纷", "多户信访：小区停车位分配", "拆迁补偿信访", "合伙经营债务纠纷"),
}
DOMAIN_TITLES = {
    "wages": "工地农民工欠薪",
    "medical": "诊所治疗纠纷",
    "property": "物业费与维修纠纷",
    "traffic": "电动车剐蹭赔偿",
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂"
DOMAIN_NAMES = {"wages": "欠薪", "medical": "医疗", "property": "物业", "traffic": "交通"}
FATES = (
    "open",
    "mediating",
    "mediating",
    "agreed",
    "agreed",
    "agreed",
    "agreed",
    "failed",
    "referred",
    "court",
    "closed",
)


def _person(rng) -> str:
    return str(rng.choice(list(SURNAMES))) + "".join(
        str(c) for c in rng.choice(list(GIVEN), size=int(rng.integers(1, 3)))
    )


def _phone(rng) -> str:
    return "1" + str(rng.choice(["35", "38", "39", "58", "86"])) + f"{int(rng.integers(0, 10**8)):08d}"


def _actor(username: str) -> Actor | None:
    user = get_user_model().objects.filter(username=username).first()
    return Actor.of(user) if user else None


def build_demo_mediation(*, seed: int = 0, now: datetime | None = None) -> dict:
    """Teams and a month of disputes in 柳湖街道; what was made, by kind and status."""
    now = now or timezone.now()
    rng = np.random.default_rng(seed + 1305)
    street = FULL_STREET
    grids = list(
        Grid.objects.filter(code__startswith=street, level=3, valid_to__isnull=True)
        .order_by("code")
        .values_list("code", flat=True)
    )
    if not grids:
        return {"teams": 0, "disputes": 0}
    communities = sorted({g[:12] for g in grids})
    with transaction.atomic():
        teams = {}
        for code in grids:
            team = team_services.create_team(
                actor=SYSTEM, name=f"{code[-3:]}网格调解组", code=code, kind="grid", short_name=f"柳湖{code[-6:]}"
            )
            teams[code] = team
            if get_user_model().objects.filter(username=f"gridleader-{code}").exists():
                team_services.add_member(actor=SYSTEM, team=team, username=f"gridleader-{code}", role="mediator")
        for code in communities:
            team = team_services.create_team(
                actor=SYSTEM, name=f"{code[-3:]}社区四方联调", code=code, kind="joint", short_name=f"柳湖联{code[-3:]}"
            )
            for username, role in ((f"leader-{code}", "grid_leader"), (f"mediator-{street}", "mediator")):
                if get_user_model().objects.filter(username=username).exists():
                    team_services.add_member(actor=SYSTEM, team=team, username=username, role=role)
        for domain in Domain.values:
            team = team_services.create_team(
                actor=SYSTEM,
                name=f"柳湖街道{DOMAIN_NAMES[domain]}纠纷调委会",
                code=street,
                kind="professional",
                domain=domain,
                short_name=f"柳湖{DOMAIN_NAMES[domain]}",
            )
            if get_user_model().objects.filter(username=f"mediator-{street}").exists():
                team_services.add_member(actor=SYSTEM, team=team, username=f"mediator-{street}", role="expert")
        made = []
        for _ in range(int(rng.integers(20, 41))):
            grid = str(rng.choice(grids))
            dispute_class = int(rng.choice([1, 1, 1, 2, 3]))
            domain = str(rng.choice(Domain.values)) if dispute_class == 3 else ""
            title = DOMAIN_TITLES[domain] if dispute_class == 3 else str(rng.choice(TITLES[dispute_class]))
            received = now - timedelta(days=float(rng.uniform(1, 35)))  # the month, a few past 30 days: overdue
            worker = _actor(f"worker-{grid}") or SYSTEM
            d = services.open_dispute(
                actor=worker,
                dispute_class=dispute_class,
                domain=domain,
                title=title,
                grid_code=grid,
                at=received,
                parties=[
                    {"role": "applicant", "name": _person(rng), "phone": _phone(rng)},
                    {"role": "respondent", "name": _person(rng), "phone": _phone(rng)},
                ],
            )
            _carry(d, str(rng.choice(FATES)), received, now, rng)
            made.append(d.pk)
    statuses: dict[str, int] = {}
    for status in Dispute.objects.filter(pk__in=made).values_list("status", flat=True):
        statuses[status] = statuses.get(status, 0) + 1
    return {"teams": len(grids) + len(communities) + len(Domain.values), "disputes": len(made), "statuses": statuses}


def _carry(d: Dispute, fate: str, received: datetime, now: datetime, rng) -> None:
    """Take the dispute as far as its fate, with an actor of its team (the street's mediator otherwise)."""
    member = d.team.members.select_related("user").first() if d.team else None
    mediator = Actor.of(member.user) if member else _actor(f"mediator-{d.grid.code[:9]}")
    if mediator is None or fate == "open":
        return
    held = min(received + timedelta(days=float(rng.uniform(0.5, 5))), now)
    services.record_session(
        actor=mediator,
        number=d.number,
        at=held,
        place="社区调解室",
        attendees="双方当事人、调解员",
        notes="听取双方陈述，释法明理",
    )
    if fate == "mediating":
        if rng.random() < 0.3:
            services.extend(
                actor=mediator,
                number=d.number,
                applicant_consents=True,
                respondent_consents=True,
                reason="待第三方鉴定",
            )
    elif fate in ("agreed", "closed"):
        services.record_agreement(
            actor=mediator,
            number=d.number,
            terms="双方自愿达成如下协议：责任方于十日内赔偿并修复。",
            signed_on=timezone.localtime(held).date(),
        )
        if fate == "closed":
            services.close(actor=mediator, number=d.number, note="协议已履行")
    elif fate == "failed":
        services.fail(actor=mediator, number=d.number, reason="双方分歧较大，告知可诉讼")
    elif fate == "court":
        services.fail(actor=mediator, number=d.number, reason="调解不成，引导诉讼")
        services.schedule_hearing(
            actor=mediator,
            number=d.number,
            at=now + timedelta(days=7),
            place="社区巡回审判点",
            court="中原区人民法院巡回法庭",
        )
    elif fate == "referred":
        services.refer(actor=mediator, number=d.number, reason="涉及行政执法，移交主管部门", to_unit=_unit())


def _unit() -> str | None:
    from gridgov.people.models import Unit

    return Unit.objects.filter(active=True, kind="department").order_by("code").values_list("code", flat=True).first()
