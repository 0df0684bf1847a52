"""The demo city's staff (演示人员): one account and post per grid, platform and unit, every role present.

The passwords go into sim.DemoAccount, a table that exists only where the demo apps are installed."""

from __future__ import annotations

import secrets

import numpy as np
from django.contrib.auth import get_user_model
from django.db import transaction

from gridgov.core.errors import BadInput
from gridgov.grids.models import Grid
from gridgov.people.models import Post, Unit
from gridgov.people.services import check_password_policy, create_user
from gridgov.sim.models import DemoAccount
from gridgov.sim.residents import FULL_STREET

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰海燕文俊晓东雪梅春花国强卫东"


def _name(rng: np.random.Generator) -> str:
    given = "".join(GIVEN[i] for i in rng.integers(0, len(GIVEN), size=int(rng.integers(1, 3))))
    return SURNAMES[int(rng.integers(0, len(SURNAMES)))] + given


def _phone(rng: np.random.Generator) -> str:
    return "1" + str(int(rng.choice([38, 39, 50, 51, 86, 87]))) + "0371" + f"{int(rng.integers(0, 10000)):04d}"


def _password(username: str, full_name: str) -> str:
    """A random password that follows the policy: now and then a random string shares enough letters with
    the username for the similarity check to refuse it, so draw again then."""
    user = get_user_model()(username=username, first_name=full_name)
    while True:
        password = secrets.token_urlsafe(12)
        try:
            check_password_policy(password, user)
        except BadInput:
            continue
        return password


@transaction.atomic
def build_demo_staff(*, district: str, seed: int = 0) -> int:
    """Accounts and posts for every grid, platform and unit of the district; returns the number of posts."""
    rng = np.random.default_rng(seed + 1000)
    grids = list(
        Grid.objects.filter(code__startswith=district, valid_to__isnull=True)
        .order_by("code")
        .values_list("code", "name", "level")
    )
    plan: list[tuple] = [  # username, role, scope, title[, kind[, full_time]]
        ("admin", "admin", district, "系统管理员"),
        ("leader", "leader", district, "区委常委、政法委书记"),
        ("supervisor", "supervisor", district, "区网格化督导员", "supervisor"),
        ("dispatcher", "dispatcher", district, "区综治中心受理员"),
        ("auditor", "auditor", district, "区数据安全审计员"),
        # deputies at city and district level, placed in the district's grid (人大代表/政协委员 进网格)
        ("deputy-city", "deputy", district, "市人大代表", "npc_deputy"),
        ("cppcc-city", "deputy", district, "市政协委员", "cppcc_member"),
        ("deputy-district", "deputy", district, "区人大代表", "npc_deputy"),
        ("cppcc-district", "deputy", district, "区政协委员", "cppcc_member"),
    ]
    for code, name, level in grids:
        if level == 1:
            plan.append((f"dispatcher-{code}", "dispatcher", code, f"{name}综治中心受理员"))
            # 一级网格长: signs for what the catalogue sends to the street itself (台账 classes)
            plan.append((f"leader-{code}", "grid_leader", code, f"{name}一级网格长", "street_leader"))
            plan.append((f"mediator-{code}", "mediator", code, f"{name}人民调解员", "mediator"))
            plan.append((f"deputy-{code}", "deputy", code, "区人大代表", "npc_deputy"))
            plan.append((f"cppcc-{code}", "deputy", code, "区政协委员", "cppcc_member"))
            plan.append((f"supervisor-{code}", "supervisor", code, f"{name}督导员", "supervisor"))
            plan.append((f"instructor-{code}", "supervisor", code, f"{name}网格指导员", "instructor"))
        elif level == 2:
            plan.append((f"leader-{code}", "grid_leader", code, f"{name}二级网格长", "community_leader"))
        elif level == 3:
            plan.append((f"worker-{code}", "grid_worker", code, "专职网格员", "grid_worker", True))
            if code.startswith(FULL_STREET):  # the fully staffed street: 三级网格长 and a 兼职网格员 per grid
                plan.append((f"gridleader-{code}", "grid_leader", code, "三级网格长", "grid_leader"))
                plan.append((f"aide-{code}", "grid_worker", code, "兼职网格员", "grid_worker", False))
    for unit in Unit.objects.filter(district=district, active=True).order_by("code"):
        plan.append((f"handler-{unit.code}", "department_handler", unit.code, f"{unit.name}承办人"))

    posts = []
    accounts = []
    for username, role, scope, title, *rest in plan:
        kind, full_time = (rest[0] if rest else ""), (rest[1] if len(rest) > 1 else None)
        full_name = _name(rng)
        password = _password(username, full_name)
        user = create_user(username=username, password=password, full_name=full_name, fast_hash=True)
        if role == "admin":
            user.is_staff = user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
        posts.append(
            Post(
                user=user,
                role=role,
                scope=scope,
                title=title,
                phone=_phone(rng),
                public=role not in {"admin"},
                kind=kind,
                full_time=full_time,
            )
        )
        accounts.append(DemoAccount(username=username, password=password, role=role, scope=scope))
    Post.objects.bulk_create(posts)
    DemoAccount.objects.bulk_create(accounts)
    return len(posts)
