"""Documents (PDF, xlsx) for board attachments: sniffed from the bytes, size-bounded,
handed out only by signed URL as a download."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from backend.accounts.models import StaffRole
from backend.media import documents
from backend.media.services import PhotoRefused
from tests.factories import CompanyFactory, StaffFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _xlsx() -> bytes:
    out = io.BytesIO()
    book = Workbook()
    book.active["A1"] = "公共收益"
    book.save(out)
    return out.getvalue()


def test_pdf_and_xlsx_are_recognised_by_their_bytes():
    assert documents.sniff_document(PDF) == "pdf"
    assert documents.sniff_document(_xlsx()) == "xlsx"


@pytest.mark.parametrize(
    "data",
    [
        b"<html><script>alert(1)</script></html>",
        b"%PDF-1.4 cut off",
        b"PK\x03\x04 not a zip",
        b"MZ\x90\x00",
    ],
)
def test_anything_else_is_not_a_document(data):
    assert documents.sniff_document(data) is None


def test_a_workbook_with_macros_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_xlsx())) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr("xl/vbaProject.bin", b"macro")
    data = out.getvalue()
    assert documents.active_content(data, documents.sniff_document(data)) == documents.XLSX_ACTIVE


def test_the_name_is_cleaned_and_takes_the_sniffed_extension():
    assert documents.clean_filename("../../收支表<script>.exe", "pdf") == "收支表script.pdf"
    assert documents.clean_filename("", "xlsx") == "附件.xlsx"


def test_upload_stores_and_serves_a_download_by_signed_url(client, db):
    staff = StaffFactory(role=StaffRole.company_admin, company=CompanyFactory())
    document = documents.upload_document(PDF, "公示.pdf", staff_id=staff.id)
    with client.application.test_request_context():
        view = documents.document_view(document)
    db.session.commit()
    response = client.get(view["url"])
    assert response.status_code == 200 and response.data == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert client.get(view["url"].split("?")[0]).status_code == 403


def test_too_large_or_wrong_type_is_refused(app, db):
    staff = StaffFactory(role=StaffRole.company_admin, company=CompanyFactory())
    with pytest.raises(PhotoRefused) as refused:
        documents.upload_document(b"not a pdf", "a.pdf", staff_id=staff.id)
    assert refused.value.status == 422
    app.config["DOCUMENT_MAX_BYTES"], limit = 10, app.config["DOCUMENT_MAX_BYTES"]
    try:
        with pytest.raises(PhotoRefused) as refused:
            documents.upload_document(PDF, "a.pdf", staff_id=staff.id)
        assert refused.value.status == 413
    finally:
        app.config["DOCUMENT_MAX_BYTES"] = limit


def test_a_document_is_attached_once_and_only_by_its_uploader(db):
    from backend.core.errors import Invalid

    staff = StaffFactory(role=StaffRole.company_admin, company=CompanyFactory())
    other = StaffFactory(role=StaffRole.company_admin, company=CompanyFactory())
    document = documents.upload_document(PDF, "a.pdf", staff_id=staff.id)
    with pytest.raises(Invalid):
        documents.attach_documents([document.id], staff_id=other.id)
    assert documents.attach_documents([document.id], staff_id=staff.id) == [document]
    with pytest.raises(Invalid):
        documents.attach_documents([document.id], staff_id=staff.id)
