"""Safety in Chromium at phone width (375 px): a technician walks a patrol route scanning the
three points' QR codes (rendered as PNG images by the panel and decoded here), records a
blocked fire lane with a photo; the ticket is a safety hazard with the shortest SLA, already
on the street office's list; the street officer finds it on the to-do list and in the queue.
Screenshots in test-artifacts/screenshots/."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image

from backend.accounts.models import StaffRole
from backend.core.db import commit
from backend.core.time import local_today
from backend.safety import patrols
from tests.browser.conftest import PHONE
from tests.browser.test_admin_panel import log_in
from tests.factories import (
    CommunityFactory,
    CompanyFactory,
    EstateFactory,
    StaffFactory,
    StreetFactory,
)
from tests.media.conftest import jpeg

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright").expect
pytestmark = pytest.mark.browser

POINTS = ["1幢楼梯间", "消防车通道", "地下泵房"]


@pytest.fixture
def browser_context_args() -> dict:
    return {**PHONE, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture(autouse=True)
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def _decode(png: bytes) -> str:
    import io

    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(found) == 1
    return found[0].text


def test_a_patrol_finds_a_blocked_fire_lane_and_the_street_sees_it(
    browser, page, live_url, db, screenshot, screenshot_dir, tmp_path
):
    street = StreetFactory(name="文新街道", district="西湖区")
    jiahe = CompanyFactory(name="杭州嘉禾物业")
    garden = EstateFactory(
        name="嘉绿景苑", community=CommunityFactory(street=street), company=jiahe
    )
    admin = StaffFactory(username="jiahe.admin", role=StaffRole.company_admin, company=jiahe)
    StaffFactory(username="jiahe.weixiu", name="王师傅", role=StaffRole.technician, company=jiahe)
    StaffFactory(
        username="wenxin.jiedao", name="钱文博", role=StaffRole.street_officer, street=street
    )
    route = patrols.add_route(admin, garden.id, "公共区域日常巡查", POINTS, local_today())
    patrols.generate_rounds(local_today(), local_today(), [garden.id])
    commit()
    points = [(p.id, p.name) for p in route.points]

    # --- the company admin prints the codes (PNG images); the test "scans" them -------------
    office = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    admin_page = office.new_page()
    log_in(admin_page, live_url, "jiahe.admin")
    admin_page.goto(f"{live_url}/admin/safety/patrols?estate_id={garden.id}")
    expect(admin_page.locator(f"#route-{route.id}")).to_contain_text("消防车通道")
    codes = {}
    for point_id, _name in points:
        response = admin_page.request.get(
            f"{live_url}/admin/safety/patrols/points/{point_id}/code.png"
        )
        assert response.ok and response.headers["content-type"] == "image/png"
        codes[point_id] = _decode(response.body())
    office.close()

    # --- the technician walks the route on a phone ----------------------------------------
    log_in(page, live_url, "jiahe.weixiu")
    page.goto(f"{live_url}/admin/safety/patrols?estate_id={garden.id}")
    page.locator("#patrol-rounds a").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("公共区域日常巡查")
    screenshot("safety-01-round")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the round page is {width} px wide at 375 px"

    first, lane, pump = points
    page.locator(f"#code-{first[0]}").fill(codes[first[0]])
    page.locator(f"#check-{first[0]}").click()
    expect(page.locator(".alert-success")).to_contain_text("已签到")
    expect(page.locator(f"#point-{first[0]}")).to_have_attribute("data-checked", "1")

    # a code of another point is refused
    page.locator(f"#code-{lane[0]}").fill(codes[pump[0]])
    page.locator(f"#check-{lane[0]}").click()
    expect(page.locator(".alert-error, .alert-danger, [role=alert]").first).to_contain_text(
        "其他巡查点的签到码"
    )

    photo = tmp_path / "fire-lane.jpg"
    photo.write_bytes(jpeg(size=(640, 480), color=(180, 40, 40)))
    page.locator(f"#code-{lane[0]}").fill(codes[lane[0]])
    page.locator(f"#point-{lane[0]} summary").click()
    page.locator(f"#finding-{lane[0]}").fill("消防车通道被两辆私家车堵塞")
    page.locator(f"#hazard-{lane[0]}").check()
    page.locator(f"#category-{lane[0]}").select_option("fire_lane")
    page.locator(f"#photos-{lane[0]}").set_input_files(str(photo))
    screenshot("safety-02-finding")
    page.locator(f"#check-{lane[0]}").click()
    expect(page.locator(".alert-success")).to_contain_text("已上报工单")

    page.locator(f"#code-{pump[0]}").fill(codes[pump[0]])
    page.locator(f"#check-{pump[0]}").click()
    expect(page.locator("#round-points li[data-checked='1']")).to_have_count(3)
    screenshot("safety-03-round-done")

    # --- the ticket: a safety hazard, shortest SLA, already on the street's list -----------
    page.locator(f"#point-{lane[0]} .point-ticket").click()
    expect(page.locator("h1")).to_contain_text("安全隐患")
    expect(page.locator("#ticket-state")).to_have_text("已上报街道")
    expect(page.locator("#ticket-source")).to_contain_text("安全检查 · 王师傅")
    expect(page.locator("#ticket-timeline")).to_contain_text("安全隐患：已立即上报街道")
    expect(page.locator("#ticket-timeline img")).to_have_count(1)
    screenshot("safety-04-ticket")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the ticket page is {width} px wide at 375 px"

    # --- the street officer ----------------------------------------------------------------
    phone = browser.new_context(**PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    officer = phone.new_page()
    log_in(officer, live_url, "wenxin.jiedao")
    expect(officer.locator("#todo-tickets-safety_hazard")).to_have_text("1")
    officer.screenshot(path=screenshot_dir / "safety-05-officer-todo.png", full_page=True)
    officer.locator("#todo-tickets-safety_hazard").click()
    expect(officer.locator("#tickets-table, table").first).to_contain_text("消防车通道")
    officer.screenshot(path=screenshot_dir / "safety-06-officer-queue.png", full_page=True)
    phone.close()


def test_a_resident_reports_a_lift_by_its_code_in_the_simulator(
    browser, live_stack, db, screenshot_dir
):
    from backend.safety import checkin
    from backend.tickets.models import Ticket
    from tests.factories import ResidencyFactory, ResidentFactory
    from tests.safety.conftest import lift

    resident = ResidentFactory(openid="o-demo-zhang", nickname="张伟（业主）")
    residency = ResidencyFactory(resident=resident, unit__building__estate__name="嘉绿景苑")
    estate = residency.unit.building.estate
    lift(estate, name="1幢1号梯")
    second = lift(estate, name="2幢1号梯")
    commit()
    code = checkin.code_for(second.id, estate.id)

    phone = browser.new_context(**PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    sim = phone.new_page()
    sim.goto(live_stack.simulator_url)
    sim.get_by_test_id("login-user-o-demo-zhang").click()
    expect(sim.get_by_test_id("hello")).to_have_text("你好，张伟（业主）")
    sim.goto(f"{live_stack.simulator_url}#/tickets/equipment")
    expect(sim.get_by_test_id(f"equipment-{second.id}")).to_be_visible()
    sim.get_by_test_id("equipment-code").fill(code)
    sim.get_by_test_id("scan-equipment").click()
    expect(sim.get_by_test_id("equipment-list").locator(".chip")).to_have_count(1)
    expect(sim.get_by_test_id(f"equipment-{second.id}")).to_have_attribute("aria-checked", "true")
    sim.get_by_test_id("equipment-description").fill("电梯停在两层之间，有人被困")
    sim.screenshot(path=screenshot_dir / "safety-07-simulator-report.png", full_page=True)
    sim.get_by_test_id("submit-equipment-report").click()
    expect(sim.get_by_test_id("subscribe-sheet")).to_be_visible()
    sim.get_by_test_id("subscribe-allow").click()
    expect(sim.get_by_test_id("ticket-detail")).to_have_attribute("data-state", "escalated")
    expect(sim.get_by_test_id("ticket-detail")).to_contain_text("安全隐患")
    sim.screenshot(path=screenshot_dir / "safety-08-simulator-ticket.png", full_page=True)
    width = sim.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the simulator page is {width} px wide at 375 px"
    phone.close()
    db.session.rollback()
    ticket = db.session.scalars(sa.select(Ticket)).one()
    assert ticket.kind.value == "safety_hazard" and "2幢1号梯" in ticket.location
