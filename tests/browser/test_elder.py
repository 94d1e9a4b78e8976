"""Elder mode (长辈版) in Chromium at 375 px: measured against the MIIT figures, checked
by axe-core, and used end to end — an elderly owner pays a bill, reports a repair and asks
her son for help; he gets the message and pays the other bill."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from backend.accounts.models import ResidencyRole
from backend.fees.models import Bill, BillStatus
from backend.media.audio import tone_clip
from backend.notify.models import Notification
from backend.tickets.models import Ticket
from tests.browser.accessibility import check_page, measure_elder
from tests.browser.conftest import PHONE
from tests.browser.test_simulator import committed
from tests.factories import (
    BillFactory,
    FeeItemFactory,
    OwnerRecordFactory,
    ResidencyFactory,
    ResidentFactory,
    UnitFactory,
)

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright").expect
pytestmark = pytest.mark.browser


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, **PHONE}


@pytest.fixture
def household(db):
    """张伟's mother-in-law's flat: he owns 1幢 101 with her bills; 王芳 is family there."""
    unit = UnitFactory(number="101", building__name="1幢", building__estate__name="嘉绿景苑")
    OwnerRecordFactory(unit=unit)
    owner = ResidentFactory(openid="o-demo-zhang", nickname="张伟（业主）")
    ResidencyFactory(resident=owner, unit=unit)
    family = ResidentFactory(openid="o-demo-wang", nickname="王芳（家属）")
    ResidencyFactory(resident=family, unit=unit, role=ResidencyRole.family)
    item = FeeItemFactory(estate=unit.estate, name="物业服务费")
    bills = [
        BillFactory(unit=unit, fee_item=item, period=date(2026, 11, 1)),
        BillFactory(unit=unit, fee_item=item, period=date(2026, 12, 1)),
    ]
    return unit, owner, family, bills


def family_opens_the_message(browser, live_stack):
    """王芳 signs in on her own phone and opens the newest message, 张伟's 家人求助提醒: her
    browser context (to close) and page."""
    other = browser.new_context(**PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    son = other.new_page()
    son.goto(live_stack.simulator_url)
    son.get_by_test_id("login-user-o-demo-wang").click()
    son.get_by_test_id("tab-messages").click()
    card = son.get_by_test_id("message-card").first
    expect(card).to_contain_text("家人求助提醒")
    expect(card).to_contain_text("张伟")
    card.get_by_test_id("message-open").click()
    return other, son


def _elder_sign_in(page, live_stack, openid: str, query: str = "mode=elder") -> None:
    page.goto(f"{live_stack.simulator_url}?{query}")
    page.get_by_test_id(f"login-user-{openid}").click()
    expect(page.get_by_test_id("elder-pay")).to_be_visible()
    expect(page.get_by_test_id("home-summary")).not_to_contain_text("正在读取")


def _settled(page) -> None:
    page.wait_for_function("document.body.dataset.busy !== 'true'")
    page.wait_for_function("!document.querySelector('.skeleton')")


def test_elder_home_bills_report_and_notices_meet_the_figures(
    page, live_stack, db, household, screenshot
):
    _elder_sign_in(page, live_stack, "o-demo-zhang", "mode=elder&font_scale=1.4")
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    for hash_, name in (
        ("#/home", "elder-01-home"),
        ("#/bills", "elder-02-bills"),
        ("#/tickets/new", "elder-03-report"),
        ("#/boards", "elder-04-notices"),
        ("#/me", "elder-05-settings"),
    ):
        page.evaluate(f"location.hash = '{hash_}'")
        _settled(page)
        screenshot(name)
        # at WeChat's largest font setting: nothing clipped or scrolled sideways
        measure_elder(page, name)
        check_page(page, name)


def test_an_elder_pays_reports_and_asks_family_who_pays(
    browser, page, live_stack, db, household, screenshot, screenshot_dir, tmp_path
):
    unit, _owner, family, bills = household
    _elder_sign_in(page, live_stack, "o-demo-zhang")
    # she pays November's bill
    page.get_by_test_id("elder-pay").click()
    expect(page.get_by_test_id("bill-cell")).to_have_count(2)
    page.get_by_test_id(f"bill-check-{bills[0].id}").check()
    page.get_by_test_id("pay-selected").click()
    page.get_by_test_id("subscribe-allow").click()
    page.get_by_test_id("pay-confirm").click()
    expect(page.get_by_test_id("receipt")).to_be_visible()
    # and asks her family to pay December's
    page.evaluate("location.hash = '#/bills'")
    expect(page.get_by_test_id("bill-cell")).to_have_count(1)
    page.get_by_test_id(f"bill-check-{bills[1].id}").check()
    page.get_by_test_id("ask-family").click()
    expect(page.get_by_test_id("toast")).to_contain_text("已请 1 位家人帮忙")
    screenshot("elder-06-asked-family")
    # she reports a repair from the elder home in one tap
    page.evaluate("location.hash = '#/home'")
    page.get_by_test_id("elder-repair").click()
    page.get_by_test_id("ticket-description").fill("厨房水龙头关不紧，一直滴水")
    # with a voice note: a recording chosen as a file (what WeChat's recorder saves, mp3)
    clip = tmp_path / "语音.mp3"
    clip.write_bytes(tone_clip(4, container="mp3", codec="libmp3lame"))
    page.get_by_test_id("voice-input").set_input_files(str(clip))
    expect(page.get_by_test_id("voice-preview-seconds")).to_have_text("4 秒")
    page.get_by_test_id("submit-ticket").click()
    page.get_by_test_id("subscribe-allow").click()
    expect(page.get_by_test_id("ticket-detail")).to_be_visible()
    expect(page.get_by_test_id("ticket-voice")).to_be_visible()
    screenshot("elder-06b-voice-report")
    tickets = committed(db, sa.select(Ticket))
    assert [t.description for t in tickets] == ["厨房水龙头关不紧，一直滴水"]
    assert tickets[0].voice_note is not None and tickets[0].voice_note.seconds == 4

    # her family member gets the message and pays
    other, son = family_opens_the_message(browser, live_stack)
    try:
        expect(son.get_by_test_id("bill-cell")).to_have_count(1)
        son.get_by_test_id(f"bill-check-{bills[1].id}").check()
        son.get_by_test_id("pay-selected").click()
        son.get_by_test_id("subscribe-allow").click()
        son.get_by_test_id("pay-confirm").click()
        expect(son.get_by_test_id("receipt")).to_be_visible()
        son.screenshot(
            path=str(screenshot("elder-07-family-paid")).replace("elder-07", "elder-07b")
        )
    finally:
        other.close()
    paid = committed(db, sa.select(Bill).where(Bill.unit_id == unit.id))
    assert all(b.status == BillStatus.paid for b in paid)
    kinds = [
        n.kind
        for n in committed(db, sa.select(Notification).where(Notification.resident_id == family.id))
    ]
    assert "family_help" in kinds


def test_the_switch_on_the_home_page_is_remembered_for_the_resident(
    browser, page, live_stack, db, household
):
    """The elder mode chosen on one phone is the resident's setting: another phone (a fresh
    browser, nothing in its storage) opens in it too, and 我的 switches it back."""
    page.goto(live_stack.simulator_url)
    page.get_by_test_id("login-user-o-demo-zhang").click()
    page.get_by_test_id("elder-on").click()
    expect(page.get_by_test_id("elder-pay")).to_be_visible()
    assert page.evaluate("document.documentElement.dataset.mode") == "elder"
    other = browser.new_context(**PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    try:
        phone = other.new_page()
        phone.goto(live_stack.simulator_url)
        phone.get_by_test_id("login-user-o-demo-zhang").click()
        expect(phone.get_by_test_id("elder-pay")).to_be_visible()
        phone.get_by_test_id("tab-me").click()
        switch = phone.get_by_test_id("elder-switch")
        expect(switch).to_have_attribute("aria-checked", "true")
        switch.click()
        expect(phone.get_by_test_id("elder-switch")).to_have_attribute("aria-checked", "false")
        phone.get_by_test_id("tab-home").click()
        expect(phone.get_by_test_id("elder-on")).to_be_visible()
    finally:
        other.close()
