"""Mediation from end to end in Chromium: a resident escalates an unsatisfying ticket in
the simulator, the street officer accepts in the panel, both parties consent, a session is
recorded, the agreement is written, the resident signs it by drawing, the mediator signs
and the committee seals, and the agreement is printed as a PDF whose QR code verifies.
Screenshots in test-artifacts/screenshots/."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from backend.accounts.models import StaffRole
from backend.core.db import commit
from backend.mediation import documents, services
from backend.mediation.models import CaseState, MediationCase
from backend.tickets import services as tickets
from backend.tickets.models import TicketKind, TicketState
from tests.browser.conftest import PHONE
from tests.browser.test_admin_panel import log_in
from tests.factories import ResidencyFactory, ResidentFactory, StaffFactory

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright").expect
pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def _case(db) -> MediationCase:
    db.session.rollback()
    return db.session.scalars(sa.select(MediationCase)).one()


def test_escalate_consent_sign_and_print(page, browser, live_stack, db, screenshot_dir):
    resident = ResidentFactory(openid="o-demo-zhang", nickname="张伟（业主）", name="张伟")
    residency = ResidencyFactory(
        resident=resident, unit__number="1101", unit__building__name="8幢",
        unit__building__estate__name="嘉绿景苑",
    )  # fmt: skip
    estate = residency.unit.building.estate
    officer = StaffFactory(username="jiedao", name="钱文博", role=StaffRole.street_officer,
                           street_id=estate.street_id)  # fmt: skip
    second = StaffFactory(role=StaffRole.street_officer, street_id=estate.street_id, name="周慧敏")
    third = StaffFactory(role=StaffRole.street_officer, street_id=estate.street_id, name="吴建国")
    admin = StaffFactory(role=StaffRole.company_admin, company=estate.company)
    for member in (officer, second, third):
        services.add_mediator(officer, member.id)
    ticket, _ = tickets.create_ticket(
        resident, kind=TicketKind.complaint, estate_id=estate.id, location="8幢楼下",
        description="楼下商铺油烟扰民，物业处理后仍未解决",
    )  # fmt: skip
    ticket.state = TicketState.closed
    commit()

    # --- the resident asks for mediation from the ticket, on a phone ------------------------
    phone = browser.new_context(**PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    sim = phone.new_page()
    sim.goto(live_stack.simulator_url)
    sim.get_by_test_id("login-user-o-demo-zhang").click()
    expect(sim.get_by_test_id("hello")).to_have_text("你好，张伟（业主）")
    sim.goto(f"{live_stack.simulator_url}#/tickets/{ticket.id}")
    sim.get_by_test_id("ask-mediation").click()
    sim.get_by_test_id("mediation-category").select_option("neighbours")
    sim.get_by_test_id("mediation-matter").fill("油烟扰民，希望物业协调商铺加装净化设备")
    _shot(sim, screenshot_dir, "mediation-01-simulator-request")
    sim.get_by_test_id("mediation-submit").click()
    expect(sim.get_by_test_id("mediation-state")).to_have_text("待受理")
    case = _case(db)

    # --- the street officer accepts in the panel ---------------------------------------------
    log_in(page, live_stack.backend_url, "jiedao")
    page.goto(f"{live_stack.backend_url}/admin/mediation/{case.id}")
    page.locator("#form-accept button[type=submit]").click()
    expect(page.locator("#case-state")).to_have_text("已受理，待双方同意")

    # --- both parties consent: the company in the panel's service, the resident on the phone --
    services.staff_answer(admin, case.id, _case(db).parties[1].id, True, "同意调解")
    commit()
    sim.reload()
    sim.get_by_test_id("mediation-consent").click()
    expect(sim.get_by_test_id("mediation-state")).to_have_text("双方同意调解")

    # --- a session and the agreement, recorded by the mediator -------------------------------
    page.reload()
    page.locator("#form-record_session input[name=attendees]").fill("张伟、嘉禾物业、调解员钱文博")
    page.locator("#form-record_session textarea[name=record]").fill("双方陈述，物业承诺协调商铺。")
    page.locator("#form-record_session button[type=submit]").click()
    expect(page.locator("#case-state")).to_have_text("调解中")
    page.locator("#form-agree textarea[name=agreement]").fill(
        "物业于 30 日内督促商铺加装油烟净化器。"
    )
    page.locator("#form-agree button[type=submit]").click()
    expect(page.locator("#case-state")).to_have_text("达成协议，待签署")
    _shot(page, screenshot_dir, "mediation-02-panel-agreed")

    # --- the resident signs by drawing -------------------------------------------------------
    sim.reload()
    pad = sim.get_by_test_id("signature-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    sim.mouse.move(box["x"] + 20, box["y"] + 70)
    sim.mouse.down()
    for i in range(1, 12):
        sim.mouse.move(box["x"] + 20 + i * 20, box["y"] + 70 + (15 if i % 2 else -15))
    sim.mouse.up()
    _shot(sim, screenshot_dir, "mediation-03-simulator-sign")
    sim.get_by_test_id("signature-submit").click()
    # the resident is no longer among those who still have to sign
    expect(sim.get_by_test_id("mediation-agreement")).not_to_contain_text("申请人 张伟")

    # --- the company (scan), the mediator and the committee's seal ---------------------------
    case = _case(db)
    company = next(f"party-{p.id}" for p in case.parties if p.company_id)
    services.staff_sign(officer, case.id, "agreement", company, "scan", "纸质签署扫描件")
    services.staff_sign(
        officer,
        case.id,
        "agreement",
        "mediator",
        "drawn",
        "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg",
    )
    services.staff_sign(second, case.id, "agreement", "committee", "seal")
    commit()
    assert _case(db).state == CaseState.in_effect
    page.reload()
    expect(page.locator("#case-state")).to_have_text("协议已生效")
    _shot(page, screenshot_dir, "mediation-04-panel-in-effect")

    # --- printed: the PDF, and its QR code's page verifies it --------------------------------
    pdf = page.request.get(
        f"{live_stack.backend_url}/admin/mediation/{case.id}/documents/agreement.pdf"
    )
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    page.goto(f"{live_stack.backend_url}/admin/mediation/{case.id}/agreement")
    _shot(page, screenshot_dir, "mediation-05-agreement-print")
    code = documents.code(_case(db), "agreement")
    sim.goto(f"{live_stack.backend_url}/mediation/verify/{code}")
    expect(sim.locator("#document-title")).to_have_text("人民调解协议书")
    expect(sim.locator("#document-state")).to_have_text("协议已生效")
    _shot(sim, screenshot_dir, "mediation-06-verify")
    phone.close()


def _shot(page, screenshot_dir, name: str) -> None:
    page.screenshot(path=screenshot_dir / f"{name}.png", animations="disabled", caret="hide")
