"""The admin panel in Chromium: log in, import units from Excel, make an invite QR, approve
a pending binding — with CSRF protection switched on, as in production."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import TYPE_CHECKING

import openpyxl
import pytest
import sqlalchemy as sa

from backend.accounts.models import Invite, Residency, ResidencyStatus
from backend.authz.roles import StaffRole
from backend.org.models import Unit
from tests.browser.conftest import PHONE, nav_to
from tests.factories import (
    TEST_PASSWORD,
    BuildingFactory,
    ResidencyFactory,
    StaffFactory,
    UnitFactory,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright").expect
pytestmark = pytest.mark.browser

HEADERS = ["楼栋", "房号", "楼层", "面积", "面积来源", "开发商持有", "业主姓名", "业主手机"]


@pytest.fixture(autouse=True)
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


@pytest.fixture
def company_admin(db):
    building = BuildingFactory(name="1幢")
    admin = StaffFactory(
        username="jiahe.admin",
        name="林晓峰",
        role=StaffRole.company_admin,
        company=building.estate.company,
    )
    return admin, building


def committed(db, stmt) -> list:
    """Rows as the browser's requests left them (end the test's own read snapshot first)."""
    db.session.rollback()
    return list(db.session.scalars(stmt))


def log_in(page: Page, live_url: str, username: str) -> None:
    page.goto(f"{live_url}/admin/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.locator("#login-button").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("您好")


def units_workbook(path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    sheet.append(["1幢", "101", 1, 89.12, "不动产登记", "否", "张伟", "13800000001"])
    sheet.append(
        ["1幢", "102", 1, "102.35", "测绘", "否", "李娜、王强", "13800000002、13800000003"]
    )
    sheet.append(["2幢", "201", 2, "143.92", "合同", "是", "", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(buffer.getvalue())


def test_log_in_import_units_make_invite_and_approve_binding(
    page, live_url, db, company_admin, screenshot, tmp_path
):
    admin, building = company_admin
    estate = building.estate
    pending = ResidencyFactory(
        unit=UnitFactory(building=building, number="301"),
        status=ResidencyStatus.pending,
        source=None,
        applicant_name="赵磊",
        applicant_phone="13900000004",
    )

    log_in(page, live_url, admin.username)
    screenshot("admin-01-dashboard")

    # import an Excel file of units
    workbook = tmp_path / "units.xlsx"
    units_workbook(workbook)
    page.goto(f"{live_url}/admin/estates/{estate.id}/import")
    page.locator("#import-file").set_input_files(str(workbook))
    page.locator("#import-button").click()
    expect(page.locator("#report-units-created")).to_have_text("3")
    expect(page.locator("#report-buildings-created")).to_have_text("1")
    screenshot("admin-02-import-report")
    imported = committed(db, sa.select(Unit).where(Unit.number.in_(["101", "102", "201"])))
    assert sorted((u.number, u.area) for u in imported) == [
        ("101", Decimal("89.12")),
        ("102", Decimal("102.35")),
        ("201", Decimal("143.92")),
    ]

    # generate an invite QR for one of the imported units
    unit_101 = next(u for u in imported if u.number == "101")
    page.goto(f"{live_url}/admin/units/{unit_101.id}")
    page.locator("#invite-role").select_option("owner")
    page.locator("#invite-button").click()
    expect(page.locator("#invite-code")).to_have_text(re.compile(r"^[0-9A-Z]{4}-[0-9A-Z]{4}$"))
    code = page.locator("#invite-code").inner_text().replace("-", "")
    qr = page.locator("#invite-qr")
    expect(qr).to_be_visible()
    assert page.evaluate("el => el.naturalWidth", qr.element_handle()) > 100
    screenshot("admin-03-invite-qr")
    invite = committed(db, sa.select(Invite))[0]
    assert (invite.code, invite.unit_id, invite.used_at) == (code, unit_101.id, None)

    # approve the pending binding in the review queue
    page.goto(f"{live_url}/admin/reviews")
    row = page.locator(f"#review-{pending.id}")
    expect(row).to_contain_text("赵磊")
    screenshot("admin-04-review-queue")
    page.locator(f"#approve-{pending.id}").click()
    expect(row).to_contain_text("已通过")
    screenshot("admin-05-review-approved")
    approved = committed(db, sa.select(Residency).where(Residency.id == pending.id))[0]
    assert approved.status == ResidencyStatus.active
    assert approved.reviewed_by_id == admin.id


def test_wrong_password_shows_the_error_and_keeps_the_user_out(page, live_url, db, screenshot):
    StaffFactory(username="wrong.pass")

    page.goto(f"{live_url}/admin/login")
    page.get_by_label("用户名").fill("wrong.pass")
    page.get_by_label("密码").fill("not-the-password-1")
    page.locator("#login-button").click()

    expect(page.locator(".alert-error")).to_contain_text("用户名或密码错误")
    screenshot("admin-06-login-error")
    page.goto(f"{live_url}/admin/")
    expect(page).to_have_url(f"{live_url}/admin/login?next=/admin/")


@pytest.fixture
def phone_context_args(browser_context_args):
    return {**browser_context_args, **PHONE}


def test_review_queue_is_usable_at_phone_width(
    browser, phone_context_args, live_url, db, company_admin, screenshot_dir
):
    admin, building = company_admin
    pending = ResidencyFactory(
        unit=UnitFactory(building=building), status=ResidencyStatus.pending, source=None
    )
    context = browser.new_context(**phone_context_args)
    page = context.new_page()
    try:
        log_in(page, live_url, admin.username)
        page.goto(f"{live_url}/admin/reviews")
        button = page.locator(f"#approve-{pending.id}")
        expect(button).to_be_visible()
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 375
        # nothing wider than the phone: no sideways scrolling of the page
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.screenshot(path=screenshot_dir / "admin-07-reviews-phone.png")
        button.click()
        expect(page.locator(f"#review-{pending.id}")).to_contain_text("已通过")
    finally:
        context.close()


def test_staff_see_per_event_who_wechat_reached_and_who_only_the_app(
    page, live_url, db, fake_wechat, company_admin, screenshot
):
    from datetime import date

    from backend.core.db import commit
    from backend.notify import notify_resident
    from tests.factories import ResidentFactory
    from tests.helpers import subscribe

    admin, building = company_admin
    reached, unreached = ResidentFactory(), ResidentFactory()
    subscribe(fake_wechat, reached, {"tmpl-bill-issued": "accept"})
    for resident in (reached, unreached):
        notify_resident(
            resident.id,
            "bill_issued",
            estate_id=building.estate_id,
            unit_label="1幢 101",
            item_name="物业服务费",
            amount_fen=52000,
            due_on=date(2026, 12, 31),
        )
    commit()

    log_in(page, live_url, admin.username)
    nav_to(page, "消息触达")

    row = page.locator("#reach-bill_issued")
    expect(row.locator("td").nth(1)).to_have_text("2")
    expect(row.locator(".reach-wechat")).to_have_text("1")
    expect(row.locator(".reach-app-only")).to_have_text("1")
    screenshot("admin-08-notification-reach")
