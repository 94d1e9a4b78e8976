"""请家人帮忙 on a ticket, in Chromium at 375 px: an elderly owner in elder mode reports a
repair and asks her family for help; her family member opens the message, sees the ticket
(status, text, timeline) and adds a follow-up, which both of them see on the timeline as
the family member's (家人 … 代为补充说明). 催办: both urge, a second urge shows the wait,
and the desk's queue shows 已催办 ×1."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from backend.accounts.models import StaffRole
from backend.tickets.models import TicketEvent
from tests.browser import test_elder
from tests.browser.accessibility import check_page, measure_elder
from tests.browser.conftest import DESKTOP, PHONE, nav_to
from tests.browser.test_admin_panel import log_in
from tests.browser.test_simulator import committed
from tests.factories import StaffFactory

#: the household of tests/browser/test_elder.py (a fixture)
household = test_elder.household

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright").expect
pytestmark = pytest.mark.browser


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, **PHONE}


def test_the_family_member_opens_the_ticket_from_the_message_and_follows_it_up(
    browser,
    page,
    live_stack,
    db,
    household,
    screenshot,
    screenshot_dir,
):
    page.goto(f"{live_stack.simulator_url}?mode=elder")
    page.get_by_test_id("login-user-o-demo-zhang").click()
    page.get_by_test_id("elder-repair").click()
    page.get_by_test_id("ticket-description").fill("卫生间顶上渗水，墙皮起泡")
    page.get_by_test_id("submit-ticket").click()
    page.get_by_test_id("subscribe-allow").click()
    expect(page.get_by_test_id("ticket-detail")).to_be_visible()
    page.get_by_test_id("ask-family").click()
    expect(page.get_by_test_id("toast")).to_contain_text("已请 1 位家人帮忙")
    screenshot("family-01-elder-asked")

    other, son = test_elder.family_opens_the_message(browser, live_stack)
    try:
        detail = son.get_by_test_id("ticket-detail")
        expect(detail).to_be_visible()
        assert "#/family/tickets/" in son.evaluate("location.hash")
        expect(son.get_by_test_id("family-banner")).to_contain_text("张伟")
        expect(son.get_by_test_id("ticket-text")).to_have_text("卫生间顶上渗水，墙皮起泡")
        expect(son.get_by_test_id("ticket-state")).to_contain_text("待受理")
        check_page(son, "family ticket")
        son.screenshot(path=screenshot_dir / "family-02-opened.png", full_page=True)
        son.get_by_test_id("follow-up-note").fill("我妈白天在家，师傅上门前请先打我电话")
        son.get_by_test_id("submit-follow-up").click()
        item = son.locator('[data-testid="ticket-timeline"] [data-action="follow_up"]')
        expect(item).to_contain_text("代为补充说明")
        expect(item).to_contain_text("家人 王芳")
        expect(item).to_contain_text("师傅上门前请先打我电话")
        son.screenshot(path=screenshot_dir / "family-03-followed-up.png", full_page=True)
    finally:
        other.close()
    [event] = committed(db, sa.select(TicketEvent).where(TicketEvent.action == "follow_up"))
    assert event.resident_id == household[2].id

    # the elder sees her family's note on her own ticket, in elder mode
    page.reload()
    item = page.locator('[data-testid="ticket-timeline"] [data-action="follow_up"]')
    expect(item).to_contain_text("家人 王芳")
    measure_elder(page, "elder ticket with a family follow-up")
    screenshot("family-04-elder-sees")


def _report(page, description: str) -> None:
    page.get_by_test_id("elder-repair").click()
    page.get_by_test_id("ticket-description").fill(description)
    page.get_by_test_id("submit-ticket").click()
    page.get_by_test_id("subscribe-allow").click()
    expect(page.get_by_test_id("ticket-detail")).to_be_visible()


def test_the_elder_and_her_family_urge_and_the_desk_sees_it(
    browser, page, live_stack, db, household, screenshot, screenshot_dir
):
    """催办 in elder mode: no pop-up, a 60 px button; a second urge is refused on the page
    with the wait; the family member urges the ticket she was asked about; the desk's queue
    shows 已催办 ×1 on both."""
    unit = household[0]
    StaffFactory(username="urge-desk", role=StaffRole.service_desk, company=unit.estate.company)
    page.goto(f"{live_stack.simulator_url}?mode=elder")
    page.get_by_test_id("login-user-o-demo-zhang").click()
    _report(page, "楼道窗户玻璃破了，风很大")
    button = page.get_by_test_id("urge-ticket")
    expect(button).to_be_enabled()
    button.click()
    expect(page.get_by_test_id("toast")).to_contain_text("已催办")
    expect(page.get_by_test_id("urge-ticket")).to_be_disabled()
    expect(page.get_by_test_id("urge-reason")).to_have_text("已催办，请于 24 小时后再试")
    expect(page.get_by_test_id("urge-count")).to_contain_text("已催办 1 次")
    urge = page.locator('[data-testid="ticket-timeline"] [data-action="urge"]')
    expect(urge).to_contain_text("催办")
    page.wait_for_load_state("networkidle")
    measure_elder(page, "elder ticket after an urge")
    check_page(page, "urged ticket")
    screenshot("urge-01-elder-urged")

    # a second ticket, which she asks her family to follow
    page.evaluate("location.hash = '#/home'")
    _report(page, "卫生间顶上渗水，墙皮起泡")
    page.get_by_test_id("ask-family").click()
    expect(page.get_by_test_id("toast")).to_contain_text("已请 1 位家人帮忙")

    other, son = test_elder.family_opens_the_message(browser, live_stack)
    try:
        expect(son.get_by_test_id("family-banner")).to_be_visible()
        son.get_by_test_id("urge-ticket").click()
        item = son.locator('[data-testid="ticket-timeline"] [data-action="urge"]')
        expect(item).to_contain_text("代为催办")
        expect(item).to_contain_text("家人 王芳")
        expect(son.get_by_test_id("urge-ticket")).to_be_disabled()
        expect(son.get_by_test_id("urge-reason")).to_contain_text("请于 24 小时后再试")
        check_page(son, "family ticket after an urge")
        son.screenshot(path=screenshot_dir / "urge-02-family-urged.png", full_page=True)
    finally:
        other.close()
    urges = committed(db, sa.select(TicketEvent).where(TicketEvent.action == "urge"))
    assert sorted(e.resident_id for e in urges) == sorted([household[1].id, household[2].id])

    desk = browser.new_context(**DESKTOP, locale="zh-CN", timezone_id="Asia/Shanghai")
    try:
        panel = desk.new_page()
        log_in(panel, live_stack.backend_url, "urge-desk")
        nav_to(panel, "工单")
        expect(panel.locator(".urge-badge")).to_have_count(2)
        expect(panel.locator(".urge-badge").first).to_have_text("已催办 ×1")
        panel.screenshot(path=screenshot_dir / "urge-03-queue.png", full_page=True)
    finally:
        desk.close()
