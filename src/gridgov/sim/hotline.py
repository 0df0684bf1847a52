"""The demo's city 12345 platform (gridgov demo --with-12345): work orders for the simulated city platform
(exchange/hotline/city.py), in the city's own field names — real hotline texts (data/hotline_messages.csv)
at random points of the demo's 三级网格, given in GCJ-02 as a Chinese map would, and a few from outside the
district that the adapter must send back."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import numpy as np
import shapely
from django.utils import timezone

from gridgov.core.geo import wgs84_to_gcj02
from gridgov.exchange.hotline.city import CityPlatform
from gridgov.exchange.hotline.pull import reset_cursor
from gridgov.grids.models import Grid
from gridgov.grids.selectors import current_geometries
from gridgov.sim.parameters import messages

OUTSIDE = (113.7512, 34.6203)  # 郑州 金水区 (GCJ-02): not ours, returned with the reason


def city_orders(*, count: int, seed: int = 0, start: datetime | None = None, first: int = 1) -> list[dict]:
    """`count` orders numbered from `first`, one in ten outside the district."""
    rng = random.Random(seed)
    grids = {g.code: g for g in Grid.objects.filter(level=3, valid_to__isnull=True).select_related("parent__parent")}
    codes = sorted(grids)
    shapes = current_geometries(codes)
    start = start or timezone.localtime().replace(microsecond=0)
    texts = messages()
    orders = []
    for i in range(count):
        number = f"GD{start:%Y%m%d}{first + i:05d}"
        message = texts[rng.randrange(len(texts))]
        if i % 10 == 9:
            lon, lat = OUTSIDE
            address = "金水区花园路附近"
        else:
            code = codes[rng.randrange(len(codes))]
            point = shapely.point_on_surface(shapes[code])
            lon, lat = wgs84_to_gcj02(np.array([[point.x, point.y]]))[0]
            grid = grids[code]
            address = f"{grid.parent.parent.name}{grid.parent.name}{grid.name}附近"  # as the caller says it
        at = start - timedelta(minutes=5 * (count - i))
        orders.append(
            {
                "gdbh": number,
                "slsj": f"{at:%Y-%m-%d %H:%M:%S}",
                "lyqd": rng.choice(["电话", "网站", "微信", "APP"]),
                "ldrxm": rng.choice(["王女士", "李先生", "张女士", "刘先生"]),
                "lxdh": f"13{rng.randrange(10**9):09d}",
                "sfdz": address,
                "jd": f"{lon:.6f}",
                "wd": f"{lat:.6f}",
                "zbx": "GCJ02",
                "bt": message.title[:200],
                "sqnr": message.description,
                "blsx": f"{at + timedelta(days=5):%Y-%m-%d %H:%M:%S}",
            }
        )
    return orders


def start_city(*, token: str, port: int = 0, orders: int = 20, seed: int = 0) -> CityPlatform:
    """The simulated platform, serving, holding `orders` orders (and one of them sent twice)."""
    city = CityPlatform(token=token, port=port).start()
    batch = city_orders(count=orders, seed=seed)
    for order in batch:
        city.add_order(order)
    if batch:
        city.resend(batch[0]["gdbh"])  # the city sends an order again: the adapter must not take it twice
    return city


def spawn_city(*, port: int) -> None:
    """`gridgov demo --with-12345`: the simulated platform in a process of its own (the server replaces this
    one), and the adapter pointed at it through the environment the worker inherits."""
    import os
    import secrets
    import subprocess
    import sys

    from gridgov.core.management.commands.serve import die_with_parent

    reset_cursor()  # a fresh simulated platform hands its orders out from the first again
    token = secrets.token_urlsafe(16)
    os.environ["GRIDGOV_12345_URL"] = f"http://127.0.0.1:{port}"
    os.environ["GRIDGOV_12345_TOKEN"] = token
    subprocess.Popen(
        [sys.executable, "-m", "gridgov.cli", "city12345", "--port", str(port), "--token", token],
        preexec_fn=die_with_parent,
    )


def round_trip(*, seed: int = 0, orders: int = 20) -> dict:
    """`gridgov demo --no-serve --with-12345`: pull the platform's orders, deliver the acceptances and returns,
    and say what each side saw."""
    import secrets

    from django.test import override_settings

    from gridgov.core.outbox import drain_outbox
    from gridgov.exchange.hotline.config import DESTINATION
    from gridgov.exchange.hotline.pull import pull_orders
    from gridgov.exchange.outbound import deliver_due

    reset_cursor()
    token = secrets.token_urlsafe(16)
    city = start_city(token=token, orders=orders, seed=seed)
    try:
        with override_settings(GRIDGOV_12345_URL=city.url, GRIDGOV_12345_TOKEN=token):
            pulled = pull_orders()
            drain_outbox()
            delivered = deliver_due(destination=DESTINATION)
        kinds = [m["kind"] for sent in city.messages.values() for m in sent]
        return {
            "orders_at_city": len(city.feed),
            "created": pulled.created,
            "duplicates": pulled.duplicates,
            "returned": pulled.returned,
            "delivered": delivered.delivered,
            "city_received": {k: kinds.count(k) for k in sorted(set(kinds))},
        }
    finally:
        city.stop()
