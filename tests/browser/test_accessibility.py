"""Every page people use, checked by axe-core at phone width: the simulator's pages in the
standard and the elder mode (the elder ones also measured: text, targets, contrast,
nothing clipped), the public board, post, receipt and order verification pages in both
modes, and the panel's technician and cashier pages. Zero serious or critical violations;
the count of pages checked is printed.

A new simulator page: add its hash to ``simulator_pages`` below (or call
``check_page``/``measure_elder`` from ``tests/browser/accessibility.py`` in its own test).
"""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest

from backend.accounts.models import ResidencyRole, StaffRole
from backend.board import services as board_services
from backend.board.services import Content
from backend.core.db import commit
from backend.core.time import utcnow
from backend.media.audio import tone_clip
from backend.votes import motions
from tests.browser.accessibility import CHECKED, check_page, measure_elder
from tests.browser.conftest import PHONE
from tests.browser.test_admin_panel import log_in
from tests.factories import (
    BillFactory,
    FeeItemFactory,
    OwnerRecordFactory,
    ResidencyFactory,
    ResidentFactory,
    StaffFactory,
    UnitFactory,
)
from tests.helpers import bearer

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright").expect
pytestmark = pytest.mark.browser


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, **PHONE}


@pytest.fixture
def world(db, client):
    """An estate with a family (owner 张伟, family 王芳), bills, a ticket, a must-read post
    on the board, an open owners' vote, a technician and a cashier."""
    unit = UnitFactory(number="101", building__name="1幢", building__estate__name="嘉绿景苑")
    estate = unit.estate
    OwnerRecordFactory(unit=unit, name="张伟", phone="13800000001")
    owner = ResidentFactory(openid="o-demo-zhang", nickname="张伟（业主）")
    residency = ResidencyFactory(resident=owner, unit=unit)
    family = ResidentFactory(openid="o-demo-wang", nickname="王芳（家属）")
    ResidencyFactory(resident=family, unit=unit, role=ResidencyRole.family)
    item = FeeItemFactory(estate=estate, name="物业服务费")
    for month in (11, 12):
        BillFactory(unit=unit, fee_item=item, period=date(2026, month, 1))
    company = StaffFactory(role=StaffRole.company_admin, company=estate.company)
    StaffFactory(username="a11y.weixiu", role=StaffRole.technician, company=estate.company)
    StaffFactory(username="a11y.kefu", role=StaffRole.service_desk, company=estate.company)
    committee = StaffFactory(role=StaffRole.committee_member, estate=estate)
    commit()
    post = board_services.publish(
        company,
        estate.id,
        "manager",
        Content(title="项目负责人：物业服务中心", body="<p>服务中心电话 0571-88886666</p>"),
        must_read=True,
    )
    now = utcnow()
    motion = motions.create_motion(
        committee,
        estate.id,
        item=4,
        title="续聘物业服务企业",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=1),
    )
    motions.announce(committee, motion, now=now - timedelta(days=16))
    motions.open_voting(committee, motion, now=now)
    commit()
    # the ticket page plays the resident's voice note
    voice = client.post(
        "/api/v1/media/voice-notes",
        data={"file": (io.BytesIO(tone_clip(2)), "voice.m4a", "audio/mp4")},
        headers=bearer(owner),
        content_type="multipart/form-data",
    ).json
    ticket = client.post(
        "/api/v1/tickets",
        json={
            "kind": "home_repair",
            "urgency": "normal",
            "unit_id": unit.id,
            "description": "厨房水龙头漏水",
            "photo_ids": [],
            "voice_note_id": voice["id"],
        },
        headers=bearer(owner),
    ).json
    # 王芳 asks the household (张伟) to help with her ticket: 张伟's 帮家人跟进 page
    family_ticket = client.post(
        "/api/v1/tickets",
        json={"kind": "home_repair", "unit_id": unit.id, "description": "阳台门关不上"},
        headers=bearer(family),
    ).json
    asked = client.post(
        "/api/v1/me/help-requests", json={"ticket_id": family_ticket["id"]}, headers=bearer(family)
    )
    assert asked.status_code == 201, asked.json
    return {
        "estate": estate.id,
        "residency": residency.id,
        "ticket": ticket["id"],
        "family_ticket": family_ticket["id"],
        "post": post.id,
        "motion": motion.id,
    }


def simulator_pages(ids: dict) -> list[str]:
    """Every page of the simulator, as its hash (other features add theirs here)."""
    return [
        "#/home",
        "#/units",
        "#/messages",
        "#/me",
        "#/bind/invite",
        "#/bind/request",
        f"#/invite/{ids['residency']}",
        "#/tickets",
        "#/tickets/new",
        f"#/tickets/{ids['ticket']}",
        f"#/family/tickets/{ids['family_ticket']}",
        "#/bills",
        "#/payments",
        f"#/receipt/{ids['payment']}",
        "#/boards",
        f"#/board/{ids['estate']}",
        f"#/board/{ids['estate']}/section/manager",
        f"#/board-post/{ids['post']}",
        "#/votes",
        f"#/votes/{ids['motion']}",
        f"#/votes/{ids['motion']}/ballot",
        f"#/votes/{ids['motion']}/check",
    ]


def _settled(page) -> None:
    page.wait_for_function("document.body.dataset.busy !== 'true'")
    page.wait_for_function("!document.querySelector('.skeleton')")


def _pay_one_bill(page) -> int:
    """Pay a bill through the simulator (for a receipt to look at): the payment's id."""
    page.evaluate("location.hash = '#/bills'")
    page.get_by_test_id("bill-cell").first.locator("input").check()
    page.get_by_test_id("pay-selected").click()
    page.get_by_test_id("subscribe-allow").click()
    page.get_by_test_id("pay-confirm").click()
    expect(page.get_by_test_id("receipt")).to_be_visible()
    return int(page.evaluate("location.hash").rsplit("/", 1)[1])


def test_every_page_passes_axe_and_elder_pages_measure_up(
    page, browser, live_stack, db, world, capsys
):
    CHECKED.clear()
    sim = live_stack.simulator_url
    page.goto(f"{sim}?mode=standard")
    check_page(page, "simulator login")
    page.get_by_test_id("login-user-o-demo-zhang").click()
    expect(page.get_by_test_id("hello")).to_be_visible()
    ids = {**world, "payment": _pay_one_bill(page)}
    receipt_link = page.get_by_test_id("receipt-verify").get_attribute("href")
    for mode in ("standard", "elder"):
        page.goto(f"{sim}?mode={mode}#/home")
        expect(page.get_by_test_id("hello")).to_be_visible()
        for hash_ in simulator_pages(ids):
            page.evaluate(f"location.hash = '{hash_}'")
            _settled(page)
            name = f"simulator {hash_} ({mode})"
            check_page(page, name)
            if mode == "elder":
                measure_elder(page, name)

    public = [
        f"/board/{ids['estate']}",
        f"/board/{ids['estate']}/posts/{ids['post']}",
        receipt_link.split("://", 1)[1].split("/", 1)[1],
        "receipts/not-a-code",
        "fund-orders/not-a-code",
    ]
    for path in public:
        for query in ("", "?mode=elder&font_scale=1.4"):
            url = f"{live_stack.backend_url}/{path.lstrip('/')}{query}"
            page.goto(url)
            check_page(page, url)
            if query:
                measure_elder(page, url)

    # the panel's pages used on a phone: the technician's tickets and the cashier
    for username, path in (("a11y.weixiu", "/admin/tickets/mine"), ("a11y.kefu", "/admin/cashier")):
        staff = browser.new_context(**PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
        try:
            panel = staff.new_page()
            log_in(panel, live_stack.backend_url, username)
            panel.goto(f"{live_stack.backend_url}{path}")
            check_page(panel, f"panel {path}")
        finally:
            staff.close()

    with capsys.disabled():
        print(f"\naxe-core: {len(CHECKED)} pages checked, no serious or critical violations")
    assert len(CHECKED) >= 2 * len(simulator_pages(ids)) + 2 * len(public) + 3
