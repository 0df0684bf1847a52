from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language, gettext as _

CODE_PLACEHOLDER = "000000"


def _map_strings() -> dict[str, str]:
    """Words the map script shows, translated here so that map.js holds no language of its own."""
    return {
        "level0": _("District"),
        "level1": _("Level 1 grid (street)"),
        "level2": _("Level 2 grid (community)"),
        "level3": _("Level 3 grid"),
        "level4": _("Micro grid"),
        "comprehensive": _("Comprehensive grid"),
        "dedicated": _("Dedicated grid"),
        "loadFailed": _("Could not load the grids. Check the connection and try again."),
        "showing": _("{what}: {count} grids"),
        "childrenOf": _("Sub-grids of {name}"),
        "noChildren": _("No sub-grids"),
        "showChildren": _("Show sub-grids ({count})"),
        "outside": _("This point lies outside every grid."),
        "locateFailed": _("Could not locate the point: {detail}"),
        "pointAt": _("Point {lon}, {lat}"),
        "areaUnit": _("km²"),
        "chooseGrid": _("— choose a grid —"),
        "nameCode": _("{name} ({code})"),
    }


def grid_map(request):
    """The public map of the grid tree (网格地图): the page only; data comes from /api/v1/grids."""
    config = {
        "geojson": reverse("api-v1:grid_geojson"),
        "locate": reverse("api-v1:locate"),
        "detail": reverse("api-v1:grid_detail", args=[CODE_PLACEHOLDER]),
        "placeholder": CODE_PLACEHOLDER,
        "lang": get_language(),
    }
    return render(request, "web/map.html", {"map_config": config, "map_strings": _map_strings()})
