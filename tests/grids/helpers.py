"""Small builders for grid tests: a test district 419900 far from the demo city."""

import shapely
from shapely.geometry import box

from gridgov.grids.models import Grid
from gridgov.grids.services import GridInput

TEST_DISTRICT = "419900"


def item(code, name=None, geometry=None, households=None, row=1, **extra) -> GridInput:
    return GridInput(
        row=row, code=code, name=name or f"网格{code[-3:]}", geometry=geometry, households=households, **extra
    )


def square_tree() -> list[GridInput]:
    """A 2×2 km district with two streets, one community per street and two grids per community."""
    west, east = box(110.00, 30.00, 110.01, 30.02), box(110.01, 30.00, 110.02, 30.02)
    items = [item(TEST_DISTRICT, "测试区", box(110.00, 30.00, 110.02, 30.02))]
    for s, street in ((1, west), (2, east)):
        scode = f"{TEST_DISTRICT}{s:03d}"
        ccode = f"{scode}001"
        xmin, ymin, xmax, ymax = street.bounds
        items += [
            item(scode, f"街道{s}", street),
            item(ccode, f"社区{s}", street),
            item(f"{ccode}001", None, box(xmin, ymin, xmax, (ymin + ymax) / 2), households=400),
            item(f"{ccode}002", None, box(xmin, (ymin + ymax) / 2, xmax, ymax), households=350),
        ]
    for n, i in enumerate(items, start=1):
        i.row = n
    return items


def snapshot(root: str) -> dict:
    """The tree under root as comparable data: attributes and WKB of current boundaries."""
    from gridgov.grids.selectors import current_geometries, grid_properties

    grids = list(Grid.objects.filter(code__startswith=root, valid_to__isnull=True).select_related("parent"))
    geoms = current_geometries([g.code for g in grids])
    return {g.code: (grid_properties(g), geoms.get(g.code)) for g in grids}


def same_tree(a: dict, b: dict) -> bool:
    if a.keys() != b.keys():
        return False
    for code in a:
        (pa, ga), (pb, gb) = a[code], b[code]
        if pa != pb:
            return False
        if (ga is None) != (gb is None) or (ga is not None and not shapely.equals_exact(ga, gb, 1e-9)):
            return False
    return True


def delete_tree(root: str) -> None:
    """Remove a subtree (tests only: the product retires grids, it never deletes them)."""
    for level_len in (18, 15, 12, 9, 6):
        Grid.objects.filter(code__startswith=root, code__regex=rf"^\d{{{level_len}}}$").delete()
