"""Consent and the message center in the H5 simulator, as issue 7 describes it.

A resident asks to bind, is asked for subscribe-message consent, allows one template and
refuses another. The allowed event arrives as a WeChat message (the fake server's list) and
in the message center; the refused one only in the message center. Reading a message makes
the unread count go down.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from backend.accounts import services as accounts
from backend.accounts.models import Residency, Resident
from backend.core.db import commit
from backend.notify import notify_resident
from backend.notify.models import SubscriptionConsent
from tests.browser.conftest import PHONE
from tests.browser.test_simulator import committed, sign_in
from tests.factories import StaffFactory, UnitFactory

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright").expect
pytestmark = pytest.mark.browser

OPENID = "o-demo-wang"


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, **PHONE}


def _request_binding(page: Page, unit) -> None:
    page.get_by_test_id("home-bind-request").click()
    page.get_by_test_id(f"estate-option-{unit.estate_id}").click()
    page.get_by_test_id(f"building-option-{unit.building_id}").click()
    page.get_by_test_id(f"unit-option-{unit.id}").click()
    page.get_by_test_id("role-family").click()
    page.get_by_test_id("applicant-name").fill("王芳")
    page.get_by_test_id("applicant-phone").fill("13600002222")
    page.get_by_test_id("request-submit").click()


def test_allowed_event_reaches_wechat_and_the_refused_one_only_the_message_center(
    page, live_stack, db, fake_wechat, screenshot
):
    unit = UnitFactory(number="0801", building__name="7幢", building__estate__name="翠苑一区")
    sign_in(page, live_stack, OPENID, "王芳（家属）")

    _request_binding(page, unit)
    sheet = page.get_by_test_id("subscribe-sheet")
    expect(sheet).to_contain_text("向你发送以下消息")
    options = page.get_by_test_id("subscribe-option")
    expect(options).to_have_count(3)
    # allow "binding approved", refuse "bill issued" and "notice"
    page.locator('[data-testid=subscribe-option][data-template="tmpl-bill-issued"] input').uncheck()
    page.locator(
        '[data-testid=subscribe-option][data-template="tmpl-must-read-notice"] input'
    ).uncheck()
    screenshot("messages-01-consent-sheet")
    page.get_by_test_id("subscribe-allow").click()
    expect(page.get_by_test_id("request-result")).to_have_attribute("data-status", "pending")

    consents = committed(
        db, sa.select(SubscriptionConsent).join(Resident).where(Resident.openid == OPENID)
    )
    assert {c.template_id: c.remaining for c in consents} == {
        "tmpl-residency-active": 1,
        "tmpl-bill-issued": 0,
        "tmpl-must-read-notice": 0,
    }
    assert fake_wechat.consents(OPENID) == {"tmpl-residency-active": 1}

    # staff approve the binding, then a bill is issued: two events
    [residency] = committed(
        db, sa.select(Residency).join(Resident).where(Resident.openid == OPENID)
    )
    accounts.approve_residency(StaffFactory(), residency.id)
    commit()
    notify_resident(
        residency.resident_id,
        "bill_issued",
        estate_id=unit.estate_id,
        unit_label="翠苑一区 7幢0801",
        item_name="物业服务费 2026年12月",
        amount_fen=123450,
        due_on=date(2026, 12, 31),
    )
    commit()

    delivered = fake_wechat.messages(OPENID)
    assert [m["template_id"] for m in delivered] == ["tmpl-residency-active"]

    page.get_by_test_id("go-home").click()
    badge = page.get_by_test_id("message-badge")
    expect(badge).to_have_text("2")
    page.get_by_test_id("tab-messages").click()
    cards = page.get_by_test_id("message-card")
    expect(cards).to_have_count(2)
    bill = page.locator('[data-testid=message-card][data-event="bill_issued"]')
    binding = page.locator('[data-testid=message-card][data-event="binding_approved"]')
    expect(bill.get_by_test_id("message-title")).to_have_text("物业费账单通知")
    expect(bill).to_contain_text("¥1,234.50")
    expect(bill.get_by_test_id("message-channel")).to_have_text("仅站内消息")
    expect(binding.get_by_test_id("message-channel")).to_have_text("已发送至微信")
    expect(binding).to_contain_text("7幢 0801")
    expect(bill).to_have_attribute("data-read", "false")
    screenshot("messages-02-message-center")

    binding.get_by_test_id("message-open").click()
    expect(page.get_by_test_id("page")).to_have_attribute("data-route", "/units")
    expect(badge).to_have_text("1")
    screenshot("messages-03-after-reading-one")
    page.get_by_test_id("tab-messages").click()
    expect(
        page.locator('[data-testid=message-card][data-event="binding_approved"]')
    ).to_have_attribute("data-read", "true")
    expect(page.locator('[data-testid=message-card][data-event="bill_issued"]')).to_have_attribute(
        "data-read", "false"
    )
