"""The demo city's synthetic registry (演示实有人口, 全部为虚构数据): addresses, households and residents.

Nothing here is a real person. Names are drawn from a small generated pool (surname + one or two given
characters); ID numbers pass the GB 11643-1999 check digit but carry the area code 990102, which no
administrative division uses (the first digit 9 is not assigned), so no real person holds one; phones are
19x0000nnnn, a block marked as fake by its run of zeros.

Organisations (实有单位): ORGS_PER_GRID in each grid of FULL_STREET, through the registry's service.

Scale: the full household count (Grid.households, 300–500 per 三级网格) for ONE street, FULL_STREET
(柳湖街道, one the other tests leave alone: every one of its 25 grids, ≈9,600 households), and
SAMPLE_PER_GRID households in every other 三级网格: ≈16,000 households and ≈41,000 people in all, about
15 s of the demo's build. The whole district (≈330,000 households, ≈850,000 people) would take some
six minutes even on this bulk path (measured ≈22,000 households in ≈23 s on a loaded 2-core machine),
beyond the demo's three-minute budget.

The bulk path writes the rows with bulk_create, but every resident's personal fields go through the
registry's own `set_personal` (the same encryption, digests and masks as record_resident) and one audit
event records the batch, as registry/imports.py does with `audited=False`. Deterministic for a seed.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import shapely
from django.db import transaction
from django.utils import timezone

from gridgov.core import audit
from gridgov.grids.models import Grid
from gridgov.grids.selectors import current_geometries
from gridgov.people.actors import Actor
from gridgov.registry.models import Address, AddressLevel, Building, Household, Resident, Tag
from gridgov.registry.personal import id_check_char
from gridgov.registry.residents import set_personal
from gridgov.registry.services import record_organisation

FULL_STREET = "410102014"  # 柳湖街道 (25 grids, ≈9,600 households): built to its full household count
SAMPLE_PER_GRID = 8  # households in each grid of the other streets
FAKE_AREA = "990102"  # no administrative division has it: marks every ID number as synthetic
PER_ENTRANCE = 12  # 6 floors × 2 dwellings
ENTRANCES = 2

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉海燕文俊晓东雪梅春花卫宇浩然子轩欣怡"
COMPOUNDS_TEXT = (
    "锦绣 幸福 和平 建设 文化 阳光 金桂 翠竹 银河 绿城 康乐 嵩山 桐柏 秦岭 伏牛 中原 棉纺 电力 铁路 工人"  # 小区 names
)
COMPOUNDS = COMPOUNDS_TEXT.split(" ")
ORGS_PER_GRID = 4  # in FULL_STREET
ORG_KINDS = ["shop", "enterprise", "school", "medical"]
ORG_WEIGHTS = [0.7, 0.15, 0.05, 0.1]
ORG_NAMES = {
    "shop": ["便民超市", "早餐店", "五金店", "理发店", "水果店", "烩面馆"],
    "enterprise": ["物业服务有限公司", "商贸有限公司", "建筑装饰工程有限公司"],
    "school": ["幼儿园", "小学"],
    "medical": ["社区卫生服务站", "诊所", "药房"],
}
DEMO = Actor.system("demo")


def synthetic_id(rng: np.random.Generator, birth_year: int, used: set[str]) -> str:
    """A GB 11643 number with a valid check digit and the unused area code FAKE_AREA (never a real person's),
    none of `used` (which it joins)."""
    while True:
        month, day, order = int(rng.integers(1, 13)), int(rng.integers(1, 29)), int(rng.integers(0, 1000))
        first17 = f"{FAKE_AREA}{birth_year:04d}{month:02d}{day:02d}{order:03d}"
        if first17 not in used:
            used.add(first17)
            return first17 + id_check_char(first17)


def _name(rng: np.random.Generator) -> str:
    given = "".join(GIVEN[int(i)] for i in rng.integers(0, len(GIVEN), size=int(rng.integers(1, 3))))
    return SURNAMES[int(rng.integers(0, len(SURNAMES)))] + given


def _points(rng: np.random.Generator, geometry, n: int) -> list[tuple[float, float]]:
    """n points inside the grid's polygon (rejection sampling in its bounds, the centroid as a last resort)."""
    x0, y0, x1, y1 = shapely.bounds(geometry)
    found: list[tuple[float, float]] = []
    for _ in range(20):
        xs, ys = rng.uniform(x0, x1, 4 * n + 8), rng.uniform(y0, y1, 4 * n + 8)
        inside = shapely.contains_xy(geometry, xs, ys)
        found += [(round(float(x), 6), round(float(y), 6)) for x, y in zip(xs[inside], ys[inside], strict=True)]
        if len(found) >= n:
            return found[:n]
    point = shapely.get_coordinates(shapely.point_on_surface(geometry))[0]
    return found + [(float(point[0]), float(point[1]))] * (n - len(found))


def _organisations(rng: np.random.Generator, grid: Grid, spots: list[tuple[float, float]], at: datetime) -> int:
    """The grid's 实有单位: street shops mostly, now and then a school, clinic or firm, through the registry's
    own service (placed by their point, contact phones encrypted and masked); no credit codes (synthetic)."""
    for n, (lon, lat) in enumerate(spots):
        kind = str(rng.choice(ORG_KINDS, p=ORG_WEIGHTS))
        record_organisation(
            actor=DEMO,
            kind=kind,
            name=f"{ORG_NAMES[kind][int(rng.integers(0, len(ORG_NAMES[kind])))]}（{grid.name}{n + 1}）",
            address_text=f"{grid.name}沿街{n + 1}号",
            lon=lon,
            lat=lat,
            contact_name=_name(rng),
            contact_phone=f"1970000{int(grid.code[-3:]) % 100:02d}{n:02d}",
        )
    return len(spots)


@transaction.atomic
def build_demo_registry(
    *, seed: int = 0, full_street: str = FULL_STREET, sample: int = SAMPLE_PER_GRID, at: datetime | None = None
) -> dict[str, int]:
    """The synthetic registry of the module docstring; counts of what was written."""
    rng = np.random.default_rng(seed + 2000)
    at = at or timezone.now()
    tags = {t.code: t for t in Tag.objects.all()}
    grids = list(Grid.objects.filter(level=3, valid_to__isnull=True).order_by("code"))
    geoms = current_geometries([g.code for g in grids])
    counts = {"addresses": 0, "buildings": 0, "households": 0, "residents": 0, "tagged": 0, "organisations": 0}
    serial = 0
    used: set[str] = set()
    through = Resident.tags.through
    for grid in grids:
        if grid.code not in geoms:
            continue
        wanted = grid.households if grid.code.startswith(full_street) else min(sample, grid.households)
        if wanted <= 0:
            continue
        per_building = PER_ENTRANCE * ENTRANCES
        n_buildings = -(-wanted // per_building)
        spots = _points(rng, geoms[grid.code], n_buildings + 1)
        compound = Address.objects.create(
            level=AddressLevel.COMPOUND,
            name=f"{COMPOUNDS[int(rng.integers(0, len(COMPOUNDS)))]}{int(grid.code[-3:])}号院",
            full_text="",
            lon=spots[0][0],
            lat=spots[0][1],
            grid=grid,
            collected_at=at,
        )
        compound.full_text = compound.name
        compound.save(update_fields=["full_text"])
        buildings = Address.objects.bulk_create(
            [
                Address(
                    parent=compound,
                    level=AddressLevel.BUILDING,
                    name=f"{b + 1}号楼",
                    full_text=f"{compound.name}{b + 1}号楼",
                    lon=spots[b + 1][0],
                    lat=spots[b + 1][1],
                    grid=grid,
                    collected_at=at,
                )
                for b in range(n_buildings)
            ]
        )
        Building.objects.bulk_create([Building(address=a, floors=6, grid=grid, collected_at=at) for a in buildings])
        entrances = Address.objects.bulk_create(
            [
                Address(
                    parent=b,
                    level=AddressLevel.ENTRANCE,
                    name=f"{e + 1}单元",
                    full_text=f"{b.full_text}{e + 1}单元",
                    grid=grid,
                    collected_at=at,
                )
                for b in buildings
                for e in range(ENTRANCES)
            ]
        )
        dwellings = Address.objects.bulk_create(
            [
                Address(
                    parent=e,
                    level=AddressLevel.DWELLING,
                    name=f"{f + 1}0{d + 1}",
                    full_text=f"{e.full_text}{f + 1}0{d + 1}",
                    grid=grid,
                    collected_at=at,
                )
                for e in entrances
                for f in range(PER_ENTRANCE // 2)
                for d in range(2)
            ][:wanted]
        )
        sizes = [int(s) for s in rng.choice([1, 2, 3, 4, 5], size=len(dwellings), p=[0.2, 0.3, 0.28, 0.16, 0.06])]
        households = Household.objects.bulk_create(
            [Household(address=a, grid=grid, size=s, collected_at=at) for a, s in zip(dwellings, sizes, strict=True)]
        )
        people: list[Resident] = []
        wanted_tags: list[list[str]] = []
        for household, size in zip(households, sizes, strict=True):
            for k in range(size):
                serial += 1
                elderly = size == 1 and rng.random() < 0.45
                year = int(rng.integers(1930, 1956)) if elderly else int(rng.integers(1950, 2020))
                person = Resident(household=household, grid=grid, collected_at=at)
                set_personal(
                    person,
                    name=_name(rng),
                    id_number=synthetic_id(rng, year, used),
                    phone=f"19{k % 10}0000{serial % 10000:04d}",
                )
                marks = []
                if elderly:
                    marks.append("living_alone")  # 独居老人
                    if year < 1945:
                        marks.append("very_old")
                elif rng.random() < 0.015:
                    marks.append(str(rng.choice(["disabled", "hardship", "veteran", "left_behind_child"])))
                people.append(person)
                wanted_tags.append(marks)
        people = Resident.objects.bulk_create(people, batch_size=2000)
        links = [
            through(resident_id=p.pk, tag_id=tags[code].pk)
            for p, marks in zip(people, wanted_tags, strict=True)
            for code in marks
            if code in tags
        ]
        through.objects.bulk_create(links, batch_size=2000)
        counts["addresses"] += 1 + len(buildings) + len(entrances) + len(dwellings)
        counts["buildings"] += len(buildings)
        counts["households"] += len(households)
        counts["residents"] += len(people)
        counts["tagged"] += len(links)
        if grid.code.startswith(full_street):
            counts["organisations"] += _organisations(rng, grid, _points(rng, geoms[grid.code], ORGS_PER_GRID), at)
    audit.record(
        action="registry.import",
        object_type="resident",
        data={"source": f"demo seed={seed} (synthetic)", "full_street": full_street, **counts},
    )
    return counts
