"""Mediation documents: one-page PDFs in the CJK font with a verifying QR code; the
verification page names nobody and refuses a forged code or a changed document."""

from __future__ import annotations

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
