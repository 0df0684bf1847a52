"""The report form's shared parts (上报): the resident's page (/report/) and the grid worker's phone page
(/m/report/) run the same script against the same endpoints, with the same words."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _


def report_endpoints() -> dict[str, str]:
    """The addresses the report script talks to: intake, uploads, the grid layers, the locator, the category
    picker. Each page adds its own (where to go after sending) and the language."""
    return {
        "cases": reverse("api-v1:report"),
        "uploads": reverse("api-v1:upload"),
        "geojson": reverse("api-v1:grid_geojson") + "?level=1",
        "grids": reverse("api-v1:grid_geojson"),
        "locate": reverse("api-v1:locate"),
        "categories": reverse("web:categories"),
        "duplicates": reverse("api-v1:duplicates"),
    }


def report_strings() -> dict[str, str]:
    """Words the report script shows, translated here so that the script holds no language of its own."""
    return {
        "needPoint": _("Pick the place on the map, or use your position."),
        "needTitle": _("Give the problem a short title."),
        "locating": _("Finding your position…"),
        "geoFailed": _("Could not get your position: {detail}"),
        "geoUnsupported": _("This browser cannot tell its position. Pick the place on the map."),
        "pointAt": _("Chosen place: {lon}, {lat}"),
        "inGrid": _("in grid {name}"),
        "uploading": _("Uploading {name}: {percent}%"),
        "uploaded": _("{name} uploaded"),
        "uploadFailed": _("Could not upload {name}: {detail}"),
        "waitUploads": _("Wait until the photos are uploaded."),
        "sending": _("Sending…"),
        "sendFailed": _("Could not send the report: {detail}"),
        "network": _("the connection failed; try again"),
        "mapFailed": _("Could not load the map. You can still use your position."),
        "noCategory": _("No matching category"),
        "unknownCategory": _("Choose a category from the list, or leave it empty."),
        "dupItem": _("{title} · {status} · reported {date}, {distance} m away"),
        "dupFollow": _("Follow this case"),
        "dupUnfollow": _("It is a different problem"),
        "dupFollowing": _("Your report will follow case {number}."),
    }
