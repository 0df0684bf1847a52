import json
import zipfile

import openpyxl
import pytest
import shapely
from django.core.management import CommandError, call_command
from django.utils import timezone, translation
from shapely.geometry import box, mapping

from gridgov.core.models import AuditEvent
from gridgov.grids import formats, selectors
from gridgov.grids.models import Grid, GridBoundary
from gridgov.grids.services import GridImportError, import_grids
from gridgov.sim.city import district_boundary
from tests.grids.helpers import TEST_DISTRICT, delete_tree, item, same_tree, snapshot, square_tree


def unchanged_database(fn):
    """Run fn expecting a GridImportError; return its errors after checking nothing was written."""
    before = (Grid.objects.count(), GridBoundary.objects.count(), AuditEvent.objects.count(), selectors.tree_version())
    with pytest.raises(GridImportError) as caught:
        fn()
    after = (Grid.objects.count(), GridBoundary.objects.count(), AuditEvent.objects.count(), selectors.tree_version())
    assert after == before
    return caught.value.errors


# ---- round trips -------------------------------------------------------------------------------


@pytest.mark.parametrize("filename", ["tree.geojson", "tree.shp", "tree.zip"])
def test_export_then_import_gives_the_identical_tree(demo_city, tmp_path, filename):
    original = snapshot("410102")
    assert len(original) == 832
    path = tmp_path / filename
    assert formats.write_file(path, root="410102") == 832
    delete_tree("410102")
    assert not Grid.objects.filter(code__startswith="410102").exists()
    result = import_grids(items=formats.read_file(path), source=filename)
    assert result.created == 832
    assert same_tree(original, snapshot("410102"))


def test_excel_roster_round_trip_with_chinese_headers(demo_city, tmp_path):
    """The roster carries attributes (and WKT where a cell can hold it): a 三级网格 subtree comes back whole."""
    original = snapshot("410102001")
    path = tmp_path / "roster.xlsx"
    formats.write_file(path, root="410102001")
    sheet = openpyxl.load_workbook(path).active
    assert [c.value for c in sheet[1]][:7] == ["编码", "名称", "层级", "上级编码", "户数", "人口", "类型"]
    delete_tree("410102001")
    import_grids(items=formats.read_file(path))
    assert same_tree(original, snapshot("410102001"))


def test_reimport_changes_nothing(demo_city, tmp_path):
    path = tmp_path / "tree.geojson"
    formats.write_file(path, root="410102")
    version = selectors.tree_version()
    result = import_grids(items=formats.read_file(path))
    assert (result.created, result.updated, result.unchanged) == (0, 0, 832)
    assert selectors.tree_version() == version


def test_roster_updates_households_and_keeps_polygons(demo_city, tmp_path):
    path = tmp_path / "roster.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["编码", "名称", "户数", "人口"])
    book.active.append(["410102001002001", "", 444, 1200])
    book.save(path)
    before = selectors.current_geometries(["410102001002001"])["410102001002001"]
    result = import_grids(items=formats.read_file(path))
    assert result.updated == 1
    grid = Grid.objects.get(code="410102001002001")
    assert (grid.households, grid.population) == (444, 1200) and grid.name.endswith("第1网格")
    assert shapely.equals_exact(selectors.current_geometries([grid.code])[grid.code], before, 0)


def test_a_boundary_change_keeps_the_old_boundary_in_history(demo_city):
    street = "410102001"
    old_geom = selectors.current_geometries([street])[street]
    filed_at = timezone.now()
    new_geom = shapely.buffer(old_geom, -0.0005)
    import_grids(items=[item(street, geometry=new_geom)])
    versions = list(GridBoundary.objects.filter(grid__code=street).order_by("valid_from"))
    assert len(versions) == 2 and versions[0].valid_to is not None and versions[1].valid_to is None
    assert shapely.equals_exact(selectors.boundary_at(street, filed_at), old_geom, 0)
    assert shapely.equals(selectors.boundary_at(street, timezone.now()), new_geom)
    assert Grid.objects.filter(code=street).count() == 1  # the grid itself stays: old cases keep it


def test_gcj02_import_lands_on_the_wgs84_district(demo_city, data_dir, tmp_path):
    doc = json.loads((data_dir / "zhongyuan_gcj02.geojson").read_text(encoding="utf-8"))
    doc["features"][0]["properties"] = {"code": "419801", "name": "中原区(GCJ-02 导入)"}
    path = tmp_path / "gcj.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    call_command("grids", "import", str(path), "--crs", "gcj02")
    imported = selectors.current_geometries(["419801"])["419801"]
    assert shapely.hausdorff_distance(imported, district_boundary()) * 111_320 < 5


def test_cli_export_import_and_check(demo_city, tmp_path, capsys):
    path = tmp_path / "out.geojson"
    call_command("grids", "export", str(path), "--root", "410102001")
    assert (
        len(json.loads(path.read_text())["features"])
        == 1 + 11 + Grid.objects.filter(level=3, code__startswith="410102001").count()
    )
    capsys.readouterr()
    call_command("grids", "import", str(path), "--json")
    out = json.loads(capsys.readouterr().out)
    assert out == {"created": 0, "updated": 0, "unchanged": out["unchanged"], "boundaries_changed": 0, "errors": []}


# ---- bad input: row-level errors and nothing written --------------------------------------------


def feature(code, geometry, **props):
    return {
        "type": "Feature",
        "properties": {"code": code, "name": f"网格{code}", **props},
        "geometry": mapping(geometry) if geometry is not None else None,
    }


def geojson_bytes(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


@pytest.mark.parametrize(
    "content,expected",
    [
        (b"{not json", "not valid JSON"),
        (b'{"type": "Feature"}', "FeatureCollection"),
    ],
)
@translation.override("en")  # the English wording (Chinese by default)
def test_geojson_unreadable(db, content, expected):
    errors = unchanged_database(lambda: import_grids(items=formats.read_geojson(content)))
    assert expected in errors[0].message


@translation.override("en")  # the English wording (Chinese by default)
def test_geojson_row_errors_are_all_reported_and_nothing_is_written(demo_city):
    bowtie = shapely.Polygon([(110, 30), (110.01, 30.01), (110.01, 30), (110, 30.01), (110, 30)])
    content = geojson_bytes(
        feature(TEST_DISTRICT, box(110, 30, 110.02, 30.02)),  # fine on its own
        feature("4199", box(110, 30, 110.01, 30.01)),  # 2: bad length
        feature(f"{TEST_DISTRICT}001", bowtie),  # 3: self-intersecting
        feature(f"{TEST_DISTRICT}002", box(200, 30, 200.1, 30.1)),  # 4: out of range
        feature(f"{TEST_DISTRICT}003", box(110, 30, 110.01, 30.01), households=-5),  # 5: negative
        feature(f"{TEST_DISTRICT}003", box(110, 30, 110.01, 30.01)),  # 6: duplicate
        feature("419901001", box(110, 30, 110.01, 30.01)),  # 7: parent 419901 nowhere
        feature(f"{TEST_DISTRICT}004", shapely.Point(110, 30)),  # 8: not a polygon
        feature(f"{TEST_DISTRICT}005", box(110, 30, 110.01, 30.01), level=2),  # 9: level mismatch
        feature(f"{TEST_DISTRICT}006", box(110, 30, 110.01, 30.01), parent="410102"),  # 10: wrong parent
    )
    errors = unchanged_database(lambda: import_grids(items=formats.read_geojson(content)))
    by_row = {}
    for e in errors:
        by_row.setdefault(e.row, []).append(e.message)
    assert set(by_row) == {2, 3, 4, 5, 6, 7, 8, 9, 10}
    assert "digits" in by_row[2][0]
    assert "Self-intersection" in by_row[3][0]
    assert "out of range" in by_row[4][0]
    assert "negative" in by_row[5][0]
    assert "twice" in by_row[6][0]
    assert "419901" in by_row[7][0]
    assert "Point" in by_row[8][0]
    assert "level" in by_row[9][0]
    assert "prefix" in by_row[10][0]


@translation.override("en")  # the English wording (Chinese by default)
def test_geojson_with_unparseable_numbers(db):
    content = geojson_bytes(feature(TEST_DISTRICT, box(110, 30, 110.1, 30.1), households="many"))
    errors = unchanged_database(lambda: import_grids(items=formats.read_geojson(content)))
    assert errors[0].row == 1 and "households" in errors[0].message


@translation.override("en")  # the English wording (Chinese by default)
def test_shapefile_bad_inputs(db, tmp_path):
    broken = tmp_path / "broken.shp"
    broken.write_bytes(b"this is not a shapefile")
    errors = unchanged_database(lambda: formats.read_file(broken))
    assert "Shapefile" in errors[0].message
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as z:
        z.writestr("a.shp", b"")
        z.writestr("b.shp", b"")
    errors = unchanged_database(lambda: formats.read_file(two))
    assert "exactly one .shp" in errors[0].message


def test_shapefile_row_errors(demo_city, tmp_path):
    import shapefile

    with shapefile.Writer(str(tmp_path / "bad"), shapeType=shapefile.POLYGON, encoding="utf-8") as w:
        for name in ("code", "name"):
            w.field(name, "C", size=20)
        w.field("households", "N", size=10)
        w.shape(mapping(box(110, 30, 110.02, 30.02)))
        w.record(TEST_DISTRICT, "测试区", 0)
        w.shape(mapping(box(110, 30, 110.01, 30.01)))
        w.record("419900001001", "缺街道的社区", 0)  # parent 419900001 missing
    errors = unchanged_database(lambda: import_grids(items=formats.read_file(tmp_path / "bad.shp")))
    assert [(e.row, e.code) for e in errors] == [(2, "419900001001")]
    assert "419900001" in errors[0].message


def test_excel_bad_inputs(db, tmp_path):
    path = tmp_path / "roster.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["名称", "户数"])
    book.active.append(["无编码", 3])
    book.save(path)
    assert "编码" in unchanged_database(lambda: formats.read_file(path))[0].message
    book = openpyxl.Workbook()
    book.active.append(["编码", "名称", "户数", "边界"])
    book.active.append([TEST_DISTRICT, "测试区", "三百", ""])
    book.active.append([f"{TEST_DISTRICT}001", "街道", 3, "POLYGON ((broken"])
    book.save(path)
    errors = unchanged_database(lambda: formats.read_file(path))
    assert next((e.row, "户数" in e.message or "households" in e.message) for e in errors) == (2, True)
    assert errors[1].row == 3 and "WKT" in errors[1].message
    not_excel = tmp_path / "fake.xlsx"
    not_excel.write_text("hello")
    assert "Excel" in unchanged_database(lambda: formats.read_file(not_excel))[0].message


@translation.override("en")  # the English wording (Chinese by default)
def test_unknown_file_type_and_missing_file(db, tmp_path):
    assert "unknown file type" in unchanged_database(lambda: formats.read_file(tmp_path / "grids.kml"))[0].message
    assert "no such file" in unchanged_database(lambda: formats.read_file(tmp_path / "nope.geojson"))[0].message


def test_cli_import_reports_row_errors_as_json(db, tmp_path, capsys):
    path = tmp_path / "bad.geojson"
    path.write_bytes(geojson_bytes(feature("12", box(110, 30, 110.1, 30.1))))
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("grids", "import", str(path), "--json")
    out = json.loads(capsys.readouterr().out)
    assert out["created"] == 0 and out["errors"][0]["row"] == 1 and out["errors"][0]["code"] == "12"


def test_square_tree_imports_and_audits(db):
    before = AuditEvent.objects.filter(action="grids.import").count()
    result = import_grids(items=square_tree(), source="test")
    assert result.created == 9
    assert AuditEvent.objects.filter(action="grids.import").count() == before + 1
    assert Grid.objects.get(code=f"{TEST_DISTRICT}001001").parent.code == f"{TEST_DISTRICT}001"
