"""Malformed Shapefiles end in a clean file-level error, never a traceback, and write nothing (issue 10,
finding 10): through the reader and import service, through `gridgov grids import FILE` in a process
of its own (exit code, message, no traceback), and through the admin import page."""

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import shapefile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from shapely.geometry import box, mapping

from gridgov.grids import formats, selectors
from gridgov.grids.models import Grid, GridBoundary
from gridgov.grids.services import GridImportError, import_grids
from tests.core.admin_io_util import error_rows, post_import
from tests.grids.helpers import TEST_DISTRICT

ROOT = Path(__file__).resolve().parents[2]
URL = "/admin/grids/grid/"


def write_layer(folder: Path, name: str = "grids", kind: int = shapefile.POLYGON) -> Path:
    """A small, valid layer of the test district and its first street (or points/lines of them)."""
    with shapefile.Writer(str(folder / name), shapeType=kind, encoding="utf-8") as w:
        w.field("code", "C", size=20)
        w.field("name", "C", size=20)
        for code, square in (
            (TEST_DISTRICT, box(110, 30, 110.02, 30.02)),
            (f"{TEST_DISTRICT}001", box(110, 30, 110.01, 30.02)),
        ):
            if kind == shapefile.POINT:
                w.point(110.005, 30.005)
            elif kind == shapefile.POLYLINE:
                w.line([[[110, 30], [110.01, 30.01]]])
            else:
                w.shape(mapping(square))
            w.record(code, "测试")
    return folder / f"{name}.shp"


def zip_of(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def malformed(tmp: Path, which: str) -> Path:
    good = write_layer(tmp)
    shp, dbf, shx = (good.read_bytes(), good.with_suffix(".dbf").read_bytes(), good.with_suffix(".shx").read_bytes())
    bad = tmp / "bad"
    bad.mkdir()
    if which == "truncated_shp":
        (bad / "cut.shp").write_bytes(shp[: len(shp) // 2])
        (bad / "cut.dbf").write_bytes(dbf)
        (bad / "cut.shx").write_bytes(shx)
        return bad / "cut.shp"
    if which == "truncated_shp_in_zip":
        return zip_of(bad / "cut.zip", {"g.shp": shp[: len(shp) - 10], "g.dbf": dbf, "g.shx": shx})
    if which == "zip_without_dbf":
        return zip_of(bad / "nodbf.zip", {"g.shp": shp, "g.shx": shx})
    if which == "zip_without_shp":
        return zip_of(bad / "noshp.zip", {"g.dbf": dbf, "g.shx": shx})
    if which == "points":
        return zip_of(
            bad / "points.zip",
            {
                f"points{s}": write_layer(tmp, "points", shapefile.POINT).with_suffix(s).read_bytes()
                for s in (".shp", ".dbf", ".shx")
            },
        )
    if which == "lines":
        lines = write_layer(tmp, "lines", shapefile.POLYLINE)
        return lines
    if which == "empty_zip":
        return zip_of(bad / "empty.zip", {})
    if which == "not_a_zip":
        (bad / "grids.zip").write_bytes(b"<html>a web page saved under the wrong name</html>")
        return bad / "grids.zip"
    if which == "truncated_dbf":
        (bad / "g.shp").write_bytes(shp)
        (bad / "g.dbf").write_bytes(dbf[: len(dbf) - 20])
        return bad / "g.shp"
    raise ValueError(which)


# (which, words of the Chinese message: what is wrong, and what to send)
CASES = [
    ("truncated_shp", ["不完整", ".zip"]),
    ("truncated_shp_in_zip", ["不完整", ".zip"]),
    ("zip_without_dbf", ["缺少", ".dbf"]),
    ("zip_without_shp", ["没有 .shp", ".dbf"]),
    ("points", ["点", "面"]),
    ("lines", ["线", "面"]),
    ("empty_zip", ["空的", ".shp"]),
    ("not_a_zip", ["不是可读取的 zip", ".shp"]),
    ("truncated_dbf", ["损坏或不完整", ".dbf"]),
]


def tree_state() -> tuple:
    return Grid.objects.count(), GridBoundary.objects.count(), selectors.tree_version()


@pytest.mark.parametrize("which, words", CASES)
def test_the_service_gives_a_file_level_error_and_writes_nothing(db, tmp_path, which, words):
    path = malformed(tmp_path, which)
    before = tree_state()
    with pytest.raises(GridImportError) as caught:
        import_grids(items=formats.read_file(path), source=str(path))
    errors = caught.value.errors
    assert len(errors) == 1 and errors[0].row == 0, [e.as_dict() for e in errors]
    assert all(word in errors[0].message for word in words), errors[0].message
    assert tree_state() == before


@pytest.mark.parametrize("which, words", CASES)
def test_the_command_reports_it_without_a_traceback(db, tmp_path, capsys, which, words):
    path = malformed(tmp_path, which)
    before = tree_state()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("grids", "import", str(path))
    err = capsys.readouterr().err
    assert all(word in err for word in words) and "row 0" not in err, err
    assert tree_state() == before


@pytest.mark.parametrize("which", ["truncated_shp", "zip_without_dbf", "not_a_zip"])
def test_the_gridgov_command_exits_non_zero_with_the_message(tmp_path, which):
    """`gridgov grids import FILE` in its own process (its own database: the file is refused before
    anything is read from it)."""
    path = malformed(tmp_path, which)
    env = {
        **os.environ,
        "GRIDGOV_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "PYTHONPATH": str(ROOT / "src"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "gridgov.cli", "grids", "import", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout, done.stderr
    assert dict(CASES)[which][0] in done.stderr, done.stderr


def test_the_admin_import_page_lists_the_file_level_error(demo_city, root, tmp_path):
    before = tree_state()
    path = malformed(tmp_path, "zip_without_dbf")
    problems = error_rows(post_import(root, URL, SimpleUploadedFile("grids.zip", path.read_bytes())))
    assert len(problems) == 1 and problems[0][0] == "0" and "缺少" in problems[0][2] and ".dbf" in problems[0][2]
    assert tree_state() == before


def test_a_whole_shapefile_still_imports(db, tmp_path):
    good = write_layer(tmp_path)
    archive = zip_of(
        tmp_path / "good.zip", {f"grids{s}": good.with_suffix(s).read_bytes() for s in (".shp", ".dbf", ".shx")}
    )
    for path in (good, archive):
        items = formats.read_file(path)
        assert [i.code for i in items] == [TEST_DISTRICT, f"{TEST_DISTRICT}001"]
        assert all(i.geometry.geom_type == "Polygon" for i in items)
