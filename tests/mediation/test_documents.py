"""Mediation documents: PDFs in the CJK font with a verifying QR code; the
verification page names nobody and refuses a forged code or a changed document."""

from __future__ import annotations

import io

from pypdf import PdfReader

from backend.core.db import commit
from backend.mediation import documents, services
from backend.mediation.models import CaseState
from tests.admin.conftest import login
from tests.mediation.conftest import PNG
from tests.mediation.test_states import case_in


def test_the_agreement_pdf_is_one_page_in_the_cjk_font(client, world):
    case = case_in(world, CaseState.in_effect)
    commit()
    login(client, world.officer)
    response = client.get(f"/admin/mediation/{case.id}/documents/agreement.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF") and b"/STSong-Light" in response.data
    assert b"/Count 1" in response.data
    for document in ("application", f"session-{case.sessions[0].id}"):
        assert client.get(f"/admin/mediation/{case.id}/documents/{document}.pdf").status_code == 200
    assert client.get(f"/admin/mediation/{case.id}/documents/other.pdf").status_code == 404
    login(client, world.other_officer)
    assert client.get(f"/admin/mediation/{case.id}/documents/agreement.pdf").status_code == 404


def test_a_long_agreement_goes_on_to_more_pages_and_nothing_is_cut(client, world):
    case = case_in(world, CaseState.in_effect)
    clause = "第{0}条：乙方于本月{0}日前修复漏水并赔偿损失人民币{0}00元。"
    case.agreement = "".join(clause.format(n) for n in range(1, 80))
    commit()
    login(client, world.officer)
    response = client.get(f"/admin/mediation/{case.id}/documents/agreement.pdf")
    pages = PdfReader(io.BytesIO(response.data)).pages
    texts = [page.extract_text() for page in pages]
    assert len(pages) >= 3
    # the whole agreement is on paper, in order, whatever the page breaks
    bodies = [text.split(f"M{case.id} 人民调解协议书  第")[0] for text in texts]
    assert case.agreement in "".join(body.replace("\n", "") for body in bodies)
    short = documents.digest(case, "agreement")[:32]
    for number, text in enumerate(texts, start=1):
        assert f"第 {number} 页，共 {len(pages)} 页" in text and short in text
    assert "全文以调解委员会存档为准" not in "".join(texts)


def test_the_qr_code_verifies_the_document_without_names(client, world):
    case = case_in(world, CaseState.in_effect)
    commit()
    page = client.get(f"/mediation/verify/{documents.code(case, 'agreement')}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "人民调解协议书" in text and f"M{case.id}" in text
    assert "协议已生效" in text
    assert "张伟" not in text and case.agreement not in text
    forged = client.get(f"/mediation/verify/{documents.code(case, 'agreement')}x")
    assert forged.status_code == 404 and "无法核验" in forged.get_data(as_text=True)


def test_a_changed_document_no_longer_verifies(client, world):
    case = case_in(world, CaseState.agreed)
    printed = documents.code(case, "agreement")
    commit()
    assert client.get(f"/mediation/verify/{printed}").status_code == 200
    party = case.parties[0]
    from backend.mediation.models import SignatureMethod

    services.sign(case, "agreement", f"party-{party.id}", SignatureMethod.drawn, PNG)
    commit()
    assert client.get(f"/mediation/verify/{printed}").status_code == 404
    assert client.get(f"/mediation/verify/{documents.code(case, 'agreement')}").status_code == 200
