"""The safety tasks list (维保任务) in Chromium: at 1280 px a company admin opens it from
the top bar, sorts by estate and narrows it to the overdue tasks, which the home's count
opens too; at 375 px the rows are cards with each cell labelled and nothing scrolls
sideways. Screenshots in test-artifacts/screenshots/."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.accounts.models import StaffRole
from backend.core.db import commit
from backend.core.time import local_today
from backend.safety.models import EquipmentKind
from tests.browser.conftest import DESKTOP, PHONE, nav_to
from tests.browser.test_admin_panel import log_in
from tests.factories import CompanyFactory, EstateFactory, StaffFactory
from tests.safety.conftest import equipment_task

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright").expect
pytestmark = pytest.mark.browser

EQUIPMENT = (
    ("嘉绿景苑", EquipmentKind.lift, "1幢1号梯", "half_month", -4),
    ("嘉绿景苑", EquipmentKind.hydrant, "东门室外消火栓", "month", 0),
    ("翠苑一区", EquipmentKind.lift, "3幢2号梯", "quarter", 12),
    ("翠苑一区", EquipmentKind.fire_pump, "地下泵房消防泵", "month", -1),
)


def _company() -> None:
    jiahe = CompanyFactory(name="杭州嘉禾物业")
    estates = {name: EstateFactory(name=name, company=jiahe) for name in ("嘉绿景苑", "翠苑一区")}
    StaffFactory(username="jiahe.admin", name="林晓峰", role=StaffRole.company_admin, company=jiahe)
    today = local_today()
    for estate, kind, name, item, days in EQUIPMENT:
        equipment_task(estates[estate].id, kind, name, item, today + timedelta(days=days))
    commit()


@pytest.fixture
def browser_context_args() -> dict:
    return {**DESKTOP, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


def test_the_tasks_list_at_1280_px_sorts_and_filters(page, live_url, db, screenshot):
    _company()
    log_in(page, live_url, "jiahe.admin")
    overdue_count = page.locator("#todo-safety_tasks-overdue")
    expect(overdue_count).to_have_text("2")

    nav_to(page, "维保任务")
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("检查与维保任务")
    expect(page.locator("#safety-tasks-count")).to_have_text("共 4 条")
    rows = page.locator("#safety-tasks tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text("已逾期 4 天")  # by due date, the earliest first
    page.locator("#sort-estate").click()
    page.wait_for_load_state()
    expect(rows.first.locator('td[data-label="小区"]')).to_have_text("嘉绿景苑")
    page.locator("#sort-estate").click()
    page.wait_for_load_state()
    expect(rows.first.locator('td[data-label="小区"]')).to_have_text("翠苑一区")

    page.locator("#safety-tasks-state").select_option("overdue")
    page.locator("#safety-tasks-filter-submit").click()
    page.wait_for_load_state()
    expect(page.locator("#safety-tasks-count")).to_have_text("共 2 条")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    screenshot("safety-tasks-1280")

    # the home's count opens the same list
    page.goto(f"{live_url}/admin/")
    overdue_count.click()
    page.wait_for_load_state()
    expect(page.locator("#safety-tasks-count")).to_have_text("共 2 条")
    expect(page.locator("#safety-tasks-state")).to_have_value("overdue")


def test_the_tasks_list_at_375_px_is_cards(browser, live_url, db, screenshot_dir):
    _company()
    phone = browser.new_context(**PHONE, locale="zh-CN", timezone_id="Asia/Shanghai").new_page()
    log_in(phone, live_url, "jiahe.admin")
    phone.goto(f"{live_url}/admin/safety/tasks")
    phone.wait_for_load_state()

    expect(phone.locator("#safety-tasks-count")).to_have_text("共 4 条")
    expect(phone.locator("#safety-tasks thead")).to_be_hidden()
    cell = phone.locator('#safety-tasks tbody tr td[data-label="设备"]').first
    expect(cell).to_be_visible()
    label = cell.evaluate("td => getComputedStyle(td, '::before').content")
    assert "设备" in label
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.screenshot(path=screenshot_dir / "safety-tasks-375.png", full_page=True)
    phone.context.close()
