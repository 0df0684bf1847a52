"""The grid roster in the seeds' form (花名册: 姓名, 单位, 职务, 联系电话, 网格编码, 专职/兼职, 任职日期):
row-level errors and never a partial write, through the service and `gridgov people import-roster`."""

import io
import json
from datetime import date

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from gridgov.core.models import AuditEvent
from gridgov.core.rows import RowErrors
from gridgov.grids.models import Grid
from gridgov.people.actors import Actor
from gridgov.people.models import Post
from gridgov.people.roster import import_roster
from tests.cases.helpers import COMMUNITY, GRID, STREET

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "单位", "职务", "联系电话", "网格编码", "专职/兼职", "任职日期"]


def _state() -> list[tuple]:
    users = sorted(get_user_model().objects.values_list("username", "first_name"))
    posts = sorted(Post.objects.values_list("user__username", "role", "scope", "kind", "full_time", "start_date"))
    return users + posts


def _xlsx(tmp_path, rows, header=HEADER):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    path = tmp_path / "花名册.xlsx"
    book.save(path)
    return path


def _path_of(code: str) -> str:
    grid = Grid.objects.select_related("parent__parent").get(code=code)
    return f"{grid.parent.parent.name}/{grid.parent.name}/{grid.name}"


def test_a_roster_imports_posts_with_kinds_flags_and_dates(tmp_path, demo_city):
    rows = [
        ["孙一", "林山寨街道办事处", "一级网格长", "13800000001", STREET, "", "2026-01-05"],
        ["孙二", "建设路社区居委会", "专职网格员", "13800000002", GRID, "专职", date(2025, 7, 1)],
        ["孙二", "建设路社区居委会", "调解员", "13800000002", COMMUNITY, "兼职", ""],
        ["孙三", "区人大常委会", "人大代表", "13800000003", _path_of(GRID), "", "2024/3/1"],
    ]
    out = io.StringIO()
    call_command("people", "import-roster", str(_xlsx(tmp_path, rows)), "--json", stdout=out)
    assert json.loads(out.getvalue()) == {
        "created": 4,
        "updated": 0,
        "unchanged": 0,
        "users_created": 3,
        "checked_only": False,
    }
    posts = {
        (p.user.username, p.role, p.scope): p
        for p in Post.objects.filter(user__username__startswith="138000000").select_related("user")
    }
    leader = posts[("13800000001", "grid_leader", STREET)]
    assert (leader.kind, leader.start_date, leader.workplace) == ("street_leader", date(2026, 1, 5), "林山寨街道办事处")
    worker = posts[("13800000002", "grid_worker", GRID)]
    assert (worker.kind, worker.full_time, worker.phone) == ("grid_worker", True, "13800000002")
    assert posts[("13800000002", "mediator", COMMUNITY)].full_time is False
    deputy = posts[("13800000003", "deputy", GRID)]
    assert (deputy.kind, deputy.start_date) == ("npc_deputy", date(2024, 3, 1))
    sun2 = get_user_model().objects.get(username="13800000002")
    assert sun2.first_name == "孙二" and not sun2.has_usable_password()
    assert Actor.of(sun2).roles == {"grid_worker", "mediator"}
    assert AuditEvent.objects.filter(action="people.import_roster").exists()
    # the same file again changes nothing
    out = io.StringIO()
    call_command("people", "import-roster", str(_xlsx(tmp_path, rows)), "--json", stdout=out)
    assert json.loads(out.getvalue())["unchanged"] == 4


def test_every_bad_row_is_named_and_nothing_is_written(tmp_path, demo_city):
    before = _state()
    rows = [
        ["周好", "社区", "专职网格员", "13900000001", GRID, "专职", "2026-01-01"],  # fine on its own
        ["", "社区", "专职网格员", "13900000002", GRID, "", ""],  # no name
        ["周三", "社区", "网格霸主", "13900000003", GRID, "", ""],  # unknown post
        ["周四", "社区", "专职网格员", "13900000004", "999999999999999", "", ""],  # unknown grid
        ["周五", "社区", "一级网格长", "13900000005", GRID, "", ""],  # a street leader over a level-3 grid
        ["周六", "社区", "专职网格员", "13900000006", GRID, "兼职", ""],  # 专职 post, 兼职 flag
        ["周七", "社区", "网格员", "13900000007", GRID, "有时", "明天"],  # bad flag, bad date
        ["周好", "社区", "专职网格员", "13900000001", GRID, "专职", ""],  # the same post twice
        ["周八", "社区", "兼职网格员", "", GRID, "", ""],  # no account, no phone
    ]
    with pytest.raises(CommandError):
        call_command("people", "import-roster", str(_xlsx(tmp_path, rows)), stderr=io.StringIO())
    with pytest.raises(RowErrors) as caught:
        import_roster(
            rows=[
                dict(
                    zip(["full_name", "workplace", "kind", "phone", "grid", "full_time", "start_date"], r, strict=True)
                )
                | {"row": i + 2}
                for i, r in enumerate(rows)
            ]
        )
    by_row: dict[int, list[str]] = {}
    for e in caught.value.errors:
        by_row.setdefault(e.row, []).append(e.message)
    assert sorted(by_row) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "姓名" in by_row[3][0]
    assert "网格霸主" in by_row[4][0]
    assert "999999999999999" in by_row[5][0]
    assert "一级网格长" in by_row[6][0]
    assert len(by_row[8]) == 2 and any("明天" in m for m in by_row[8])
    assert "第 2 行" in by_row[9][0]
    assert "账号" in by_row[10][0]
    assert _state() == before, "nothing was written"


def test_a_check_run_writes_nothing(tmp_path, demo_city):
    before = _state()
    out = io.StringIO()
    rows = [["吴查", "社区", "微网格员", "13700000001", GRID, "兼职", ""]]
    # a micro grid worker needs a level-4 grid: the demo has none under GRID, so this row is an error …
    with pytest.raises(CommandError):
        call_command("people", "import-roster", str(_xlsx(tmp_path, rows)), "--check", stderr=out)
    assert "4" in out.getvalue()
    # … and a good row, checked only, is not kept
    rows = [["吴查", "社区", "兼职网格员", "13700000001", GRID, "", ""]]
    out = io.StringIO()
    call_command("people", "import-roster", str(_xlsx(tmp_path, rows)), "--check", "--json", stdout=out)
    assert json.loads(out.getvalue())["created"] == 1
    assert _state() == before


def test_an_unreadable_file_is_one_error(tmp_path, demo_city):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(b"not a workbook")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("people", "import-roster", str(path), stderr=err)
    assert "Excel" in err.getvalue()


def test_the_post_admin_takes_the_communities_roster_form_all_or_nothing(root, demo_city):
    from tests.core.admin_io_util import error_rows, post_import, xlsx_upload

    good = ["郑表", "建设路社区居委会", "兼职网格员", "13600000001", GRID, "", "2026-02-01"]
    bad = ["郑错", "社区", "网格霸主", "13600000002", GRID, "", ""]
    before = _state()
    page = post_import(root, "/admin/people/post/", xlsx_upload([HEADER, good, bad]))
    assert [(row, "网格霸主" in message) for row, _, message in error_rows(page)] == [("3", True)]
    assert _state() == before, "nothing was written"
    answer = post_import(root, "/admin/people/post/", xlsx_upload([HEADER, good]))
    assert answer.status_code == 302
    post = Post.objects.get(user__username="13600000001")
    assert (post.kind, post.full_time, post.start_date) == ("grid_worker", False, date(2026, 2, 1))
    assert AuditEvent.objects.filter(action="people.import_roster", actor=root.user).exists()
    # a file that is neither form gets this list's own complaint
    page = post_import(root, "/admin/people/post/", xlsx_upload([["奇怪的列"], ["x"]]))
    assert error_rows(page) and Post.objects.filter(user__username__startswith="136").count() == 1
