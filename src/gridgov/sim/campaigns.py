"""The demo city's campaigns and covert inspections (演示专项排查与暗访), through the real services.

- one 人居环境整治 campaign pushed from the district three weeks before `now`, due a week before it (so the
  grids left behind show as overdue), six checklist items; 柳湖街道 (sim/residents.FULL_STREET) has about
  70 % of its results in, a few grids elsewhere some; a few problems become cases, half solved on the spot;
- 15–30 covert inspection findings (暗访) spread over the district's streets, each opening a case; some of
  those cases are walked to closed (registered, dispatched to the grid, resolved, verified, closed), so
  the street ranking has a share rectified to show.

Deterministic for a seed and `now`; nothing is written after `now`.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta

from django.utils import timezone

from gridgov.campaigns import covert, services
from gridgov.campaigns.models import CampaignTarget
from gridgov.cases.services import perform
from gridgov.cases.uploads import store_upload
from gridgov.core.errors import GridgovError
from gridgov.grids.models import Grid
from gridgov.sim.cast import Cast
from gridgov.sim.city import DISTRICT_CODE
from gridgov.sim.photos import demo_photo
from gridgov.sim.residents import FULL_STREET

ITEMS: list[dict] = [
    {"text": "生活垃圾日产日清，无积存垃圾"},
    {"text": "房前屋后、楼道无乱堆乱放", "needs_note": False},
    {"text": "无乱贴乱画、小广告"},
    {"text": "沟渠、下水道通畅无异味"},
    {"text": "公共区域绿化带无杂物", "needs_photo": True},
    {"text": "车辆有序停放，无占道经营", "needs_note": True},
]
PROBLEMS = ["垃圾堆积未清运", "楼道堆放杂物", "墙面小广告", "下水道堵塞", "绿化带内有建筑垃圾", "占道经营"]
CATEGORIES = ["垃圾乱堆", "占道经营", "乱贴乱画", "私搭乱建", "消防通道堵塞", "污水外溢"]
FULL_SHARE = 0.7  # of 柳湖街道's result slots
ELSEWHERE_GRIDS = 0.05  # share of the other streets' grids that have started
PROBLEM_RATE = 0.08


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _moment(rng: random.Random, start: datetime, end: datetime) -> datetime:
    return start + timedelta(seconds=rng.uniform(0, (end - start).total_seconds()))


def build_demo_campaigns(*, seed: int = 0, now: datetime | None = None) -> dict:
    """Build the demo campaign and covert findings; returns counts."""
    rng = random.Random(seed + 7000)
    now = now or timezone.now()
    started = now - timedelta(days=21)
    cast = Cast()
    leader = cast.actor("leader")
    counts = {"campaigns": 0, "targets": 0, "results": 0, "problems": 0, "findings": 0, "rectified": 0, "refused": 0}
    campaign = services.create_campaign(
        actor=leader,
        client_id=_uuid(rng),
        title="人居环境集中整治专项排查",
        kind="living_environment",
        grid=Grid.objects.get(code=DISTRICT_CODE),
        start_date=timezone.localdate(started),
        due_date=timezone.localdate(started) + timedelta(days=14),
        items=ITEMS,
    ).obj
    services.start_campaign(actor=leader, campaign=campaign, at=started)
    counts["campaigns"] = 1
    targets = list(
        CampaignTarget.objects.filter(campaign=campaign).select_related("grid", "campaign").order_by("grid__code")
    )
    counts["targets"] = len(targets)
    items = list(campaign.items.all())
    photo = None
    for target in targets:
        code = target.grid.code
        share = FULL_SHARE if code.startswith(FULL_STREET) else (0.5 if rng.random() < ELSEWHERE_GRIDS else 0)
        name = cast.scoped("grid_worker", code)
        if not share or name is None:
            continue
        worker = cast.actor(name)
        for item in items:
            if rng.random() >= share:
                continue
            problem = None
            if rng.random() < PROBLEM_RATE:
                problem = {"title": PROBLEMS[item.position - 1]}
                if rng.random() < 0.5:
                    problem["resolved"] = {"result": "已现场整改"}
            if item.needs_photo and photo is None:
                photo = store_upload(data=demo_photo(), uploaded_by=worker.user).id
            try:
                services.record_result(
                    actor=worker,
                    client_id=_uuid(rng),
                    target=target,
                    item=item,
                    outcome="problem" if problem else "ok",
                    note="已逐户查看" if item.needs_note else "",
                    photos=[photo] if item.needs_photo and photo else [],
                    problem=problem,
                    at=_moment(rng, started, now - timedelta(hours=1)),
                )
            except GridgovError:
                counts["refused"] += 1
                continue
            counts["results"] += 1
            counts["problems"] += problem is not None
    streets = list(Grid.objects.filter(level=1, valid_to__isnull=True, code__startswith=DISTRICT_CODE).order_by("code"))
    inspector = cast.actor("supervisor")
    for _ in range(rng.randint(15, 30)):
        street = rng.choice(streets)
        grids = [t.grid for t in targets if t.grid.code.startswith(street.code)]
        if not grids:
            continue
        lon, lat = services.grid_point(rng.choice(grids).code)
        found_at = _moment(rng, started, now - timedelta(days=2))
        try:
            finding = covert.record_finding(
                actor=inspector,
                client_id=_uuid(rng),
                category=rng.choice(CATEGORIES),
                title="暗访发现：" + rng.choice(PROBLEMS),
                lon=lon,
                lat=lat,
                found_at=found_at,
                campaign=campaign,
            ).obj
        except GridgovError:
            counts["refused"] += 1
            continue
        counts["findings"] += 1
        if rng.random() < 0.5 and _rectify(cast, finding.case, found_at):
            counts["rectified"] += 1
    return counts


def _rectify(cast: Cast, case, at: datetime) -> bool:
    """Walk a finding's case to closed: registered, dispatched to its grid, accepted, resolved, verified, closed."""
    grid = case.grid.code
    platform = cast.dispatcher(case.platform)
    handler = cast.unit_handler(grid)
    if platform is None or handler is None:
        return False
    checker = cast.checker(grid, cast.actor(handler).user)
    if checker is None:
        return False
    steps = [
        ("register", platform, {"complexity": "general"}),
        ("dispatch", platform, {"unit": grid}),
        ("accept", handler, {}),
        ("resolve", handler, {"result": "已按暗访通报整改到位"}),
        ("verify", checker, {"passed": True}),
        ("close", platform, {"reply": "暗访发现的问题已整改到位，感谢监督。"}),
    ]
    try:
        for n, (action, who, body) in enumerate(steps, 1):
            perform(action, actor=cast.actor(who), number=case.number, at=at + timedelta(hours=2 * n), **body)
    except GridgovError:
        return False
    return True
