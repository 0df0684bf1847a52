import json

import numpy as np
import pytest
import shapely
from django.utils import translation
from pyproj import Geod
from shapely.geometry import box, shape

from gridgov.core import geo
from gridgov.sim.city import district_boundary


def metres(deg_distance: float) -> float:
    return deg_distance * 111_320.0


def test_gcj02_boundary_of_zhongyuan_converts_onto_the_wgs84_polygon(data_dir):
    """The real 中原区 boundary as AMap publishes it (GCJ-02) lands on the WGS84 polygon."""
    doc = json.loads((data_dir / "zhongyuan_gcj02.geojson").read_text(encoding="utf-8"))
    gcj = shape(doc["features"][0]["geometry"])
    wgs = district_boundary()
    converted = geo.geometry_to_wgs84(gcj, "gcj02")
    # before conversion the two are hundreds of metres apart …
    assert metres(shapely.hausdorff_distance(gcj, wgs)) > 100
    # … after it, within a few metres everywhere
    assert metres(shapely.hausdorff_distance(converted, wgs)) < 5
    # and the area between the two outlines is a ribbon under 2 m wide on average along ~85 km
    perimeter_m = Geod(ellps="WGS84").geometry_length(wgs)
    assert geo.area_m2(converted.symmetric_difference(wgs)) / perimeter_m < 2.0


def test_round_trip_is_exact_to_a_millimetre():
    rng = np.random.default_rng(7)
    pts = np.column_stack([rng.uniform(73, 135, 1000), rng.uniform(18, 53, 1000)])
    back = geo.gcj02_to_wgs84(geo.wgs84_to_gcj02(pts))
    assert metres(np.abs(back - pts).max()) < 0.001


def test_offset_is_hundreds_of_metres_in_china_and_nothing_outside():
    inside = geo.wgs84_to_gcj02(np.array([[113.62, 34.75]]))[0]
    assert 100 < metres(np.hypot(*(inside - [113.62, 34.75]))) < 1000
    outside = np.array([[2.35, 48.85], [-74.0, 40.7]])  # Paris, New York
    assert np.array_equal(geo.wgs84_to_gcj02(outside), outside)


@pytest.mark.parametrize(
    "lon,lat,message",
    [
        (200, 34, "longitude"),
        (34, 113, "latitude"),
        (float("nan"), 1, "numbers"),
        (-181, 0, "longitude"),
    ],
)
@translation.override("en")  # the English wording
def test_out_of_range_coordinates_are_refused(lon, lat, message):
    with pytest.raises(geo.CoordinateError, match=message):
        geo.point_to_wgs84(lon, lat)


@translation.override("en")
def test_unknown_crs_is_refused():
    with pytest.raises(geo.CoordinateError, match="wgs84"):
        geo.point_to_wgs84(113.6, 34.7, "bd09")


def test_area_agrees_with_the_ellipsoid_for_a_city_block():
    block = box(113.60, 34.74, 113.62, 34.76)
    geodesic, _ = Geod(ellps="WGS84").geometry_area_perimeter(shapely.geometry.polygon.orient(block))
    assert geo.area_m2(block) == pytest.approx(abs(geodesic), rel=2e-3)


def test_area_of_a_hairline_sliver_is_nearly_zero():
    """Straight edges in lon/lat stay straight: a degenerate sliver has no area."""
    sliver = shapely.Polygon([(113.59, 34.761), (113.60, 34.7635), (113.62, 34.7685), (113.59, 34.761)])
    assert geo.area_m2(sliver) < 1e-3
