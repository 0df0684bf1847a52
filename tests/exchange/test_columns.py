"""Reading a work-order file (exchange/files/columns.py): CSV streamed block by block, its encoding decided
on the whole file, not on its first block."""

import pytest

from gridgov.exchange.files import columns
from gridgov.exchange.files.columns import FileRefused, iter_rows

# no database: the SQLite run covers it (conftest.py: `once`)
pytestmark = pytest.mark.once

HEADER = "工单编号,标题,受理时间\n"


def _write(path, rows: int, encoding: str) -> None:
    path.write_bytes(
        (HEADER + "".join(f"W-{i},第{i}号 路灯不亮,2025-03-04 05:06:07\n" for i in range(rows))).encode(encoding)
    )


def test_a_gb18030_file_whose_first_blocks_read_as_utf8(tmp_path, monkeypatch):
    monkeypatch.setattr(columns, "_BLOCK", 16)  # many blocks; 工单编号 alone spans one
    path = tmp_path / "gbk.csv"
    _write(path, 50, "gb18030")
    path.write_bytes(b"number,title,received_at\n" + path.read_bytes().split(b"\n", 1)[1])  # ASCII header: valid UTF-8
    assert columns._csv_encoding(path) == "gb18030"
    rows = list(iter_rows(path))
    assert len(rows) == 50 and rows[-1]["title"] == "第49号 路灯不亮" and rows[-1]["row"] == 51


def test_utf8_with_its_bom_and_a_file_of_neither(tmp_path, monkeypatch):
    monkeypatch.setattr(columns, "_BLOCK", 7)  # a block boundary inside a character: the decoder carries it over
    path = tmp_path / "utf8.csv"
    _write(path, 20, "utf-8-sig")
    assert columns._csv_encoding(path) == "utf-8-sig"
    assert [r["number"] for r in iter_rows(path)] == [f"W-{i}" for i in range(20)]
    bad = tmp_path / "bad.csv"
    bad.write_bytes(HEADER.encode() + b"\xff\xfe\xff\xff\n")
    with pytest.raises(FileRefused) as refused:
        next(iter_rows(bad))
    assert "GB18030" in refused.value.errors[0].message and refused.value.errors[0].row == 0


def test_blank_and_short_rows(tmp_path):
    path = tmp_path / "orders.csv"
    lines = [HEADER.strip(), "W-1,路灯不亮,2025-03-04 05:06:07", ",,", " ,\t, ", "W-2,井盖缺失", "", "'=1,积水,"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = list(iter_rows(path))
    # blank rows (empty or blank cells, or no cells) are left out; a short row has only the cells it gives
    assert [r["row"] for r in rows] == [2, 5, 7]
    assert rows[1] == {"row": 5, "number": "W-2", "title": "井盖缺失"}
    assert rows[2]["number"] == "'=1" and rows[2]["received_at"] == ""
