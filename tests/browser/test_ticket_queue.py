"""The ticket queue for the people who do the work (issue 19), in Chromium: the service desk
at 1280 px searches, batch-assigns, accepts-and-assigns in one step and is asked to confirm
a rejection; the technician at 375 px lands on their own tickets, due soonest first.
Screenshots in test-artifacts/screenshots/queue-*.png."""

from __future__ import annotations

import pytest

from backend.accounts.models import StaffRole
from backend.core.db import commit
from backend.tickets import services
from backend.tickets.models import TicketKind, TicketState, Urgency
from tests.browser.conftest import DESKTOP, PHONE, confirm
from tests.browser.test_admin_panel import log_in
from tests.factories import ResidencyFactory, ResidentFactory, StaffFactory, UnitFactory

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright").expect
pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


@pytest.fixture
def queue(db):
    resident = ResidentFactory(nickname="张伟")
    residency = ResidencyFactory(
        resident=resident,
        unit__number="1101",
        unit__building__name="8幢",
        unit__building__estate__name="嘉绿景苑",
    )
    estate = residency.unit.building.estate
    company = estate.company
    other = ResidencyFactory(
        unit=UnitFactory(building=residency.unit.building, number="1202"), resident=resident
    )
    StaffFactory(username="desk", name="周敏", role=StaffRole.service_desk, company=company)
    tech = StaffFactory(username="tech", name="王师傅", role=StaffRole.technician, company=company)
    StaffFactory(username="tech2", name="李师傅", role=StaffRole.technician, company=company)

    def report(description, unit=residency.unit, **kw):
        ticket, _ = services.create_ticket(
            resident, kind=TicketKind.home_repair, description=description, unit_id=unit.id, **kw
        )
        return ticket

    tickets = {
        "leak": report("厨房水管漏水，地面有积水"),
        "lamp": report("卧室吸顶灯不亮", unit=other.unit),
        "door": report("入户门锁芯损坏，无法反锁", urgency=Urgency.urgent),
        "wall": report("卫生间墙面渗水发霉"),
        "noise": report("重复提交：厨房水管漏水"),
    }
    commit()
    return tickets, tech


def test_desk_searches_batch_assigns_and_confirms_a_rejection(
    browser, live_stack, db, queue, screenshot_dir
):
    tickets, tech = queue
    context = browser.new_context(**DESKTOP, locale="zh-CN")
    page = context.new_page()
    url = live_stack.backend_url
    log_in(page, url, "desk")

    # the desk lands on the tickets nobody has yet
    page.goto(f"{url}/admin/tickets")
    expect(page.locator("#filter-view")).to_have_value("unassigned")
    expect(page.locator(".ticket-row")).to_have_count(5)
    page.locator("#filter-q").fill("8幢 1202")
    page.locator("#ticket-filters button[type=submit]").click()
    expect(page.locator(".ticket-row")).to_have_count(1)
    expect(page.locator(f"#ticket-{tickets['lamp'].id}")).to_be_visible()
    page.locator("#filter-q").fill("")
    page.locator("#filter-sort").select_option("due")
    page.locator("#ticket-filters button[type=submit]").click()
    # the urgent one (30 min to respond) is due first
    expect(page.locator(".ticket-row").first).to_have_id(f"ticket-{tickets['door'].id}")

    page.locator(f"#pick-{tickets['leak'].id}").check()
    page.locator(f"#pick-{tickets['wall'].id}").check()
    page.locator("#batch-assignee").select_option(label="王师傅")
    page.screenshot(path=screenshot_dir / "queue-01-desk-batch-1280.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.locator("#batch-assign-submit").click()
    expect(page.locator(".alert-success")).to_contain_text("已派单 2 个工单")
    expect(page.locator(".ticket-row")).to_have_count(3)  # still on the unassigned view

    # 受理并派单 in one step
    page.goto(f"{url}/admin/tickets/{tickets['door'].id}")
    page.locator("#accept-assignee").select_option(label="王师傅")
    page.locator("#do-accept_assign").click()
    expect(page.locator("#ticket-state")).to_have_text("已派单")
    expect(page.locator("#ticket-assignee")).to_have_text("王师傅")

    # a rejection asks first, saying what will happen; 取消 changes nothing
    page.goto(f"{url}/admin/tickets/{tickets['noise'].id}")
    page.locator("#note-reject").fill("与 T{} 重复".format(tickets["leak"].id))
    page.locator("#do-reject").click()
    expect(page.locator("#confirm-dialog")).to_be_visible()
    expect(page.locator("#confirm-message")).to_contain_text("住户会收到驳回通知和原因")
    page.screenshot(path=screenshot_dir / "queue-02-desk-confirm-reject-1280.png")
    page.locator("#confirm-cancel").click()
    expect(page.locator("#confirm-dialog")).to_be_hidden()
    expect(page.locator("#ticket-state")).to_have_text("待受理")
    page.locator("#do-reject").click()
    confirm(page, "确定驳回吗")
    expect(page.locator("#ticket-state")).to_have_text("已驳回")
    context.close()

    db.session.rollback()
    states = {k: db.session.get(type(t), t.id) for k, t in tickets.items()}
    assert states["leak"].state == states["wall"].state == TicketState.assigned
    assert states["leak"].assignee_id == tech.id
    assert states["noise"].state == TicketState.rejected


def test_technician_lands_on_own_tickets_due_soonest_first(
    browser, live_stack, db, queue, screenshot_dir
):
    tickets, tech = queue
    desk = services.db.session.scalars(
        services.sa.select(services.Staff).where(services.Staff.username == "desk")
    ).one()
    for key in ("leak", "door", "lamp"):
        services.accept_and_assign(desk, tickets[key], tech.id)
    commit()
    context = browser.new_context(**PHONE, locale="zh-CN")
    page = context.new_page()
    url = live_stack.backend_url
    log_in(page, url, "tech")

    # the home page is the technician's to-do: their tickets, the urgent one first
    expect(page.locator("#agenda-list li")).to_have_count(3)
    expect(page.locator("#agenda-list li").first).to_have_id(f"agenda-{tickets['door'].id}")
    expect(page.locator("#todo-my_tickets")).to_have_text("3")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=screenshot_dir / "queue-03-technician-home-375.png", full_page=True)

    # the queue opens on the tickets given to them
    page.goto(f"{url}/admin/tickets")
    expect(page.locator("#filter-view")).to_have_value("mine")
    expect(page.locator(".ticket-row")).to_have_count(3)
    expect(page.locator(f"#ticket-{tickets['wall'].id}")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=screenshot_dir / "queue-04-technician-queue-375.png", full_page=True)
    context.close()
