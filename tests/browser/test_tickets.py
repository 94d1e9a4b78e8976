"""A repair from end to end in Chromium: a resident reports it in the simulator with two
photos (uploaded one by one), the panel accepts, assigns, resolves it with an after-photo
and closes it, and the resident rates it. Screenshots in test-artifacts/screenshots/."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from PIL import Image

from backend.accounts.models import StaffRole
from backend.tickets.models import Ticket, TicketState
from tests.browser.conftest import PHONE, confirm
from tests.browser.test_admin_panel import log_in
from tests.factories import ResidencyFactory, ResidentFactory, StaffFactory

if TYPE_CHECKING:
    pass

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright").expect
pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def _photo(path, color, size=(640, 480)) -> str:
    image = Image.new("RGB", size, color)
    image.paste((255, 255, 255), (40, 40, 200, 160))
    image.save(path, "JPEG", quality=90)
    return str(path)


def _ticket(db) -> Ticket:
    db.session.rollback()
    return db.session.scalars(sa.select(Ticket)).one()


def test_repair_from_report_to_rating(
    page, browser, live_stack, db, tmp_path, screenshot, screenshot_dir, fake_wechat
):
    resident = ResidentFactory(openid="o-demo-zhang", nickname="张伟（业主）")
    residency = ResidencyFactory(
        resident=resident,
        unit__number="1101",
        unit__building__name="8幢",
        unit__building__estate__name="嘉绿景苑",
    )
    company = residency.unit.building.estate.company
    StaffFactory(username="desk", name="周敏", role=StaffRole.service_desk, company=company)
    StaffFactory(username="tech", name="王师傅", role=StaffRole.technician, company=company)
    photos = [
        _photo(tmp_path / "leak1.jpg", (30, 90, 200)),
        _photo(tmp_path / "leak2.jpg", (200, 60, 30)),
    ]

    # --- the resident reports a leak with two photos, on a phone ---------------------------
    phone = browser.new_context(**PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    sim = phone.new_page()
    sim.goto(live_stack.simulator_url)
    sim.get_by_test_id("login-user-o-demo-zhang").click()
    expect(sim.get_by_test_id("hello")).to_have_text("你好，张伟（业主）")
    sim.get_by_test_id("home-repair").click()
    sim.get_by_test_id("new-ticket").click()
    expect(sim.get_by_test_id("ticket-unit-" + str(residency.unit_id))).to_be_visible()
    sim.get_by_test_id("ticket-urgency-urgent").click()
    sim.get_by_test_id("ticket-description").fill("卫生间水管漏水，楼下天花板在滴水")
    # the Chinese 添加照片 button opens the file choice; the browser's English one is hidden
    add = sim.locator(".photo-add")
    expect(add).to_contain_text("添加照片")
    expect(sim.get_by_test_id("photo-input")).to_have_css("opacity", "0")
    box = sim.get_by_test_id("photo-input").bounding_box()
    assert box is None or (box["width"] <= 1 and box["height"] <= 1)
    with sim.expect_file_chooser() as chooser:
        add.click()
    chooser.value.set_files(photos[0])
    expect(sim.get_by_test_id("photo-thumb")).to_have_count(1)
    for path in photos[1:]:  # one by one, as wx.uploadFile does
        sim.get_by_test_id("photo-input").set_input_files(path)
    expect(sim.get_by_test_id("photo-thumb")).to_have_count(2)
    _shot(sim, screenshot_dir, "tickets-01-simulator-report")
    sim.get_by_test_id("submit-ticket").click()
    # the tap asks for consent to the ticket messages; the resident allows them (one each)
    expect(sim.get_by_test_id("subscribe-sheet")).to_be_visible()
    sim.get_by_test_id("subscribe-allow").click()
    expect(sim.get_by_test_id("ticket-detail")).to_have_attribute("data-state", "submitted")
    expect(sim.locator(".unit-card .photo-thumb img")).to_have_count(2)
    _shot(sim, screenshot_dir, "tickets-02-simulator-submitted")
    ticket = _ticket(db)
    assert len(ticket.events[0].photos) == 2

    # --- the service desk accepts and assigns ------------------------------------------------
    log_in(page, live_stack.backend_url, "desk")
    page.goto(f"{live_stack.backend_url}/admin/tickets")
    page.locator(f"#ticket-{ticket.id} a").click()
    expect(page.locator(".timeline-item .photos img")).to_have_count(2)
    screenshot("tickets-03-panel-detail")
    page.locator("#note-accept").fill("已受理，马上安排师傅")
    page.locator("#do-accept").click()
    expect(page.locator("#ticket-state")).to_have_text("已受理")
    page.locator("#assignee").select_option(label="王师傅")
    page.locator("#do-assign").click()
    expect(page.locator("#ticket-state")).to_have_text("已派单")

    # --- the technician, on a phone of his own, resolves with an after-photo ----------------
    tech_phone = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN")
    tech = tech_phone.new_page()
    log_in(tech, live_stack.backend_url, "tech")
    tech.goto(f"{live_stack.backend_url}/admin/tickets/mine")
    expect(tech.locator(f"#my-ticket-{ticket.id}")).to_be_visible()
    _shot(tech, screenshot_dir, "tickets-04-technician-mine")
    tech.locator(f"#my-ticket-{ticket.id} a").click()
    tech.locator("#after-photos").set_input_files(_photo(tmp_path / "after.jpg", (40, 160, 60)))
    tech.locator("#note-resolve").fill("已更换三通阀门")
    _shot(tech, screenshot_dir, "tickets-05-technician-resolve")
    tech.locator("#do-resolve").click()
    expect(tech.locator(f"#my-ticket-{ticket.id}")).to_have_count(1)
    tech_phone.close()

    # --- the desk closes it -------------------------------------------------------------------
    page.goto(f"{live_stack.backend_url}/admin/tickets/{ticket.id}")
    expect(page.locator("#ticket-state")).to_have_text("已解决")
    expect(page.locator(".timeline-item[data-action=resolve] .photos img")).to_have_count(1)
    page.locator("#do-close").click()
    confirm(page, "确定关闭吗")
    expect(page.locator("#ticket-state")).to_have_text("已关闭")
    screenshot("tickets-06-panel-closed")

    # --- the resident sees the timeline and rates it --------------------------------------------
    sim.reload()
    expect(sim.get_by_test_id("ticket-detail")).to_have_attribute("data-state", "closed")
    expect(sim.locator(".timeline-item")).to_have_count(5)
    sim.get_by_test_id("rating-4").click()
    sim.get_by_test_id("rating-comment").fill("师傅很快就来了")
    sim.get_by_test_id("submit-rating").click()
    expect(sim.get_by_test_id("ticket-rating")).to_contain_text("★★★★")
    _shot(sim, screenshot_dir, "tickets-07-simulator-rated")
    phone.close()

    ticket = _ticket(db)
    assert ticket.state == TicketState.closed and ticket.rating == 4
    # one consent, one WeChat message (the first change); the rest are in the message center
    sent = fake_wechat.messages("o-demo-zhang")
    assert [m["data"]["phrase3"]["value"] for m in sent] == ["已受理"]
    assert [e.action for e in ticket.events] == [
        "created",
        "accept",
        "assign",
        "resolve",
        "close",
        "rate",
    ]


def _shot(page, screenshot_dir, name: str) -> None:
    """Save what the phone (a page of its own context) shows."""
    page.screenshot(path=screenshot_dir / f"{name}.png", animations="disabled", caret="hide")
