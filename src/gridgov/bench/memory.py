"""`gridgov bench memory`: the peak memory of a web process serving a city of 25,000 grids (内存峰值).

`--scale 1` is 25,000 leaf grids (docs/architecture.md §10: one city, 25 k grids): the synthetic city of
`bench/locate.py` (Voronoi cells tiling a 20 × 20 km box, under streets and communities that are their
unions), written into the scratch database (bench/scratch.py, never the user's) as the grid import leaves
them — Grid rows, their current GridBoundary (WKB, bounding box, area) and a new tree version.

Then a fresh Python process, set up as production sets up a web worker (gridgov.settings, GRIDGOV_DEBUG off),
serves requests through Django's full request handling (middleware, sessions, the API's routers), signed in
as the district's leader: `GET /api/v1/grids/locate` for 200 points (builds the process's grid locator over
every leaf), the map's GeoJSON of the streets and of a community's grids, the dashboard's `/api/v1/stats/map`
and `/api/v1/stats/overview` of the district, and the dashboard page. Each answer must be 200 and every
point inside the city must be located. The figure is that process's peak resident set (VmHWM from
/proc/self/status; getrusage's ru_maxrss, also printed, carries the parent's maximum across exec), beside
the same process's resident set before its first request.

The limit is a budget of 512 MiB per web worker: at gunicorn's lower advice of 2 × cores workers
(docs/deploy.md leaves `--workers N` to the operator), 1 GiB of memory per core for them (of a server's
common 2–4 GiB per core: the rest is for PostgreSQL, the Celery workers and the page cache) gives each
worker 512 MiB. `fits` says how many such workers this machine's memory would hold at the measured peak.
"""

from __future__ import annotations

import json
import os
import resource
import secrets
import subprocess
import sys
import time
from datetime import UTC, datetime

from gridgov.bench.registry import BenchmarkError, Progress, figure
from gridgov.bench.scratch import scratch_database, write_marker

GRIDS = 25_000
BUDGET_MIB = 512
POINTS = 200
DATA_VERSION = 1
SEED = 20261207
VALID_FROM = datetime(2026, 1, 1, tzinfo=UTC)
LEADER = "bench-leader"


def build_city(grids: int, progress: Progress) -> dict:
    """The synthetic city's grids into the (migrated, empty) default database; returns counts."""
    import shapely
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from gridgov.bench.locate import synthetic_city
    from gridgov.core import geo
    from gridgov.grids.models import Grid, GridBoundary
    from gridgov.grids.services import bump_tree_version, canonical_geometry
    from gridgov.people.models import Post

    progress(f"generating a city of {grids:,} grids")
    nodes, geoms = synthetic_city(grids, seed=SEED)
    progress(f"writing {len(nodes):,} grids and their boundaries")
    with transaction.atomic():
        ids: dict[str, int] = {}
        for level in range(4):
            rows = [
                Grid(
                    code=n.code,
                    name=n.name,
                    level=n.level,
                    parent_id=ids[n.parent] if n.parent else None,
                    households=300 if n.level == 3 else 0,
                    valid_from=VALID_FROM,
                )
                for n in nodes
                if n.level == level
            ]
            for grid in Grid.objects.bulk_create(rows, batch_size=2000):
                ids[grid.code] = grid.pk
        if not all(ids.values()):  # bulk_create sets pks on both engines; never a row without one
            raise BenchmarkError("grids were written without their ids")
        boundaries = []
        for code, geom in geoms.items():
            geom = canonical_geometry(geom)
            xmin, ymin, xmax, ymax = geom.bounds
            boundaries.append(
                GridBoundary(
                    grid_id=ids[code],
                    wkb=shapely.to_wkb(geom),
                    min_lon=xmin,
                    min_lat=ymin,
                    max_lon=xmax,
                    max_lat=ymax,
                    area_m2=geo.area_m2(geom),
                    valid_from=VALID_FROM,
                )
            )
        GridBoundary.objects.bulk_create(boundaries, batch_size=2000)
        bump_tree_version()
        district = next(n.code for n in nodes if n.level == 0)
        user = get_user_model().objects.create_user(username=LEADER, password=secrets.token_urlsafe(16))
        Post.objects.create(user=user, role="leader", scope=district, title="区长")
    return city_of_database()


def city_of_database() -> dict:
    """What the web process asks about: the district, a community, the box the points fall in, the counts."""
    from gridgov.grids.models import Grid, GridBoundary

    district = Grid.objects.get(level=0)
    box = GridBoundary.objects.get(grid=district, valid_to__isnull=True)
    return {
        "grids": Grid.objects.count(),
        "leaves": Grid.objects.filter(level=3).count(),
        "district": district.code,
        "community": Grid.objects.filter(level=2).order_by("code").values_list("code", flat=True)[0],
        "box": [box.min_lon, box.min_lat, box.max_lon, box.max_lat],
    }


def _database_url(scratch) -> str:
    s = scratch.settings
    if scratch.engine == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s.get("USER") or "postgres"
    if s.get("PASSWORD"):
        auth += f":{s['PASSWORD']}"
    return f"postgresql://{auth}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


def serve(city: dict, database_url: str, workdir) -> dict:
    """The fresh web process: its requests and its memory, as JSON on its standard output."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("GRIDGOV_")},
        "DJANGO_SETTINGS_MODULE": "gridgov.settings",
        "GRIDGOV_DATABASE_URL": database_url,
        "GRIDGOV_SECRET_KEY": secrets.token_urlsafe(48),
        "GRIDGOV_OUTBOX_DRAIN": "worker",
    }
    done = subprocess.run(
        [sys.executable, "-m", "gridgov.bench.memory", json.dumps(city)],
        env=env,
        cwd=str(workdir),
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if done.returncode != 0:
        raise BenchmarkError(f"the web process failed ({done.returncode}): {done.stderr[-2000:]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    children_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    report["rusage_children_mib"] = round(children_kib / 1024, 1)  # the largest child this process waited for
    return report


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise BenchmarkError(f"no {field} in /proc/self/status")


def _child(city: dict) -> dict:
    """In the fresh process: Django as a web worker has it, then the requests."""
    import django

    django.setup()
    import numpy as np
    from django.contrib.auth import get_user_model
    from django.test import Client

    before_kib = _status_kib("VmRSS")
    client = Client()
    client.force_login(get_user_model().objects.get(username=LEADER))
    xmin, ymin, xmax, ymax = city["box"]
    rng = np.random.default_rng(SEED)
    points = rng.uniform((xmin + 1e-4, ymin + 1e-4), (xmax - 1e-4, ymax - 1e-4), size=(POINTS, 2))
    answers: dict[str, int] = {}
    started = time.perf_counter()
    located = 0
    for lon, lat in points:
        response = client.get("/api/v1/grids/locate", {"lon": lon, "lat": lat}, secure=True)
        if response.status_code != 200:
            raise SystemExit(f"locate answered {response.status_code}: {response.content[:300]!r}")
        located += response.json()["chain"][-1]["level"] == 3
    answers["locate"] = POINTS
    reads = {
        "geojson_streets": ("/api/v1/grids/geojson", {"level": 1, "simplify_m": 5}),
        "geojson_community": ("/api/v1/grids/geojson", {"parent": city["community"]}),
        "stats_map": ("/api/v1/stats/map", {"region": city["district"]}),
        "stats_overview": ("/api/v1/stats/overview", {"region": city["district"]}),
        "dashboard_page": ("/dashboard/", {}),
    }
    sizes = {}
    for name, (path, params) in reads.items():
        response = client.get(path, params, secure=True)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}: {response.content[:300]!r}")
        sizes[name] = len(response.content)
    return {
        "rss_before_requests_mib": round(before_kib / 1024, 1),
        "rss_after_mib": round(_status_kib("VmRSS") / 1024, 1),
        "peak_rss_mib": round(_status_kib("VmHWM") / 1024, 1),
        "ru_maxrss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "requests": POINTS + len(reads),
        "located_in_leaves": located,
        "answer_bytes": sizes,
        "seconds": round(time.perf_counter() - started, 2),
    }


def run(scale: float = 1.0, progress: Progress = lambda m: None) -> dict:
    from django.db import connection

    grids = max(50, round(GRIDS * scale))
    spec = {"bench": "memory", "version": DATA_VERSION, "grids": grids}
    with scratch_database(spec, progress) as (scratch, reused):
        if not reused:
            build_city(grids, progress)
            write_marker(connection, {**spec, "complete": True})
        city = city_of_database()
        connection.close()
        progress(f"a fresh web process serving {POINTS + 5} requests over {city['leaves']:,} leaf grids")
        report = serve(city, _database_url(scratch), scratch.workdir)
        database = {"engine": scratch.engine, "where": scratch.label, "reused": reused}
    if report["located_in_leaves"] != POINTS:
        raise BenchmarkError(f"only {report['located_in_leaves']} of {POINTS} points inside the city were located")
    memory_kib = _machine_memory_kib()
    peak = report["peak_rss_mib"]
    return figure(
        value=peak,
        limit=float(BUDGET_MIB),
        unit="MiB",
        better="lower",
        size={"grids": city["grids"], "leaves": city["leaves"]},
        limit_is="a budget of 512 MiB per gunicorn worker (2 × cores workers in 1 GiB of memory per core)",
        process=report,
        machine={
            "cores": os.cpu_count(),
            "memory_mib": round(memory_kib / 1024),
            "workers_2x_cores": 2 * (os.cpu_count() or 1),
            "fits": int(memory_kib / 1024 // peak),
        },
        database=database,
    )


def _machine_memory_kib() -> int:
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1])
    raise BenchmarkError("no MemTotal in /proc/meminfo")


if __name__ == "__main__":  # the fresh web process (serve)
    print(json.dumps(_child(json.loads(sys.argv[1]))))
