"""代客报修 in the panel: the service desk finds the caller's home as typed ("1幢 101"), picks
the resident bound to it, files the ticket, and the resident has it in the mini-app."""

from __future__ import annotations

import pytest

from backend.authz.roles import StaffRole
from backend.core.db import commit
from tests.browser.test_admin_panel import log_in
from tests.factories import ResidencyFactory, ResidentFactory, StaffFactory, UnitFactory

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright").expect
pytestmark = pytest.mark.browser


def test_the_desk_files_a_ticket_for_a_caller_who_sees_it(
    browser, page, live_stack, db, screenshot
):
    unit = UnitFactory(number="101", building__name="1幢", building__estate__name="嘉绿景苑")
    caller = ResidentFactory(openid="o-demo-zhang", nickname="冯阿姨", name="冯淑芬")
    ResidencyFactory(resident=caller, unit=unit)
    StaffFactory(username="call.kefu", role=StaffRole.service_desk, company=unit.estate.company)
    commit()
    log_in(page, live_stack.backend_url, "call.kefu")
    page.goto(f"{live_stack.backend_url}/admin/tickets")
    page.locator("#take-call").click()
    page.locator("#call-q").fill("1幢 101")
    page.locator("#call-search button").click()
    expect(page.locator("#call-unit-label")).to_contain_text("1幢 101")
    page.locator("#call-source").select_option("phone")
    page.locator("#call-urgency").select_option("urgent")
    page.locator("#call-description").fill("卫生间水管爆了，水流到楼下")
    screenshot("take-call-01-form")
    page.locator("#call-submit").click()
    expect(page.locator("#ticket-source")).to_contain_text("电话代报")
    screenshot("take-call-02-filed")

    page.goto(live_stack.simulator_url)
    page.get_by_test_id("login-user-o-demo-zhang").click()
    expect(page.get_by_test_id("hello")).to_be_visible()
    page.evaluate("location.hash = '#/tickets'")
    expect(page.get_by_test_id("ticket-list")).to_contain_text("卫生间水管爆了")
