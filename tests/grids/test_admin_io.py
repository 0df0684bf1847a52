"""Grids in the admin: the filtered list out as CSV, Excel or GeoJSON (grids/formats/), and files back in
through services.import_grids."""

import json

import pytest
import shapely

from gridgov.core.models import AuditEvent
from gridgov.grids import selectors
from gridgov.grids.models import Grid, GridBoundary
from gridgov.grids.services import retire_grid
from tests.core.admin_io_util import csv_upload, error_rows, post_import, reupload, table, xlsx_upload
from tests.grids.helpers import same_tree, snapshot

pytestmark = pytest.mark.django_db

URL = "/admin/grids/grid/"
STREET = "410102001"
HEADER = ["编码", "名称", "层级", "上级编码", "户数", "人口", "类型"]


def state():
    return (
        list(
            Grid.objects.values_list(
                "code", "name", "level", "parent__code", "kind", "households", "population", "valid_to"
            ).order_by("code")
        ),
        GridBoundary.objects.count(),
        selectors.tree_version(),
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_is_the_filtered_list(demo_city, root, fmt):
    rows = table(root.get(f"{URL}export/{fmt}/", {"street": STREET, "level__exact": "3"}))
    assert rows[0][:7] == HEADER
    grids = Grid.objects.filter(code__startswith=STREET, level=3).select_related("parent").order_by("code")
    assert len(grids) > 5
    assert [r[:7] for r in rows[1:]] == [
        [g.code, g.name, str(g.level), g.parent.code, str(g.households), str(g.population), g.kind] for g in grids
    ]
    if fmt == "xlsx":  # the polygon rides along as WKT
        geoms = selectors.current_geometries([g.code for g in grids])
        assert rows[0][7] == "边界"
        assert all(shapely.equals_exact(shapely.from_wkt(r[7]), geoms[r[0]], 1e-9) for r in rows[1:])


def test_geojson_export_of_a_search(demo_city, root):
    response = root.get(f"{URL}export/geojson/", {"q": STREET})
    assert response.status_code == 200 and response["Content-Type"] == "application/geo+json"
    features = json.loads(response.content)["features"]
    assert {f["properties"]["code"] for f in features} == set(
        Grid.objects.filter(code__contains=STREET).values_list("code", flat=True)
    )
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in features)


def test_retired_grids_are_not_exported(demo_city, root):
    code = Grid.objects.filter(code__startswith=STREET, level=3).order_by("code").values_list("code", flat=True)[0]
    retire_grid(code=code)
    codes = [r[0] for r in table(root.get(f"{URL}export/csv/", {"street": STREET}))[1:]]
    assert code not in codes and len(codes) == Grid.objects.filter(code__startswith=STREET, valid_to=None).count()


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "geojson"])
def test_a_round_trip_changes_nothing(demo_city, root, fmt):
    before, tree, events = state(), snapshot("410102"), AuditEvent.objects.count()
    export = root.get(f"{URL}export/{fmt}/", {"street": STREET})
    response = post_import(root, URL, reupload(export))
    assert response.status_code == 302, error_rows(response)[:5]
    assert state() == before and same_tree(snapshot("410102"), tree)
    event = AuditEvent.objects.order_by("id")[events]
    assert (event.action, event.actor) == ("grids.import", root.user)
    assert (event.data["created"], event.data["updated"]) == (0, 0)


def test_a_roster_updates_households_and_keeps_polygons(demo_city, root):
    code = f"{STREET}002001"
    boundaries = GridBoundary.objects.count()
    upload = csv_upload([["编码", "名称", "户数"], [code, "新名字网格", "432"]], name="roster.csv")
    assert post_import(root, URL, upload).status_code == 302
    grid = Grid.objects.get(code=code)
    assert (grid.name, grid.households) == ("新名字网格", 432)
    assert GridBoundary.objects.count() == boundaries
    messages = [str(m) for m in root.get(URL).context["messages"]]
    assert any("更新 1" in m for m in messages), messages


def test_a_bad_row_writes_nothing_and_is_named(demo_city, root):
    before, events = state(), AuditEvent.objects.count()
    upload = xlsx_upload(
        [
            ["编码", "名称", "户数", "边界"],
            [f"{STREET}002001", "改名", 100, ""],
            ["41010200100", "坏编码", 1, ""],
            [f"{STREET}002002", "坏户数", "很多", ""],
            [f"{STREET}002003", "坏边界", 1, "POLYGON((0 0, 1 1"],
        ]
    )
    problems = error_rows(post_import(root, URL, upload))
    assert [row for row, _, _ in problems] == ["4", "5"]  # the reader stops at unreadable cells first
    assert "很多" in problems[0][2]
    problems = error_rows(
        post_import(
            root,
            URL,
            xlsx_upload([["编码", "名称", "户数"], [f"{STREET}002001", "改名", 100], ["41010200100", "坏编码", 1]]),
        )
    )
    assert problems == [("3", "41010200100", problems[0][2])] and "41010200100" in problems[0][2]
    assert state() == before and AuditEvent.objects.count() == events


def test_unknown_file_types_are_refused(demo_city, root):
    problems = error_rows(post_import(root, URL, csv_upload([["编码"]], name="grids.txt")))
    assert problems[0][0] == "0" and ".txt" in problems[0][2]


def test_search_by_parent_and_filters(demo_city, root):
    def codes(**params):
        return {g.code for g in root.get(URL, params).context["cl"].result_list}

    community = f"{STREET}002"
    children = set(Grid.objects.filter(parent__code=community).values_list("code", flat=True))
    assert children and children <= codes(q=community, level__exact="3")
    parent_name = Grid.objects.get(code=community).name
    assert children <= codes(q=parent_name, level__exact="3")
    assert codes(street=STREET, level__exact="1") == {STREET}
    assert codes(q=STREET, valid_to__isempty="1", level__exact="1") == {STREET}


def test_grid_admin_is_for_staff_only(demo_city, client, django_user_model):
    before = state()
    upload = csv_upload([["编码", "名称"], ["410102", "改名"]])
    assert client.get(f"{URL}export/xlsx/").status_code == 302
    assert client.get(f"{URL}import/").status_code == 302
    assert client.post(f"{URL}import/", {"file": upload}).status_code == 302
    client.force_login(django_user_model.objects.create_user("io-viewer", password="x", is_staff=True))
    assert client.get(f"{URL}export/csv/").status_code == 403
    assert client.post(f"{URL}import/", {"file": upload}).status_code == 403
    assert state() == before
