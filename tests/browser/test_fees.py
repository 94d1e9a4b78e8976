"""Fees in Chromium: a resident pays two bills in the simulator (through the fake WeChat Pay
sheet, whose signed notification credits them) and sees the receipt; staff record a counter
payment in the panel, and the receipt's QR page verifies it."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from backend.authz.roles import StaffRole
from backend.fees.models import Bill, BillStatus, Payment, PaymentNotification
from tests.browser.conftest import PHONE
from tests.browser.test_admin_panel import csrf_on, log_in  # noqa: F401  (CSRF on, as in production)
from tests.browser.test_simulator import sign_in
from tests.factories import (
    BillFactory,
    FeeItemFactory,
    OwnerRecordFactory,
    ResidencyFactory,
    ResidentFactory,
    StaffFactory,
    UnitFactory,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright").expect
pytestmark = pytest.mark.browser


def _two_bills(unit):
    item = FeeItemFactory(estate=unit.estate, name="物业服务费")
    return [
        BillFactory(unit=unit, fee_item=item, period=date(2026, 10, 1)),
        BillFactory(unit=unit, fee_item=item, period=date(2026, 11, 1)),
    ]


def committed(db, stmt) -> list:
    db.session.rollback()
    return list(db.session.scalars(stmt))


class TestSimulator:
    @pytest.fixture
    def browser_context_args(self, browser_context_args):
        return {**browser_context_args, **PHONE}

    def test_a_resident_pays_two_bills_and_sees_the_receipt(
        self, page: Page, live_stack, db, screenshot
    ):
        unit = UnitFactory(number="1101", building__name="8幢", building__estate__name="嘉绿景苑")
        OwnerRecordFactory(unit=unit)
        resident = ResidentFactory(openid="o-demo-zhang", nickname="张伟（业主）")
        ResidencyFactory(resident=resident, unit=unit)
        bills = _two_bills(unit)
        total = sum(b.amount_fen for b in bills)
        sign_in(page, live_stack, "o-demo-zhang", "张伟（业主）")

        page.get_by_test_id("home-pay").click()
        expect(page.get_by_test_id("bill-cell")).to_have_count(2)
        for bill in bills:
            page.get_by_test_id(f"bill-check-{bill.id}").check()
        expect(page.get_by_test_id("pay-total")).to_have_text(
            f"¥{total // 100:,}.{total % 100:02d}"
        )
        screenshot("fees-01-simulator-bills")
        page.get_by_test_id("pay-selected").click()
        # the tap asks for consent to the receipt and reminder messages first
        sheet = page.get_by_test_id("subscribe-sheet")
        expect(sheet).to_contain_text("缴费成功通知")
        screenshot("fees-02a-simulator-pay-consent")
        page.get_by_test_id("subscribe-allow").click()
        expect(page.get_by_test_id("pay-sheet")).to_be_visible()
        screenshot("fees-02-simulator-pay-sheet")
        page.get_by_test_id("pay-confirm").click()

        receipt = page.get_by_test_id("receipt")
        expect(receipt).to_be_visible()
        expect(page.get_by_test_id("receipt-amount")).to_have_text(
            f"¥{total // 100:,}.{total % 100:02d}"
        )
        expect(page.get_by_test_id("receipt-qr")).to_be_visible()
        page.wait_for_function(
            "document.querySelector('[data-testid=receipt-qr]').naturalWidth > 0"
        )
        screenshot("fees-03-simulator-receipt")
        paid = committed(db, sa.select(Bill).where(Bill.id.in_([b.id for b in bills])))
        assert all(b.status == BillStatus.paid for b in paid)
        assert len(committed(db, sa.select(Payment))) == 1
        assert committed(db, sa.select(PaymentNotification))[0].outcome.value == "credited"

        page.get_by_test_id("receipt-verify").evaluate("a => a.removeAttribute('target')")
        page.get_by_test_id("receipt-verify").click()
        expect(page.locator("#receipt-status")).to_contain_text("有效")
        screenshot("fees-04-receipt-verified")


def test_staff_record_a_counter_payment_and_the_qr_page_verifies_it(
    page: Page, live_url, db, screenshot
):
    unit = UnitFactory(number="2-1202", building__name="2幢", building__estate__name="紫桂花园")
    OwnerRecordFactory(unit=unit)
    bills = _two_bills(unit)
    StaffFactory(
        username="lvting.kefu",
        name="许文静",
        role=StaffRole.service_desk,
        company=unit.estate.company,
    )
    log_in(page, live_url, "lvting.kefu")

    page.goto(f"{live_url}/admin/bills?status=unpaid")
    page.get_by_label(f"选择账单 {bills[0].id}").check()
    page.get_by_label(f"选择账单 {bills[1].id}").check()
    page.locator("#pay-method").select_option("cash")
    page.locator("#payer-name").fill("王先生")
    screenshot("fees-05-panel-counter")
    page.locator("#record-payment").click()

    expect(page.locator("#receipt-no")).to_be_visible()
    receipt_no = page.locator("#receipt-no").inner_text()
    expect(page.locator("#receipt-qr")).to_be_visible()
    screenshot("fees-06-panel-receipt")
    verify = page.locator("#verify-link").get_attribute("href")
    assert re.match(r"^http://127\.0\.0\.1:\d+/receipts/", verify)

    page.goto(verify)
    expect(page.locator("#receipt-no")).to_have_text(receipt_no)
    expect(page.locator("#receipt-unit")).to_have_text("2幢 ****02")
    expect(page.locator("#receipt-status")).to_contain_text("有效")
    screenshot("fees-07-receipt-verify-page")
    page.goto(verify[:-3] + ("AAA" if not verify.endswith("AAA") else "BBB"))
    expect(page.locator("#receipt-invalid")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text(receipt_no)

    page.set_viewport_size(PHONE["viewport"])
    page.goto(f"{live_url}/admin/bills")
    screenshot("fees-08-panel-bills-phone")
