"""A report's arrival in the simulation (受理): what it says, where and from whom by channel, a
duplicate of an open case now and then, and the call of cases.services.report_case; the case's first
step is planned from there.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import shapely

from gridgov.cases import services
from gridgov.cases.models import Status
from gridgov.people.actors import Actor
from gridgov.sim.parameters import (
    ANSWERED,
    BUILDING,
    DUPLICATE,
    GIVEN,
    ON_SPOT,
    PLACES,
    RESULTS,
    SURNAMES,
    Finding,
)

if TYPE_CHECKING:
    from gridgov.sim.history import CitySimulation, Place, SimCase


def _point(sim: CitySimulation, place: Place) -> tuple[float, float]:
    x0, y0, x1, y1 = place.bounds
    for _ in range(200):
        x, y = round(sim.rng.uniform(x0, x1), 6), round(sim.rng.uniform(y0, y1), 6)
        if shapely.contains_xy(place.geometry, x, y) and sim.locator.locate(x, y) == place.code:
            return x, y
    point = shapely.point_on_surface(place.geometry)
    return point.x, point.y


def _where(sim: CitySimulation, place: Place, template: str | None = None) -> str:
    template = template or sim.rng.choice(PLACES)
    return template.format(c=place.community or place.name, n=sim.rng.randint(1, 60), u=sim.rng.randint(1, 6))


def _finding(sim: CitySimulation, flag: str) -> Finding:
    pool = [f for f in sim.findings if flag in f.channels]
    return sim.rng.choices(pool, weights=[f.weight for f in pool])[0]


def _texts(sim: CitySimulation, sc: SimCase) -> dict:
    """Title, description, category and reporter of a new report, by channel."""
    place, channel, rng = sc.grid, sc.channel, sim.rng
    public = channel in ("resident", "wechat", "open311")
    if channel == "hotline" or (public and rng.random() < 0.5):
        message, code = rng.choice(sim.messages)
        sc.title, sc.category, sc.label = message.title, code, message.path[0]
        sc.consultation = sc.title.startswith(("咨询", "请问")) or "？" in sc.title[-2:]
        sc.result = rng.choice(ANSWERED if sc.consultation else RESULTS.get(message.path[0], RESULTS["城乡建设"]))
        sc.body = message.description or message.title
        description = f"市民来电反映：{sc.body}" if channel == "hotline" else sc.body
        given = code if channel == "open311" else None
    else:
        flag = {"patrol": "p", "deputy": "d", "supervisor": "s", "sensor": "i"}.get(channel, "r")
        f = _finding(sim, flag)
        sc.title, sc.category, sc.result = f.title, f.code, f.result
        sc.body = description = f.description.format(place=_where(sim, place), building=_where(sim, place, BUILDING))
        prefix = {
            "patrol": "巡查发现：",
            "sensor": "物联感知设备告警：",
            "deputy": "人大代表接待群众时了解到：",
            "supervisor": "督导员巡查发现：",
        }.get(channel, "")
        description = prefix + description + ("，希望尽快处理。" if public else "")
        given = (
            f.code if channel in ("patrol", "deputy", "supervisor", "sensor", "open311") or rng.random() < 0.3 else None
        )
        sc.on_spot_ok = f.on_spot
    name = phone = ""
    if channel in ("hotline", "resident", "wechat", "open311") and rng.random() < 0.85:
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
        phone = f"1{rng.choice(['38', '39', '50', '58', '86', '87'])}{rng.randint(0, 99_999_999):08d}"
    return {
        "title": sc.title,
        "description": description,
        "category": given,
        "reporter_name": name,
        "reporter_phone": phone,
    }


def _named(username: str | None) -> str:
    """The account the demo city holds for a step (LookupError when it has none: a broken demo city)."""
    if username is None:
        raise LookupError("the demo city has no account for this step")
    return username


def _reporter(sim: CitySimulation, sc: SimCase) -> Actor:
    street = sc.grid.code[:9]
    if sc.channel == "patrol":
        return sim.cast.actor(_named(sim.cast.scoped("grid_worker", sc.grid.code)))
    if sc.channel == "hotline":
        return sim.cast.actor(_named(sim.cast.holder("dispatcher", sc.grid.code[:6])))
    if sc.channel == "deputy":
        return sim.cast.actor(_named(sim.cast.scoped("deputy", street)))
    if sc.channel == "supervisor":
        local = sim.cast.scoped("supervisor", street)
        return sim.cast.actor(
            _named(local if local and sim.rng.random() < 0.7 else sim.cast.holder("supervisor", street[:6]))
        )
    if sc.channel == "sensor":
        return sim.iot
    return Actor.anonymous("open311" if sc.channel == "open311" else "resident")


def arrive(sim: CitySimulation, t: datetime, sc: SimCase) -> None:
    """Report the arriving case through the services (or merge it into an open one later) and plan its next step."""
    open_nearby = [
        c
        for c in sim.cases[max(0, sc.idx - 150) : sc.idx]
        if c.case is not None
        and c.status in (Status.REGISTERED, Status.DISPATCHED, Status.IN_PROGRESS)
        and c.channel != "patrol"
    ]
    if sc.channel in ("hotline", "resident", "wechat") and open_nearby and sim.rng.random() < DUPLICATE:
        master = sim.rng.choice(open_nearby)
        sc.duplicate_of, sc.grid = master, master.grid
        sc.title, sc.category, sc.label, sc.result = master.title, master.category, master.label, master.result
        sc.body = master.body
        lead_in = "市民来电反映：" if sc.channel == "hotline" else ""
        fields: dict[str, Any] = {
            "title": master.title,
            "description": f"{lead_in}{master.body}",
            "category": None,
            "reporter_name": "",
            "reporter_phone": "",
        }
    else:
        fields = _texts(sim, sc)
    template = sim.address_rng.choice(PLACES)
    fields["address"] = template.format(
        c=sc.grid.community or sc.grid.name, n=sim.address_rng.randint(1, 60), u=sim.address_rng.randint(1, 6)
    )
    lon, lat = _point(sim, sc.grid)
    actor = _reporter(sim, sc)
    on_spot = sc.channel == "patrol" and sc.on_spot_ok and sim.rng.random() < ON_SPOT
    resolved = {"result": sc.result, "photos": []} if on_spot else None
    intake = sim.call(
        "report",
        lambda: services.report_case(
            actor=actor, lon=lon, lat=lat, channel=sc.channel, resolved=resolved, at=t, **fields
        ),
        sc,
    )
    if intake is None:
        return
    sc.case, sc.number, sc.tracking_code = intake.case, intake.case.number, intake.tracking_code
    sim.stats["reported"] += 1
    sim.stats[f"channel:{sc.channel}"] += 1
    if on_spot:
        sim.stats["on_spot"] += 1
        sc.resolver = actor.label
        sim.plan(sim.work(t, 0.5, 6), "verify", sc)
    elif sim.urgent(sc) or sc.channel == "sensor":
        sim.plan(sim.clock(t, 0.05, 0.3), "register", sc)
    else:
        sim.plan(sim.work(t, 0.1, 1.5), "register", sc)
