"""Supervision in Chromium: a street officer opens the dashboard (figures and trend charts
drawn as SVG), filters by company, follows a figure to its tickets and issues a 督办 order
on one; the company's service desk finds it in its to-do list and on the ticket page and
answers; the officer sees the answer. Screenshots in test-artifacts/screenshots/."""

from __future__ import annotations

from datetime import timedelta

import pytest

from backend.accounts.models import StaffRole
from backend.core.db import commit
from backend.core.time import utcnow
from backend.tickets import services
from backend.tickets.models import TicketKind, Urgency
from backend.tickets.services import Actor
from tests.browser.conftest import PHONE, nav_to
from tests.browser.test_admin_panel import log_in
from tests.factories import (
    CommunityFactory,
    CompanyFactory,
    EstateFactory,
    ResidencyFactory,
    StaffFactory,
    StreetFactory,
)

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright").expect
pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def _history(residency, desk, tech, weeks: int = 10) -> None:
    """Tickets of the last ``weeks`` weeks, answered and resolved at various speeds."""
    now = utcnow()
    for week in range(weeks, 0, -1):
        for n in range(1 + week % 3):
            at = now - timedelta(days=7 * week - n, hours=3)
            ticket, _ = services.create_ticket(
                residency.resident,
                kind=TicketKind.home_repair,
                urgency=Urgency.normal,
                description="厨房水龙头漏水",
                unit_id=residency.unit_id,
                now=at,
            )
            actor, answered = Actor(staff=desk), at + timedelta(minutes=20 + 15 * n)
            services.apply(actor, ticket, "accept", now=answered, notify=False)
            services.apply(actor, ticket, "assign", assignee_id=tech.id, now=answered, notify=False)
            done = at + timedelta(hours=6 + 3 * week + n)
            services.apply(actor, ticket, "resolve", now=done, notify=False)


def test_officer_orders_the_company_and_reads_its_answer(
    browser, page, live_url, db, screenshot, screenshot_dir
):
    street = StreetFactory(name="文新街道", district="西湖区")
    jiahe, lvting = CompanyFactory(name="杭州嘉禾物业"), CompanyFactory(name="浙江绿庭物业")
    community = CommunityFactory(street=street)
    garden = EstateFactory(name="嘉绿景苑", community=community, company=jiahe)
    other = EstateFactory(name="紫桂花园", community=community, company=lvting)
    home = ResidencyFactory(unit__building__estate=garden, unit__number="1101")
    neighbour = ResidencyFactory(unit__building__estate=other, unit__number="502")
    desk = StaffFactory(
        username="jiahe.kefu", name="沈佳怡", role=StaffRole.service_desk, company=jiahe
    )
    lv_desk = StaffFactory(role=StaffRole.service_desk, company=lvting)
    tech = StaffFactory(role=StaffRole.technician, company=jiahe)
    lv_tech = StaffFactory(role=StaffRole.technician, company=lvting)
    StaffFactory(
        username="wenxin.jiedao", name="钱文博", role=StaffRole.street_officer, street=street
    )
    _history(home, desk, tech)
    _history(neighbour, lv_desk, lv_tech, weeks=6)
    complaint, _ = services.create_ticket(
        home.resident,
        kind=TicketKind.complaint,
        urgency=Urgency.normal,
        description="楼下商铺夜间噪音扰民，多次反映未解决",
        estate_id=garden.id,
        location="3幢底商",
        now=utcnow() - timedelta(days=2),
    )
    commit()

    # --- the officer: the dashboard of the street, then one company -------------------------
    log_in(page, live_url, "wenxin.jiedao")
    nav_to(page, "监管")
    expect(page.get_by_role("heading", level=1)).to_have_text("监管看板")
    page.locator("#filter-period").select_option("90d")
    page.locator("#filter-grain").select_option("week")
    page.locator("#filter-submit").click()
    expect(page.locator("#supervision-charts svg.chart").first).to_be_visible()
    expect(page.locator("#breakdown-table tbody tr")).to_have_count(2)
    bars = page.locator("#chart-1 svg rect")
    assert bars.count() > 5
    screenshot("supervision-01-dashboard")
    page.locator("#chart-1").screenshot(path=screenshot_dir / "supervision-02-chart.png")
    page.locator("#chart-2").screenshot(path=screenshot_dir / "supervision-02-chart-times.png")

    page.locator("#filter-company").select_option(label="杭州嘉禾物业")
    page.locator("#filter-submit").click()
    expect(page.locator("#breakdown-table tbody tr")).to_have_count(1)
    expect(page.locator("#breakdown-table")).to_contain_text("杭州嘉禾物业")
    expect(page.locator("#breakdown-table")).not_to_contain_text("浙江绿庭物业")
    screenshot("supervision-03-filtered")

    # every figure links to its tickets: the total of the company's tickets
    page.locator("#total-submitted").click()
    expect(page.locator("#cell-scope")).to_contain_text("杭州嘉禾物业")
    expect(page.locator(f"#ticket-{complaint.id}")).to_be_visible()
    page.locator(f"#ticket-{complaint.id} a").first.click()

    # --- 督办 -------------------------------------------------------------------------------
    page.locator("#instructions").fill("请三日内与商户协商整改，并向住户说明处理情况")
    page.locator("#issue-order").click()
    expect(page.locator(".alert-success")).to_contain_text("已向物业企业下达督办")
    expect(page.locator("#ticket-orders li").first).to_have_attribute("data-status", "open")
    expect(page.locator("#ticket-timeline")).to_contain_text("街道督办")
    screenshot("supervision-04-order-issued")

    # --- the company: its to-do list, the ticket page, the answer (on a phone) ---------------
    phone = browser.new_context(**PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    company = phone.new_page()
    log_in(company, live_url, "jiahe.kefu")
    expect(company.locator("#todo-supervision_orders-unanswered")).to_have_text("1")
    company.locator("#todo-supervision_orders-unanswered").click()
    expect(company.locator("#orders-list")).to_contain_text("请三日内与商户协商整改")
    expect(company.locator("#order-filters")).to_be_visible()
    company.screenshot(
        path=screenshot_dir / "supervision-04b-company-orders-375.png", full_page=True
    )
    company.get_by_role("link", name=f"工单 T{complaint.id}").click()
    expect(company.locator("#supervision-orders")).to_contain_text("请三日内与商户协商整改")
    company.locator("#supervision-orders textarea").fill(
        "已约谈商户，今晚起 22 点后停止营业噪音，明日回访住户"
    )
    company.locator("#supervision-orders button[type=submit]").click()
    expect(company.locator(".alert-success")).to_contain_text("已回复督办")
    expect(company.locator("#supervision-orders .order-answer")).to_contain_text("已约谈商户")
    company.screenshot(path=screenshot_dir / "supervision-05-company-answered.png", full_page=True)
    phone.close()

    # --- the officer sees the answer ----------------------------------------------------------
    page.reload()
    expect(page.locator("#ticket-orders li").first).to_have_attribute("data-status", "answered")
    expect(page.locator("#ticket-orders .order-answer")).to_contain_text("已约谈商户")
    expect(page.locator("#ticket-timeline")).to_contain_text("物业回复督办")
    screenshot("supervision-06-officer-sees-answer")
    page.goto(f"{live_url}/admin/supervision/orders")
    expect(page.locator("#orders-list")).to_contain_text("已约谈商户")
