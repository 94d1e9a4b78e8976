"""The shared list screens in a browser (bills and residents): at 1280 px the filter bar,
the count and the sortable headers; at 375 px the rows are cards, the sort is a select and
nothing scrolls sideways."""

from __future__ import annotations

from datetime import date

import pytest

from backend.accounts.models import ResidencyStatus
from backend.authz.roles import StaffRole
from tests.browser.test_admin_panel import log_in
from tests.factories import (
    BillFactory,
    BuildingFactory,
    FeeItemFactory,
    ResidencyFactory,
    ResidentFactory,
    StaffFactory,
    UnitFactory,
)

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright").expect


@pytest.fixture
def lists(db):
    unit = UnitFactory(number="201", building__name="1幢")
    estate = unit.estate
    other = UnitFactory(number="1202", building=BuildingFactory(estate=estate, name="2幢"))
    item = FeeItemFactory(estate=estate, name="物业服务费")
    for month in (9, 10, 11):
        BillFactory(unit=unit, fee_item=item, period=date(2026, month, 1))
    BillFactory(unit=other, fee_item=item, period=date(2026, 11, 1))
    for name, where, status in (
        ("王芳", unit, ResidencyStatus.active),
        ("李强", other, ResidencyStatus.active),
        ("赵敏", other, ResidencyStatus.pending),
    ):
        ResidencyFactory(unit=where, resident=ResidentFactory(name=name), status=status)
    StaffFactory(
        username="lists_admin", name="许文静", role=StaffRole.company_admin, company=estate.company
    )
    db.session.commit()


def _row_ids(page, table: str) -> list[str]:
    return page.eval_on_selector_all(f"#{table} tbody tr", "rows => rows.map(r => r.id)")


def test_bills_and_residents_at_1280_px(page, live_url, lists, screenshot):
    log_in(page, live_url, "lists_admin")
    page.goto(f"{live_url}/admin/bills")
    expect(page.locator("#bills-table-count")).to_have_text("共 4 条")
    first = _row_ids(page, "bills-table")
    page.click("#sort-amount")
    expect(page.locator("th[aria-sort=ascending] #sort-amount")).to_be_visible()
    page.click("#sort-amount")
    expect(page.locator("th[aria-sort=descending] #sort-amount")).to_be_visible()
    page.click("#sort-unit")
    by_unit = _row_ids(page, "bills-table")
    assert sorted(by_unit) == sorted(first)
    page.fill("#bills-q", "2幢 1202")
    page.click("#bills-filter-submit")
    expect(page.locator("#bills-table-count")).to_have_text("共 1 条")
    assert "sort=unit" in page.url  # the filter keeps the sort
    screenshot("lists-01-bills-1280")
    page.click("#bills-filter-reset")
    expect(page.locator("#bills-table-count")).to_have_text("共 4 条")

    page.goto(f"{live_url}/admin/residents")
    expect(page.locator("#residents-table-count")).to_have_text("共 3 条")
    page.select_option("#residents-status", "pending")
    page.click("#residents-filter-submit")
    expect(page.locator("#residents-table-count")).to_have_text("共 1 条")
    expect(page.locator("#residents-table")).to_contain_text("赵敏")
    page.click("#residents-filter-reset")
    page.click("#sort-name")
    names = page.locator("#residents-table tbody td[data-label=姓名]").all_inner_texts()
    page.click("#sort-name")
    assert (
        page.locator("#residents-table tbody td[data-label=姓名]").all_inner_texts() == names[::-1]
    )
    screenshot("lists-02-residents-1280")


def test_bills_and_residents_at_375_px_are_cards(page, live_url, lists, screenshot):
    page.set_viewport_size({"width": 375, "height": 812})
    log_in(page, live_url, "lists_admin")
    for path, table in (("/admin/bills", "bills-table"), ("/admin/residents", "residents-table")):
        page.goto(live_url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path}: {width - 375} px wider than the phone"
        expect(page.locator(f"#{table} thead")).to_be_hidden()  # cards, each cell labelled
        expect(page.locator(f"#{table}-sort")).to_be_visible()  # the sort, without headers
        screenshot(f"lists-03-{table}-375")
    page.select_option("#residents-table-sort", "name")
    page.select_option("#residents-table-dir", "desc")
    page.click("#residents-table-meta button[type=submit]")
    names = page.locator("#residents-table tbody td[data-label=姓名]").all_inner_texts()
    assert names == sorted(names, reverse=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot("lists-04-residents-sorted-375")
