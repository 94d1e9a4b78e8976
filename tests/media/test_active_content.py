"""Finding 10: board attachments with active content are refused with a clear message:
xlsx with macros (any letter case), external/DDE links or embedded (OLE) objects, and PDFs
with JavaScript or launch actions, also when hidden in a compressed stream or an escaped
name. Plain files still pass."""

from __future__ import annotations

import io
import zipfile
import zlib

import pytest

from backend.accounts.models import StaffRole
from backend.media import documents
from backend.media.services import PhotoRefused
from tests.factories import CompanyFactory, StaffFactory
from tests.media.test_documents import PDF, _xlsx


def _with(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_xlsx())) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename in parts:
                data = parts.pop(item.filename)
            target.writestr(item, data)
        for name, data in parts.items():
            target.writestr(name, data)
    return out.getvalue()


def _sheet_with_formula(formula: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(_xlsx())).read("xl/worksheets/sheet1.xml")
    return source.replace(
        b"</sheetData>", b'<row r="9"><c r="A9"><f>' + formula + b"</f></c></row></sheetData>"
    )


def _pdf(body: bytes) -> bytes:
    return b"%PDF-1.4\n" + body + b"\ntrailer<<>>\n%%EOF\n"


def _flate(content: bytes) -> bytes:
    packed = zlib.compress(content)
    return (
        b"5 0 obj<</Length %d/Filter/FlateDecode>>stream\n" % len(packed)
        + packed
        + b"\nendstream endobj"
    )


HOSTILE_XLSX = {
    "lower-case macros": {"xl/vbaproject.bin": b"macro"},
    "upper-case macros": {"XL/VBAPROJECT.BIN": b"macro"},
    "external link": {"xl/externalLinks/externalLink1.xml": b"<externalLink/>"},
    "dde link": {
        "xl/externalLinks/externalLink1.xml": b"<externalLink><ddeLink ddeService='cmd'/>"
    },
    "ole object": {"xl/embeddings/oleObject1.bin": b"\xd0\xcf\x11\xe0"},
    "dde formula": {"xl/worksheets/sheet1.xml": _sheet_with_formula(b"cmd|' /C calc'!A0")},
}

HOSTILE_PDF = {
    "javascript": _pdf(b"1 0 obj<</OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj"),
    "launch": _pdf(b"1 0 obj<</OpenAction<</S/Launch/F(calc.exe)>>>>endobj"),
    "escaped name": _pdf(b"1 0 obj<</OpenAction<</S/Java#53cript/JS(x)>>>>endobj"),
    "compressed": _pdf(_flate(b"<</Type/Action/S/JavaScript/JS(app.alert(1))>>")),
    "embedded file": _pdf(b"1 0 obj<</Names<</EmbeddedFiles 2 0 R>>>>endobj"),
}


@pytest.fixture
def staff(db):
    return StaffFactory(role=StaffRole.company_admin, company=CompanyFactory())


@pytest.mark.parametrize("name", HOSTILE_XLSX)
def test_an_active_workbook_is_refused(staff, name):
    data = _with(dict(HOSTILE_XLSX[name]))
    with pytest.raises(PhotoRefused) as refused:
        documents.upload_document(data, "收支.xlsx", staff_id=staff.id)
    assert refused.value.status == 422 and "宏、外部链接、DDE 或嵌入对象" in str(refused.value)


@pytest.mark.parametrize("name", HOSTILE_PDF)
def test_an_active_pdf_is_refused(staff, name):
    with pytest.raises(PhotoRefused) as refused:
        documents.upload_document(HOSTILE_PDF[name], "公示.pdf", staff_id=staff.id)
    assert "脚本、启动动作或嵌入文件" in str(refused.value)


def test_plain_files_still_pass(staff):
    assert documents.upload_document(PDF, "公示.pdf", staff_id=staff.id).kind == "pdf"
    plain = _pdf(_flate(b"BT /F1 12 Tf (JSON Launchpad) Tj ET"))
    assert documents.upload_document(plain, "b.pdf", staff_id=staff.id).kind == "pdf"
    assert documents.upload_document(_xlsx(), "a.xlsx", staff_id=staff.id).kind == "xlsx"
