"""Issue 19, daily work in Chromium: what a newcomer hit walking every role through a day.
Each test measures what a person sees (element heights, colour contrast, the wall-clock
time printed) rather than the markup. Screenshots in test-artifacts/screenshots/."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from backend.authz.roles import StaffRole
from backend.fees.models import PaymentMethod
from tests.browser.conftest import confirm
from tests.browser.test_admin_panel import log_in
from tests.factories import (
    BillFactory,
    BuildingFactory,
    FeeItemFactory,
    OwnerRecordFactory,
    StaffFactory,
    UnitFactory,
)

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright").expect
pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(foreground: str, background: str) -> float:
    """WCAG contrast ratio of two CSS ``rgb(…)`` colours."""
    fg, bg = (tuple(int(x) for x in re.findall(r"\d+", c)[:3]) for c in (foreground, background))
    light, dark = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_company_admins_menu_fits_at_1280_px_without_a_wrapped_label(
    page, live_url, db, screenshot
):
    """Defect 3: every label of the top menu is one line high (all 11 wrapped before)."""
    building = BuildingFactory(name="1幢", estate__company__name="嘉禾物业")
    StaffFactory(
        username="jiahe.admin",
        name="林晓峰",
        role=StaffRole.company_admin,
        company=building.estate.company,
    )
    db.session.commit()
    log_in(page, live_url, "jiahe.admin")
    links = page.locator("#main-nav ul a")
    assert links.count() >= 10
    heights = links.evaluate_all(
        "links => links.map(a => { const s = getComputedStyle(a); return ["
        " a.textContent.trim(), a.getBoundingClientRect().height, parseFloat(s.lineHeight),"
        " parseFloat(s.paddingTop) + parseFloat(s.paddingBottom)"
        " + parseFloat(s.borderBottomWidth)]; })"
    )
    wrapped = [label for label, height, line, extra in heights if height > line + extra + 1]
    assert not wrapped, f"labels on two lines at 1280 px: {wrapped}"
    # nothing sticks out of the window either
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    screenshot("daily-01-company-menu-1280")


def test_the_current_page_number_is_visible(page, live_url, db, screenshot):
    """Defect 4: the current page of a paginated list has readable contrast (≥ 4.5:1)."""
    unit = UnitFactory(number="101", building__name="1幢")
    OwnerRecordFactory(unit=unit)
    item = FeeItemFactory(estate=unit.estate, name="物业服务费")
    for month in range(25):
        BillFactory(unit=unit, fee_item=item, period=date(2025 + month // 12, month % 12 + 1, 1))
    StaffFactory(
        username="kefu", name="许文静", role=StaffRole.service_desk, company=unit.estate.company
    )
    db.session.commit()
    log_in(page, live_url, "kefu")
    page.goto(f"{live_url}/admin/bills")
    current = page.locator(".pagination [aria-current=page]")
    expect(current).to_have_text("1")
    colours = current.evaluate(
        "el => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]"
    )
    assert contrast(*colours) >= 4.5, colours
    screenshot("daily-02-pagination-current")


def test_the_receipt_page_shows_beijing_time_just_after_midnight(
    page, live_url, db, monkeypatch, screenshot
):
    """Defect 5: paid at 01:30 Beijing time (17:30 UTC the day before), the public receipt
    page shows 2026-12-07 01:30, not the UTC day or an ISO timestamp."""
    from backend.fees import payments

    clock = datetime(2026, 12, 6, 17, 30, 5, tzinfo=UTC)  # 2026-12-07 01:30:05 in Beijing
    monkeypatch.setattr(payments, "utcnow", lambda: clock)
    unit = UnitFactory(number="201", building__name="1幢")
    OwnerRecordFactory(unit=unit)
    bill = BillFactory(unit=unit, period=date(2026, 12, 1))
    cashier = StaffFactory(
        username="kefu", name="许文静", role=StaffRole.service_desk, company=unit.estate.company
    )
    payment = payments.record_offline_payment(cashier, [bill.id], PaymentMethod.cash, "王先生")
    db.session.commit()
    page.goto(f"{live_url}/receipts/{payments.receipt_code(payment)}")
    expect(page.locator("#receipt-no")).to_have_text(payment.receipt_no)
    expect(page.locator("#receipt-time")).to_have_text("2026-12-07 01:30")
    expect(page.locator("body")).not_to_contain_text("+00:00")
    expect(page.locator("body")).not_to_contain_text("2026-12-06")
    screenshot("daily-03-receipt-beijing-time")


def test_an_answered_order_leaves_the_ticket_overdue_for_the_company_and_the_street(
    browser, page, live_url, db, screenshot
):
    """Defect 6: a street officer orders the company (督办) on an urgent ticket nobody
    accepted; the service desk answers the order. The answer is to the street office, not
    the company's response to the resident: the ticket stays 响应超时 on the company's
    超时工单 list and to-do, and the street's overdue list shows the order as 已回复 with
    the time past the response deadline (not 未到期限 and 下达督办)."""
    from datetime import timedelta

    from backend.core.time import utcnow
    from backend.supervision import orders
    from backend.tickets import services
    from backend.tickets.models import TicketKind, Urgency
    from tests.factories import (
        CommunityFactory,
        CompanyFactory,
        EstateFactory,
        ResidencyFactory,
        StreetFactory,
    )

    street = StreetFactory(name="文新街道")
    jiahe = CompanyFactory(name="杭州嘉禾物业")
    garden = EstateFactory(
        name="嘉绿景苑", community=CommunityFactory(street=street), company=jiahe
    )
    home = ResidencyFactory(unit__building__estate=garden, unit__number="1101")
    desk = StaffFactory(
        username="jiahe.kefu", name="沈佳怡", role=StaffRole.service_desk, company=jiahe
    )
    officer = StaffFactory(
        username="wenxin.jiedao", name="钱文博", role=StaffRole.street_officer, street=street
    )
    now = utcnow()
    ticket, _ = services.create_ticket(
        home.resident,
        kind=TicketKind.home_repair,
        urgency=Urgency.urgent,
        description="厨房水管爆裂，水流不止",
        unit_id=home.unit_id,
        now=now - timedelta(hours=3),
    )
    order = orders.issue_order(
        officer, ticket.id, "请立即派人处理", now + timedelta(days=1), now=now - timedelta(hours=2)
    )
    services.flag_overdue(now=now - timedelta(minutes=90), notify=False)
    orders.answer_order(desk, order.id, "已联系住户，今天下午上门", now=now - timedelta(hours=1))
    db.session.commit()

    log_in(page, live_url, "jiahe.kefu")
    expect(page.locator("#todo-tickets-1")).to_have_text("1")
    page.goto(f"{live_url}/admin/tickets?overdue=1")
    expect(page.locator(f"#ticket-{ticket.id}")).to_contain_text("响应超时")
    screenshot("daily-04-answered-order-still-overdue")

    officer_page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    log_in(officer_page, live_url, "wenxin.jiedao")
    officer_page.goto(f"{live_url}/admin/supervision/overdue")
    row = officer_page.locator(f"#overdue-{ticket.id}")
    expect(row.locator(".order-state")).to_have_text("已回复")
    expect(row).not_to_contain_text("未到期限")
    expect(row).not_to_contain_text("下达督办")
    officer_page.screenshot(path="test-artifacts/screenshots/daily-05-street-overdue-list.png")
    officer_page.context.close()


def _field_look(page, selector: str) -> dict:
    return page.locator(selector).first.evaluate(
        "el => { const s = getComputedStyle(el); return {radius: s.borderTopLeftRadius,"
        " border: s.borderTopColor, padding: s.paddingLeft}; }"
    )


def test_every_input_of_bills_and_collection_rates_looks_like_the_others(
    page, live_url, db, screenshot
):
    """Defect 10: the month, number and untyped inputs on 账单 and 收缴率 are styled like
    the selects next to them (they were the browser's bare boxes)."""
    unit = UnitFactory(number="101", building__name="1幢")
    OwnerRecordFactory(unit=unit)
    BillFactory(unit=unit, period=date(2026, 11, 1))
    StaffFactory(
        username="kefu", name="许文静", role=StaffRole.service_desk, company=unit.estate.company
    )
    db.session.commit()
    log_in(page, live_url, "kefu")
    for path, inputs in (
        ("/admin/bills", ["input[name=period]", "#payer-name", "#pay-note"]),
        ("/admin/fee-reports", ["input[name=from]", "input[name=to]"]),
    ):
        page.goto(live_url + path)
        select = _field_look(page, "select")
        for selector in inputs:
            assert _field_look(page, selector) == select, (path, selector)
    screenshot("daily-06-collection-rate-inputs")


@pytest.mark.parametrize("role", ["street_officer", "company_admin"])
def test_the_home_and_dashboard_do_not_scroll_sideways_at_375_px(
    page, live_url, db, screenshot, role
):
    """Defect 10: no horizontal overflow on a phone (13 px before)."""
    from tests.factories import CommunityFactory, EstateFactory, StreetFactory

    street = StreetFactory(name="文新街道")
    estate = EstateFactory(name="嘉绿景苑", community=CommunityFactory(street=street))
    StaffFactory(
        username="staff375",
        name="钱文博",
        role=StaffRole(role),
        street=street if role == "street_officer" else None,
        company=estate.company if role == "company_admin" else None,
    )
    db.session.commit()
    page.set_viewport_size({"width": 375, "height": 812})
    log_in(page, live_url, "staff375")
    paths = ["/admin/"] + (["/admin/supervision"] if role == "street_officer" else [])
    for path in paths:
        page.goto(live_url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path}: {width - 375} px wider than the phone"
    screenshot(f"daily-07-{role}-375")


@pytest.fixture
def demo(db):
    """The demo street (``flask seed-demo``), committed."""
    from backend.demo import seed_demo

    seed_demo()
    db.session.commit()


DEMO_PAGES = {
    "wenxin.jiedao": ["/admin/", "/admin/supervision", "/admin/supervision/overdue"],
    "jiahe.admin": ["/admin/", "/admin/tickets", "/admin/bills", "/admin/fee-reports"],
    "jljy.yeweihui": ["/admin/", "/admin/votes", "/admin/board"],
}


def test_no_demo_page_scrolls_sideways_at_375_px(browser, live_url, demo, screenshot_dir):
    """Defect 10: with the demo's data no page of a day's round is wider than a phone (the
    street's dashboard was 12 px wider: a table widened its grid column)."""
    from backend.accounts.demo import DEMO_PASSWORD
    from tests.browser.conftest import PHONE

    wide = []
    for username, paths in DEMO_PAGES.items():
        context = browser.new_context(**PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
        page = context.new_page()
        page.goto(f"{live_url}/admin/login")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(DEMO_PASSWORD)
        page.locator("#login-button").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("您好")
        for path in paths:
            page.goto(live_url + path)
            width = page.evaluate("document.documentElement.scrollWidth")
            name = f"daily-08-375-{username}-{path.strip('/').replace('/', '-')}"
            page.screenshot(path=screenshot_dir / f"{name}.png", full_page=True)
            if width > 375:
                wide.append((username, path, width - 375))
        context.close()
    assert not wide, f"wider than the phone (px): {wide}"


def test_the_full_supervision_cycle_send_back_then_accept(browser, live_url, db, screenshot_dir):
    """Screen 5: the officer (desktop) sends the company's answer back with a reason; the
    service desk (phone) finds the order on its to-do again, reads the reason and answers
    again; the officer accepts. Both to-do lists follow."""
    from datetime import timedelta

    from backend.core.time import utcnow
    from backend.supervision import orders
    from backend.tickets import services
    from backend.tickets.models import TicketKind, Urgency
    from tests.browser.conftest import DESKTOP, PHONE
    from tests.factories import (
        CommunityFactory,
        CompanyFactory,
        EstateFactory,
        ResidencyFactory,
        StreetFactory,
    )

    street = StreetFactory(name="文新街道")
    jiahe = CompanyFactory(name="杭州嘉禾物业")
    garden = EstateFactory(
        name="嘉绿景苑", community=CommunityFactory(street=street), company=jiahe
    )
    home = ResidencyFactory(unit__building__estate=garden, unit__number="1101")
    StaffFactory(username="jiahe.kefu", name="沈佳怡", role=StaffRole.service_desk, company=jiahe)
    officer = StaffFactory(
        username="wenxin.jiedao", name="钱文博", role=StaffRole.street_officer, street=street
    )
    now = utcnow()
    ticket, _ = services.create_ticket(
        home.resident,
        kind=TicketKind.complaint,
        urgency=Urgency.normal,
        description="楼下商铺夜间噪音扰民",
        estate_id=garden.id,
        location="3幢底商",
        now=now - timedelta(days=2),
    )
    orders.issue_order(officer, ticket.id, "请三日内与商户协商整改", now + timedelta(days=3))
    db.session.commit()

    def signed_in(device: dict, username: str):
        context = browser.new_context(**device, locale="zh-CN", timezone_id="Asia/Shanghai")
        page = context.new_page()
        log_in(page, live_url, username)
        return page

    def shot(page, name: str) -> None:
        page.screenshot(path=screenshot_dir / f"{name}.png", full_page=True)

    desk = signed_in(PHONE, "jiahe.kefu")
    desk.locator("#todo-supervision_orders-unanswered").click()
    desk.locator("#orders-list textarea").fill("已约谈商户")
    desk.locator("#orders-list button[type=submit]").click()
    expect(desk.locator(".alert-success")).to_contain_text("已回复督办")

    street_page = signed_in(DESKTOP, "wenxin.jiedao")
    expect(street_page.locator("#todo-supervision_orders-review")).to_have_text("1")
    street_page.locator("#todo-supervision_orders-review").click()
    street_page.locator("#orders-list a.btn-primary").first.click()
    street_page.locator("textarea[name=note]").fill("未说明整改结果和完成时间，请补充")
    shot(street_page, "daily-09-supervision-review-1280")
    street_page.locator("button[value=return]").click()
    confirm(street_page, "确定退回吗")
    expect(street_page.locator(".alert-success")).to_contain_text("已退回督办回复")
    expect(street_page.locator("#ticket-orders li").first).to_have_attribute(
        "data-status", "returned"
    )
    expect(street_page.locator("#ticket-timeline")).to_contain_text("街道退回督办回复")

    desk.goto(f"{live_url}/admin/")
    expect(desk.locator("#todo-supervision_orders-unanswered")).to_have_text("1")
    desk.goto(f"{live_url}/admin/tickets/{ticket.id}")
    expect(desk.locator("#supervision-orders")).to_contain_text("未说明整改结果和完成时间")
    shot(desk, "daily-10-supervision-sent-back-375")
    desk.locator("#supervision-orders textarea").fill(
        "商户已加装隔音门，22 点后停止营业，已回访住户"
    )
    desk.locator("#supervision-orders button[type=submit]").click()
    expect(desk.locator(".alert-success")).to_contain_text("已回复督办")

    street_page.reload()
    street_page.locator("button[value=accept]").click()
    expect(street_page.locator(".alert-success")).to_contain_text("已认可督办回复")
    expect(street_page.locator("#ticket-orders li").first).to_have_attribute(
        "data-status", "accepted"
    )
    shot(street_page, "daily-11-supervision-accepted-1280")
    street_page.goto(f"{live_url}/admin/")
    expect(street_page.locator("#todo-supervision_orders-review")).to_have_count(0)
    desk.goto(f"{live_url}/admin/")
    expect(desk.locator("#todo-supervision_orders-unanswered")).to_have_count(0)
    for page in (desk, street_page):
        page.context.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_the_cashier_finds_a_household_collects_and_prints_the_receipt(
    browser, live_url, db, screenshot_dir, tmp_path, width
):
    """Screen 3: "1幢 201" finds the unit (exact match first); every unpaid bill with the
    total, all selected; one payment; a receipt with payee, items and the amount in capitals,
    printed on A5 and on an 80 mm roll (the PDF's page size says which)."""
    import pypdf

    from tests.factories import BuildingFactory

    one = BuildingFactory(name="1幢", estate__name="嘉绿景苑", estate__company__name="杭州嘉禾物业")
    unit = UnitFactory(building=one, number="201")
    UnitFactory(building=one, number="2011")
    OwnerRecordFactory(unit=unit)
    fee = FeeItemFactory(estate=one.estate, name="物业服务费")
    parking = FeeItemFactory(estate=one.estate, name="车位管理费")
    BillFactory(unit=unit, fee_item=fee, period=date(2026, 10, 1), amount_fen=23_412)
    BillFactory(unit=unit, fee_item=fee, period=date(2026, 11, 1), amount_fen=23_412)
    BillFactory(unit=unit, fee_item=parking, period=date(2026, 11, 1), amount_fen=15_000)
    StaffFactory(
        username="kefu", name="许文静", role=StaffRole.service_desk, company=one.estate.company
    )
    db.session.commit()
    context = browser.new_context(
        viewport={"width": width, "height": 900 if width > 375 else 812},
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    page = context.new_page()
    log_in(page, live_url, "kefu")
    page.goto(f"{live_url}/admin/bills")
    page.locator("#tab-cashier").click()
    page.locator("#cashier-q").fill("1幢 201")
    page.locator("#cashier-q").press("Enter")
    matches = page.locator("#cashier-matches a")
    expect(matches.first).to_have_text("嘉绿景苑 · 1幢 201")
    page.screenshot(path=screenshot_dir / f"daily-12-cashier-search-{width}.png", full_page=True)
    matches.first.click()
    expect(page.locator("#household-total")).to_have_text("¥618.24")
    expect(page.locator("#household-bills input[type=checkbox]:checked")).to_have_count(3)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=screenshot_dir / f"daily-13-cashier-household-{width}.png", full_page=True)
    page.locator("#payer-name").fill("王先生")
    page.locator("#collect").click()
    confirm(page, "确定收款吗")
    expect(page.locator("#receipt-capitals")).to_have_text("人民币陆佰壹拾捌元贰角肆分")
    expect(page.locator("#receipt-payee")).to_have_text("杭州嘉禾物业")
    expect(page.locator("#receipt-bills")).to_contain_text("车位管理费")
    page.screenshot(path=screenshot_dir / f"daily-14-cashier-receipt-{width}.png", full_page=True)
    if width == 1280:
        for paper, (wide, high) in (("a5", (148, 210)), ("80mm", (80, 200))):
            if paper == "80mm":
                page.locator("#paper-80mm").click()
            page.emulate_media(media="print")
            page.screenshot(path=screenshot_dir / f"daily-15-receipt-print-{paper}.png")
            page.emulate_media(media="screen")
            path = tmp_path / f"{paper}.pdf"
            page.pdf(path=str(path), prefer_css_page_size=True)
            box = pypdf.PdfReader(path).pages[0].mediabox
            mm = (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4))
            assert mm == (wide, high), (paper, mm)
    context.close()
