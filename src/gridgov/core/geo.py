"""Coordinates at the edges: WGS84 inside, GCJ-02 where Chinese phones and maps speak it.

GCJ-02 (国测局坐标, "Mars coordinates") is WGS84 shifted by a published, non-linear offset of a few
hundred metres inside China and unchanged outside it. The forward formula is public; the inverse has
no closed form, so we invert it by fixed-point iteration to well under a millimetre. Both work on
numpy arrays so that a whole import converts in one pass (the small PyPI packages for this convert
point by point and invert only approximately, by ~1 m).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import shapely
from django.utils.translation import gettext
from pyproj import Geod

CRS = Literal["wgs84", "gcj02"]
CRS_CHOICES = ("wgs84", "gcj02")

_A = 6378245.0  # Krasovsky 1940 semi-major axis, as the GCJ-02 formula uses
_EE = 0.00669342162296594323
_GEOD = Geod(ellps="WGS84")
_EARTH_RADIUS = 6371008.8  # mean radius (IUGG), for local areas


class CoordinateError(ValueError):
    """A coordinate outside the valid range, or an unknown coordinate system."""


def _outside_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = lon - 105.0
    y = lat - 35.0
    pi = math.pi
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat = (
        -100.0
        + 2.0 * x
        + 3.0 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * np.sqrt(np.abs(x))
        + common
        + (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    )
    dlon = (
        300.0
        + x
        + 2.0 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * np.sqrt(np.abs(x))
        + common
        + (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    )
    radlat = lat / 180.0 * pi
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(radlat) * pi)
    outside = _outside_china(lon, lat)
    return np.where(outside, 0.0, dlon), np.where(outside, 0.0, dlat)


def wgs84_to_gcj02(coords: np.ndarray) -> np.ndarray:
    """(N, 2) lon/lat in WGS84 → GCJ-02."""
    coords = np.asarray(coords, dtype=float)
    dlon, dlat = _offset(coords[:, 0], coords[:, 1])
    return np.column_stack([coords[:, 0] + dlon, coords[:, 1] + dlat])


def gcj02_to_wgs84(coords: np.ndarray, iterations: int = 8) -> np.ndarray:
    """(N, 2) lon/lat in GCJ-02 → WGS84, by iterating the forward offset (error < 1e-9°)."""
    target = np.asarray(coords, dtype=float)
    guess = target.copy()
    for _ in range(iterations):
        guess = guess - (wgs84_to_gcj02(guess) - target)
    return guess


def to_wgs84(coords: np.ndarray, crs: str) -> np.ndarray:
    if crs == "wgs84":
        return np.asarray(coords, dtype=float)
    if crs == "gcj02":
        return gcj02_to_wgs84(coords)
    raise _unknown_crs(crs)


def from_wgs84(coords: np.ndarray, crs: str) -> np.ndarray:
    if crs == "wgs84":
        return np.asarray(coords, dtype=float)
    if crs == "gcj02":
        return wgs84_to_gcj02(coords)
    raise _unknown_crs(crs)


def _unknown_crs(crs: str) -> CoordinateError:
    return CoordinateError(
        gettext("unknown coordinate system %(crs)r: use one of %(known)s")
        % {"crs": crs, "known": ", ".join(CRS_CHOICES)}
    )


def geometry_to_wgs84(geom: shapely.Geometry, crs: str) -> shapely.Geometry:
    return geom if crs == "wgs84" else shapely.transform(geom, lambda c: to_wgs84(c, crs))


def geometry_from_wgs84(geom: shapely.Geometry, crs: str) -> shapely.Geometry:
    return geom if crs == "wgs84" else shapely.transform(geom, lambda c: from_wgs84(c, crs))


def check_lon_lat(lon: float, lat: float) -> None:
    """Refuse what cannot be a coordinate; raises CoordinateError with a message for people."""
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise CoordinateError(gettext("longitude and latitude must be numbers"))
    if not -180.0 <= lon <= 180.0:
        raise CoordinateError(
            gettext("longitude %(lon)s is outside −180…180; did you swap longitude and latitude?") % {"lon": lon}
        )
    if not -90.0 <= lat <= 90.0:
        raise CoordinateError(
            gettext("latitude %(lat)s is outside −90…90; did you swap longitude and latitude?") % {"lat": lat}
        )


def point_to_wgs84(lon: float, lat: float, crs: str = "wgs84") -> tuple[float, float]:
    check_lon_lat(lon, lat)
    x, y = to_wgs84(np.array([[lon, lat]]), crs)[0]
    return float(x), float(y)


def area_m2(geom: shapely.Geometry) -> float:
    """Area in square metres, on a local equirectangular plane centred on the geometry.

    Edges are straight lines in lon/lat, so a plane that keeps them straight is the honest measure:
    a geodesic area would bend every edge and give a hairline sliver hundreds of m². Within a city
    the error against the ellipsoid is below 0.1 %.
    """
    if geom is None or geom.is_empty:
        return 0.0
    _, ymin, _, ymax = geom.bounds
    lat0 = math.radians((ymin + ymax) / 2.0)
    metres_per_degree = _EARTH_RADIUS * math.pi / 180.0
    return float(geom.area) * metres_per_degree * metres_per_degree * math.cos(lat0)


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """The distance in metres between two WGS-84 points, on the ellipsoid (what "nearby" measures)."""
    _, _, dist = _GEOD.inv(lon1, lat1, lon2, lat2)
    return float(dist)
