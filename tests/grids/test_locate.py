import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridgov.core import geo
from gridgov.grids import selectors
from gridgov.grids.locator import current_locator
from gridgov.grids.models import Grid
from gridgov.grids.services import import_grids
from gridgov.sim.city import district_boundary
from tests.grids.helpers import item

DISTRICT = district_boundary()
XMIN, YMIN, XMAX, YMAX = DISTRICT.bounds


@pytest.fixture
def level3(demo_city):
    codes = list(Grid.objects.filter(level=3, valid_to__isnull=True).values_list("code", flat=True))
    return selectors.current_geometries(codes)


@pytest.fixture
def all_geoms(demo_city):
    return selectors.current_geometries()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(x=st.floats(XMIN, XMAX), y=st.floats(YMIN, YMAX))
def test_any_point_in_the_district_has_exactly_one_level3_grid_and_its_ancestors_hold_it(x, y, level3, all_geoms):
    point = shapely.Point(x, y)
    if not DISTRICT.contains(point):
        with pytest.raises(selectors.OutsideGrids):
            selectors.locate(x, y)
        return
    holders = [code for code, g in level3.items() if g.covers(point)]
    assert len(holders) >= 1
    located = selectors.locate(x, y)
    assert located.grid.level == 3
    assert located.grid.code == min(holders)  # one grid, or the lowest code on a shared edge
    assert [n.level for n in located.chain] == [0, 1, 2, 3]
    for node in located.chain:
        assert all_geoms[node.code].covers(point), f"{node.code} does not hold its descendant's point"
    for parent, child in zip(located.chain, located.chain[1:], strict=False):
        assert child.parent == parent.code


def test_a_point_on_a_shared_edge_goes_to_the_lowest_code(level3):
    codes = sorted(level3)
    tree = shapely.STRtree([level3[c] for c in codes])
    a = codes[0]
    neighbours = [codes[j] for j in tree.query(level3[a], predicate="touches")]
    b = neighbours[0]
    # a vertex both polygons share lies exactly on both boundaries (an interpolated point would not)
    shared = {tuple(c) for c in shapely.get_coordinates(level3[a])} & {
        tuple(c) for c in shapely.get_coordinates(level3[b])
    }
    x, y = sorted(shared)[0]
    point = shapely.Point(x, y)
    assert level3[a].intersects(point) and level3[b].intersects(point)
    assert selectors.locate(x, y).grid.code == min(a, b)


def test_locate_many_agrees_with_locate(demo_city):
    rng = np.random.default_rng(3)
    coords = np.column_stack([rng.uniform(XMIN - 0.01, XMAX + 0.01, 300), rng.uniform(YMIN - 0.01, YMAX + 0.01, 300)])
    many = selectors.locate_many(coords)
    one_by_one = []
    for x, y in coords:
        try:
            one_by_one.append(selectors.locate(x, y).grid.code)
        except selectors.OutsideGrids:
            one_by_one.append(None)
    assert many == one_by_one
    assert any(c is None for c in many) and any(c is not None for c in many)


def test_gcj02_points_are_converted_before_locating(demo_city):
    x, y = 113.62, 34.755
    gx, gy = geo.wgs84_to_gcj02(np.array([[x, y]]))[0]
    assert selectors.locate(gx, gy, "gcj02").grid.code == selectors.locate(x, y).grid.code
    # the same numbers read as WGS84 are some 500 m away: usually another grid, always not the conversion
    assert selectors.locate_many([[gx, gy]], "gcj02") == [selectors.locate(x, y).grid.code]


def test_outside_every_grid(demo_city):
    with pytest.raises(selectors.OutsideGrids):
        selectors.locate(116.39, 39.91)  # Beijing


def test_every_process_rebuilds_its_index_when_the_tree_changes(demo_city):
    """A locator is keyed to the version stamp in the database, not to the process that changed it."""
    before = current_locator()
    assert current_locator() is before  # unchanged tree: the same index
    # a new grid somewhere else; another process would see the new stamp the same way
    import_grids(items=[item("419800", "新区", shapely.box(100.0, 20.0, 100.1, 20.1))])
    after = current_locator()
    assert after is not before and after.version != before.version
    assert selectors.locate(100.05, 20.05).grid.code == "419800"
