"""A use of the maintenance fund from proposal to disclosure in Chromium, on a controlled
clock: the company drafts and proposes it in the panel, the committee puts it to the owners
of its 列支范围, an owner votes in the simulator, the street office (杭州市's reviewer)
approves and notifies the bank, the bank records the payment against a verifiable order,
the company accepts the work, the committee discloses it, and the estate's public board
shows it with its vote and payment. Screenshots in test-artifacts/screenshots/fund-*.png."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from backend.accounts.models import ResidencyRole, Resident, StaffRole
from backend.core.db import commit
from backend.core.time import utcnow
from backend.fund import ledger
from backend.fund import uses as fund_uses
from backend.fund.models import FundUse
from backend.votes import api as votes_api
from backend.votes import ballots as votes_ballots
from backend.votes import motions as votes_motions
from backend.votes import publication as votes_publication
from backend.votes.models import Motion
from tests.browser.conftest import PHONE, nav_to
from tests.browser.test_admin_panel import log_in
from tests.browser.test_simulator import answer_subscribe, sign_in
from tests.factories import (
    BuildingFactory,
    EstateFactory,
    OwnerRecordFactory,
    ResidencyFactory,
    ResidentFactory,
    StaffFactory,
    UnitFactory,
)

#: a plain one-page PDF (what the media store accepts)
QUOTE_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<<>>\n%%EOF\n"

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright").expect
pytestmark = pytest.mark.browser


class Clock:
    """The clock of the fund and of the votes, moved by the test."""

    def __init__(self, monkeypatch):
        self.now = utcnow()
        for module in (fund_uses, votes_motions, votes_ballots, votes_publication, votes_api):
            monkeypatch.setattr(module, "utcnow", lambda: self.now)


def _phone(browser, errors):
    page = browser.new_context(**PHONE, locale="zh-CN", timezone_id="Asia/Shanghai").new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return page


def _shot(page, screenshot_dir, name):
    page.screenshot(path=screenshot_dir / f"{name}.png", animations="disabled", caret="hide")


#: the simulator's demo users (miniapp_mock/wechat_server.py)
NICKNAMES = {
    "o-demo-zhang": "张伟（业主）",
    "o-demo-li": "李娜（业主）",
    "o-demo-chen": "陈静（新住户）",
}


@pytest.fixture
def estate(db):
    """嘉绿景苑 (杭州市: the street office reviews): 8幢 1101 (张伟) and 1102 (李娜) pay for
    the use; 9幢 901 (陈静) is outside its 列支范围."""
    estate = EstateFactory(name="嘉绿景苑")
    eight = BuildingFactory(estate=estate, name="8幢")
    nine = BuildingFactory(estate=estate, name="9幢")
    units = {
        "1101": UnitFactory(building=eight, number="1101", area=Decimal("100.00")),
        "1102": UnitFactory(building=eight, number="1102", area=Decimal("90.00")),
        "901": UnitFactory(building=nine, number="901", area=Decimal("120.00")),
    }
    for number, name, openid in (
        ("1101", "张伟", "o-demo-zhang"),
        ("1102", "李娜", "o-demo-li"),
        ("901", "陈静", "o-demo-chen"),
    ):
        OwnerRecordFactory(
            unit=units[number], name=name, phone=f"1380000{len(number):04d}{number[-1]}"
        )
        ResidencyFactory(
            resident=ResidentFactory(openid=openid, nickname=NICKNAMES[openid]),
            unit=units[number],
            role=ResidencyRole.owner,
        )
    StaffFactory(
        username="jiahe.admin",
        name="周建华",
        role=StaffRole.company_admin,
        company_id=estate.company_id,
    )
    StaffFactory(username="weiyuan", name="周建国", role=StaffRole.committee_member, estate=estate)
    StaffFactory(
        username="wenxin", name="钱文博", role=StaffRole.street_officer, street_id=estate.street_id
    )
    StaffFactory(username="bank", name="工行文新支行", role=StaffRole.fund_bank, district="西湖区")
    ledger.post_initial_deposits(estate.id, Decimal("400.00"), date(2019, 6, 1))
    commit()
    estate.units = units
    return estate


def test_a_use_from_proposal_to_disclosure(
    browser, live_stack, db, estate, monkeypatch, screenshot_dir
):
    clock = Clock(monkeypatch)
    errors: list[str] = []
    backend = live_stack.backend_url

    # --- the company drafts and proposes the plan, on a phone ------------------------------
    company = _phone(browser, errors)
    log_in(company, backend, "jiahe.admin")
    company.goto(f"{backend}/admin/fund")
    company.locator("#new-use").click()
    company.fill("#title", "8幢屋面防水翻修")
    company.fill("#items", "屋面防水层铲除重做；落水管更换")
    company.fill("#budget", "38000.00")
    company.fill("#contractor", "杭州恒固防水工程有限公司")
    company.get_by_label("8幢").check()
    _shot(company, screenshot_dir, "fund-01-company-draft")
    company.locator("#save-use").click()
    expect(company.locator("#use-state")).to_have_attribute("data-state", "draft")
    use_url = company.url
    company.locator("#do-propose").click()
    expect(company.locator("#use-state")).to_have_attribute("data-state", "proposed")
    # the contractor's quote goes with the plan (a PDF, checked by the media store)
    company.locator("#document-kind").select_option("quote")
    company.set_input_files(
        "#document-file",
        files=[{"name": "防水工程报价单.pdf", "mimeType": "application/pdf", "buffer": QUOTE_PDF}],
    )
    company.locator("#upload-document").click()
    expect(company.locator("#use-documents")).to_contain_text("防水工程报价单.pdf")
    company.locator("#use-documents").scroll_into_view_if_needed()
    _shot(company, screenshot_dir, "fund-01b-company-documents")

    # --- the committee puts it to the owners of 8幢 ------------------------------------------
    committee = _phone(browser, errors)
    log_in(committee, backend, "weiyuan")
    committee.goto(use_url)
    committee.locator("#do-publicise").click()
    expect(committee.locator("#use-state")).to_have_attribute("data-state", "publicised")
    expect(committee.locator("#use-motion")).to_be_visible()
    _shot(committee, screenshot_dir, "fund-02-committee-publicised")
    db.session.rollback()
    use = db.session.scalars(sa.select(FundUse)).one()
    motion = db.session.get(Motion, use.motion_id)
    assert motion.total_heads == 2 and motion.total_area == Decimal("190.00")

    # --- after the notice period the vote opens; 张伟 votes in the simulator ---------------
    clock.now = motion.opens_at + timedelta(hours=1)
    committee.goto(use_url)
    committee.locator("#do-open_vote").click()
    expect(committee.locator("#use-state")).to_have_attribute("data-state", "voting")
    zhang = _phone(browser, errors)
    sign_in(zhang, live_stack, "o-demo-zhang", "张伟（业主）")
    zhang.get_by_test_id("home-vote").click()
    zhang.get_by_test_id("motion-cell").first.click()
    zhang.get_by_test_id("go-ballot").click()
    zhang.get_by_test_id("choice-agree").check()
    _shot(zhang, screenshot_dir, "fund-03-simulator-ballot")
    zhang.get_by_test_id("cast-ballot").click()
    answer_subscribe(zhang)
    expect(zhang.get_by_test_id("receipt-code")).to_be_visible()
    # 陈静 (9幢 901, outside the 列支范围) may not vote on it
    chen = _phone(browser, errors)
    sign_in(chen, live_stack, "o-demo-chen", "陈静（新住户）")
    chen.goto(f"{live_stack.simulator_url}#/votes")
    chen.get_by_test_id("motion-cell").first.click()
    expect(chen.get_by_test_id("go-ballot")).to_have_count(0)
    expect(chen.get_by_test_id("why-not")).to_contain_text("不在本次表决的表决人名册")
    _shot(chen, screenshot_dir, "fund-04-simulator-outside-scope")
    # 李娜 votes too (through the service: the simulator's ballot is shown above)
    db.session.rollback()
    li = db.session.scalars(sa.select(Resident).where(Resident.openid == "o-demo-li")).one()
    motion = db.session.get(Motion, use.motion_id)
    votes_ballots.cast_online(li, motion, choice="agree", now=clock.now)
    commit()

    # --- after the window: counted (passed), submitted, reviewed by the street office ------
    clock.now = motion.closes_at + timedelta(minutes=1)
    committee.goto(use_url)
    committee.locator("#do-count").click()
    expect(committee.locator("#use-state")).to_have_attribute("data-state", "passed")
    company.goto(use_url)
    company.locator("#do-submit").click()
    expect(company.locator("#use-state")).to_have_attribute("data-state", "review")
    street = _phone(browser, errors)
    log_in(street, backend, "wenxin")
    street.goto(use_url)
    street.fill("#note-approve", "方案、预算与表决结果相符")
    street.locator("#do-approve").click()
    expect(street.locator("#use-state")).to_have_attribute("data-state", "approved")
    street.locator("#do-notify_bank").click()
    expect(street.locator("#use-state")).to_have_attribute("data-state", "bank_notified")
    _shot(street, screenshot_dir, "fund-05-street-notified")

    # --- the bank: the order with its QR, then the payment --------------------------------
    bank = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai").new_page()
    log_in(bank, backend, "bank")
    bank.goto(f"{backend}/admin/fund/orders")
    expect(bank.locator("table")).to_contain_text("8幢屋面防水翻修")
    bank.goto(f"{use_url}/order")
    expect(bank.locator("#order-amount")).to_have_text("¥38,000.00")
    bank.wait_for_function("() => document.querySelector('#order-qr').naturalWidth > 0")
    _shot(bank, screenshot_dir, "fund-06-bank-order")
    verify = bank.locator("figcaption").inner_text().split("：", 1)[1]
    bank.goto(verify)
    expect(bank.locator("#order-status")).to_contain_text("有效")
    bank.goto(use_url)
    bank.fill("#amount", "38000.00")
    bank.fill("#paid_on", "2026-03-01")
    bank.fill("#bank_reference", "ICBC-0301-0001")
    bank.locator("#record-payment").click()
    expect(bank.locator("#use-state")).to_have_attribute("data-state", "paid")
    expect(bank.locator("#payment-1")).to_contain_text("¥38,000.00")
    _shot(bank, screenshot_dir, "fund-07-bank-paid")

    # --- accepted, disclosed; the public board shows it --------------------------------------
    company.goto(use_url)
    company.fill("#note-accept", "竣工验收合格")
    company.locator("#do-accept").click()
    expect(company.locator("#use-state")).to_have_attribute("data-state", "accepted")
    committee.goto(use_url)
    committee.locator("#do-disclose").click()
    expect(committee.locator("#use-state")).to_have_attribute("data-state", "disclosed")
    _shot(committee, screenshot_dir, "fund-08-committee-disclosed")
    board = json.loads(
        committee.request.get(f"{live_stack.api_base}/estates/{estate.id}/board").text()
    )
    (section,) = [s for s in board["sections"] if s["code"] == "fund_uses"]
    (post,) = [p for p in section["posts"] if p["title"].endswith("8幢屋面防水翻修")]
    assert post["data"]["state"] == "disclosed"
    assert post["data"]["vote"]["result"] == "passed"
    assert post["data"]["payments"] == [
        {"instalment": 1, "amount_fen": 3_800_000, "paid_on": "2026-03-01"}
    ]
    public = _phone(browser, errors)
    public.goto(f"{backend}/board/{estate.id}")
    expect(public.locator("body")).to_contain_text("8幢屋面防水翻修")
    public.get_by_text("8幢屋面防水翻修").first.scroll_into_view_if_needed()
    _shot(public, screenshot_dir, "fund-09-public-board")
    # the owners' split: 100 : 90 of ¥38,000.00 (as the browser's requests committed it)
    db.session.rollback()
    figures = {b.unit_id: b.balance_fen for b in ledger.balances(estate.id).values()}
    assert figures[estate.units["1101"].id] == 4_000_000 - 2_000_000
    assert figures[estate.units["1102"].id] == 3_600_000 - 1_800_000
    assert figures[estate.units["901"].id] == 4_800_000

    # --- 张伟 sees his account and the use that charged it, with its quote, in the simulator
    zhang.goto(f"{live_stack.simulator_url}#/home")
    zhang.get_by_test_id("home-fund").click()
    expect(zhang.get_by_test_id("fund-balance")).to_have_text("¥20,000.00")
    expect(zhang.get_by_test_id("fund-entry").first).to_contain_text("使用列支")
    _shot(zhang, screenshot_dir, "fund-10-simulator-my-fund")
    zhang.get_by_test_id("fund-use-cell").first.click()
    expect(zhang.get_by_test_id("fund-use-state")).to_have_attribute("data-state", "disclosed")
    expect(zhang.get_by_test_id("fund-use-share")).to_have_text("¥20,000.00")
    expect(zhang.get_by_test_id("fund-use-document")).to_contain_text("防水工程报价单.pdf")
    _shot(zhang, screenshot_dir, "fund-11-simulator-use")
    # 陈静 (outside the 列支范围) has an account but no use charged to it
    chen.goto(f"{live_stack.simulator_url}#/fund")
    expect(chen.get_by_test_id("fund-balance")).to_have_text("¥48,000.00")
    expect(chen.get_by_test_id("fund-uses-empty")).to_be_visible()

    # --- the street's dashboard shows the fund, each figure linked --------------------------
    desk = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai"
    ).new_page()
    log_in(desk, backend, "wenxin")
    desk.goto(f"{backend}/admin/supervision")
    expect(desk.locator("#fund-figures")).to_contain_text("维修资金")
    expect(desk.locator("#fund-by-state")).to_contain_text("已公示结算")
    desk.locator("#fund-figures").scroll_into_view_if_needed()
    _shot(desk, screenshot_dir, "fund-12-street-dashboard")
    desk.locator("#fund-by-state a").first.click()
    expect(desk.locator("#fund-uses-table")).to_contain_text("8幢屋面防水翻修")

    for page in (company, committee, zhang, chen, street, bank, public, desk):
        page.context.close()
    assert not errors, f"JavaScript errors in the pages: {errors}"


def _hazard_photo() -> bytes:
    """A 640×480 JPEG of a burst pipe on a wall (drawn), carrying GPS in its EXIF."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 480), (196, 190, 178))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 360, 640, 480), fill=(120, 118, 112))
    draw.rectangle((260, 0, 300, 360), fill=(90, 96, 104))
    for i in range(14):
        x = 240 + i * 6
        draw.line((x, 170, x - 60 + i * 9, 470), fill=(70, 140, 215), width=4)
    draw.ellipse((150, 400, 470, 470), fill=(85, 150, 210))
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (30.0, 16.0, 12.0), 3: "E", 4: (120.0, 9.0, 3.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()


def test_emergency_evidence_photos_as_thumbnails(
    browser, live_stack, db, estate, monkeypatch, screenshot_dir
):
    """The committee attaches a photo of the hazard to an emergency as its evidence; the
    use's page shows it as a thumbnail at 1280 px, and so does the reviewing street office."""
    from types import SimpleNamespace

    from backend.fund.models import FundUseUnit, UseKind, UseState
    from tests.fund.test_uses import bare_use

    use = bare_use(SimpleNamespace(estate=estate), UseKind.emergency, UseState.review)
    use.title, use.budget_fen = "8幢地下室给水管爆裂应急抢修", 12_800_00
    use.emergency_category, use.items = "pump", "更换爆裂的 DN100 给水主管及阀门"
    db.session.add(FundUseUnit(use_id=use.id, unit_id=estate.units["1101"].id))
    commit()
    errors: list[str] = []
    backend = live_stack.backend_url
    committee = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai"
    ).new_page()
    committee.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(committee, backend, "weiyuan")
    nav_to(committee, "维修资金")
    committee.locator(f"#fund-use-{use.id} a").first.click()
    expect(committee.locator("#document-form")).to_be_visible()
    committee.locator("#document-kind").select_option("evidence")
    committee.set_input_files(
        "#document-file",
        files=[{"name": "地下室爆管.jpg", "mimeType": "image/jpeg", "buffer": _hazard_photo()}],
    )
    committee.locator("#upload-document").click()
    expect(committee.locator(".alert-success")).to_contain_text("应急证明")
    thumb = committee.locator("#evidence-photos img").first
    expect(thumb).to_be_visible()
    committee.wait_for_load_state("networkidle")
    assert committee.evaluate(
        "() => [...document.querySelectorAll('#evidence-photos img')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    committee.locator("#use-documents").scroll_into_view_if_needed()
    _shot(committee, screenshot_dir, "fund-13-evidence-photo")
    # the reviewer (杭州市: the street office) sees the same thumbnail on its review
    street = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="zh-CN", timezone_id="Asia/Shanghai"
    ).new_page()
    log_in(street, backend, "wenxin")
    street.goto(committee.url)
    expect(street.locator("#evidence-photos img")).to_have_count(1)
    for page in (committee, street):
        page.context.close()
    assert not errors, f"JavaScript errors in the pages: {errors}"
