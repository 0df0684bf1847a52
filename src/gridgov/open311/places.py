"""Where a posted request is: lat/long (WGS-84), else a standard address of the registry (一标三实) by its id
(`address_id`) or its exact text (`address_string`) — its point, or a point inside its grid when it has none.
Free text that names no standard address cannot be placed: the client is told to send lat/long."""

from __future__ import annotations

from dataclasses import dataclass

import shapely
from django.utils.translation import gettext

from gridgov.core.errors import BadInput
from gridgov.grids.selectors import current_geometries
from gridgov.registry.models import Address


@dataclass(frozen=True)
class Place:
    lon: float
    lat: float
    address: str


def _point(address: Address) -> Place:
    if address.lon is not None and address.lat is not None:
        return Place(address.lon, address.lat, address.full_text)
    code = address.grid.code
    geometry = current_geometries([code]).get(code)
    if geometry is None:
        raise BadInput(gettext("address %(id)s cannot be placed: send lat and long") % {"id": address.pk})
    point = shapely.point_on_surface(geometry)
    return Place(point.x, point.y, address.full_text)


def place(*, lat: float | None, lon: float | None, address_string: str | None, address_id: str | None) -> Place:
    if (lat is None) != (lon is None):
        raise BadInput(gettext("lat and long go together: send both or neither"))
    if lat is not None and lon is not None:
        return Place(lon, lat, address_string or "")
    if address_id is not None:
        found = (
            Address.objects.select_related("grid").filter(pk=int(address_id), active=True).first()
            if address_id.isdigit()
            else None
        )
        if found is None:
            raise BadInput(gettext("unknown address_id %(id)r: send lat and long instead") % {"id": address_id})
        return _point(found)
    if address_string is not None:
        found = (
            Address.objects.select_related("grid").filter(full_text=address_string, active=True).order_by("pk").first()
        )
        if found is None:
            raise BadInput(
                gettext("%(text)r is not a standard address of this platform: send lat and long")
                % {"text": address_string}
            )
        return _point(found)
    raise BadInput(gettext("a request needs a place: lat and long, address_string or address_id"))
