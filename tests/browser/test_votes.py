"""An owners' vote from end to end in Chromium, on a controlled clock: a committee member
drafts and announces a motion in the panel (on a phone); during the notice period the owners
see it and why they cannot vote yet; after it, voting opens, an owner votes in the simulator
(and is asked for consent to the result message), his co-owner sees the household's ballot,
a family member sees why she cannot vote, the committee enters a paper ballot with its scan;
after the window the vote is closed and published, and the result with its figures appears
on the estate's board and in the simulator, where the owner checks his receipt against the
published list.

The result is checked in the published file and on the estate's public disclosure board
(section ``vote_results``, built by ``backend/board`` from the votes' board source).
Screenshots in test-artifacts/screenshots/votes-*.png."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from PIL import Image

from backend.accounts.models import ResidencyRole, StaffRole
from backend.core.time import to_local, utcnow
from backend.votes import api as votes_api
from backend.votes import ballots as votes_ballots
from backend.votes import motions as votes_motions
from backend.votes import publication as votes_publication
from tests.browser.conftest import PHONE, confirm
from tests.browser.test_admin_panel import csrf_on, log_in  # noqa: F401  (CSRF on, as in production)
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

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright").expect
pytestmark = pytest.mark.browser


class Clock:
    """The votes' clock, moved by the test (the servers run in this process)."""

    def __init__(self, monkeypatch):
        self.now = utcnow()
        for module in (votes_motions, votes_ballots, votes_publication, votes_api):
            monkeypatch.setattr(module, "utcnow", lambda: self.now)

    def set(self, moment) -> None:
        self.now = moment


def _phone(browser, errors: list[str]):
    """A new phone-sized page whose JavaScript errors and CSP violations land in ``errors``."""
    page = browser.new_context(**PHONE, locale="zh-CN", timezone_id="Asia/Shanghai").new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return page


def _loaded(page, selector: str) -> None:
    """Wait until the images of ``selector`` have loaded (signed URLs of backend.media)."""
    page.wait_for_function(
        "s => [...document.querySelectorAll(s)].every(i => i.complete && i.naturalWidth > 0)",
        arg=selector,
    )


def _shot(page, screenshot_dir, name: str) -> None:
    page.screenshot(path=screenshot_dir / f"{name}.png", animations="disabled", caret="hide")


def _image(path, color) -> str:
    image = Image.new("RGB", (800, 1100), (250, 250, 245))
    image.paste(color, (60, 60, 740, 200))
    image.paste((40, 40, 40), (500, 900, 720, 960))  # the signature line
    image.save(path, "JPEG", quality=90)
    return str(path)


@pytest.fixture
def estate(db):
    """嘉绿景苑 8幢: 1101 (100.00 m², co-owned by 张伟 and 李娜, 王芳 lives there as family),
    1102 (90.00 m², 刘洋, votes on paper) and 1103 (30.50 m², 孙丽, does not vote)."""
    estate = EstateFactory(name="嘉绿景苑")
    building = BuildingFactory(estate=estate, name="8幢")
    units = {
        number: UnitFactory(building=building, number=number, area=Decimal(area))
        for number, area in (("1101", "100.00"), ("1102", "90.00"), ("1103", "30.50"))
    }
    OwnerRecordFactory(unit=units["1101"], name="张伟", phone="13800000001")
    OwnerRecordFactory(unit=units["1101"], name="李娜", phone="13800000002")
    OwnerRecordFactory(unit=units["1102"], name="刘洋", phone="13800000003")
    OwnerRecordFactory(unit=units["1103"], name="孙丽", phone="13800000004")
    for openid, nickname, role in (
        ("o-demo-zhang", "张伟（业主）", ResidencyRole.owner),
        ("o-demo-li", "李娜（业主）", ResidencyRole.owner),
        ("o-demo-wang", "王芳（家属）", ResidencyRole.family),
    ):
        ResidencyFactory(
            resident=ResidentFactory(openid=openid, nickname=nickname),
            unit=units["1101"],
            role=role,
        )
    StaffFactory(username="weiyuan", name="周建国", role=StaffRole.committee_member, estate=estate)
    return estate


def test_an_owners_vote_from_announcement_to_the_published_result(
    browser, live_stack, db, estate, monkeypatch, tmp_path, screenshot_dir
):
    clock = Clock(monkeypatch)
    opens = (clock.now + timedelta(days=16)).replace(second=0, microsecond=0)
    closes = opens + timedelta(days=7)
    errors: list[str] = []

    # --- the committee member drafts and announces the motion, on a phone -----------------
    panel = _phone(browser, errors)
    log_in(panel, live_stack.backend_url, "weiyuan")
    panel.goto(f"{live_stack.backend_url}/admin/votes")
    panel.locator("#new-motion").click()
    panel.select_option("#estate_id", label="嘉绿景苑")
    panel.select_option("#item", value="4")
    panel.fill("#title", "续聘嘉禾物业为本小区物业服务企业")
    panel.fill("#body", "合同期三年，服务标准与收费标准不变。\n详见附件。")
    panel.set_input_files("#documents", _image(tmp_path / "contract.jpg", (30, 90, 200)))
    panel.fill("#opens_at", to_local(opens).strftime("%Y-%m-%dT%H:%M"))
    panel.fill("#closes_at", to_local(closes).strftime("%Y-%m-%dT%H:%M"))
    _shot(panel, screenshot_dir, "votes-01-panel-draft")
    panel.locator("#save-motion").click()
    expect(panel.locator("#motion-state")).to_have_attribute("data-state", "draft")
    panel.locator("#do-announce").click()
    confirm(panel, "投票权人名单即冻结")
    expect(panel.locator("#motion-state")).to_have_attribute("data-state", "announced")
    expect(panel.locator("#motion-notice")).to_contain_text("公告期 15 天")
    expect(panel.locator("#motion-electorate")).to_contain_text("3 人，专有部分总面积 220.50 m²")
    motion_url = panel.url
    _shot(panel, screenshot_dir, "votes-02-panel-announced")

    # --- during the notice period the owner sees the motion but cannot vote yet ------------
    zhang = _phone(browser, errors)
    sign_in(zhang, live_stack, "o-demo-zhang", "张伟（业主）")
    zhang.get_by_test_id("home-vote").click()
    expect(zhang.get_by_test_id("motion-cell")).to_have_count(1)
    zhang.get_by_test_id("motion-cell").click()
    expect(zhang.get_by_test_id("motion-state")).to_have_attribute("data-state", "announced")
    expect(zhang.get_by_test_id("why-not")).to_contain_text("公告期至")
    expect(zhang.get_by_test_id("motion-documents").locator("img")).to_have_count(1)
    _loaded(zhang, "[data-testid=motion-documents] img")
    _shot(zhang, screenshot_dir, "votes-03-simulator-notice")

    # --- after the notice period voting opens ----------------------------------------------
    clock.set(opens + timedelta(hours=1))
    panel.goto(motion_url)
    panel.locator("#do-open").click()
    confirm(panel)
    expect(panel.locator("#motion-state")).to_have_attribute("data-state", "open")
    expect(panel.locator("#participation")).to_have_attribute("hx-trigger", "every 5s")

    zhang.reload()
    zhang.get_by_test_id("go-ballot").click()
    zhang.get_by_test_id("choice-agree").check()
    _shot(zhang, screenshot_dir, "votes-04-simulator-ballot")
    zhang.get_by_test_id("cast-ballot").click()
    answer_subscribe(zhang)  # consent to the announcement, closing and result messages
    expect(zhang.get_by_test_id("receipt-code")).to_be_visible()
    receipt = zhang.get_by_test_id("receipt-code").inner_text()
    expect(zhang.get_by_test_id("receipt-choice")).to_have_text("同意")
    expect(zhang.get_by_test_id("toast")).to_be_hidden()
    _shot(zhang, screenshot_dir, "votes-05-simulator-receipt")

    # the co-owner of 1101 shares that ballot; the family member may not vote
    li = _phone(browser, errors)
    sign_in(li, live_stack, "o-demo-li", "李娜（业主）")
    li.goto(f"{live_stack.simulator_url}#/votes")
    li.get_by_test_id("motion-cell").click()
    expect(li.get_by_test_id("already-voted")).to_contain_text("本户已投票")
    expect(li.get_by_test_id("go-ballot")).to_have_count(0)
    _shot(li, screenshot_dir, "votes-06-simulator-co-owner")
    wang = _phone(browser, errors)
    sign_in(wang, live_stack, "o-demo-wang", "王芳（家属）")
    wang.goto(f"{live_stack.simulator_url}#/votes")
    wang.get_by_test_id("motion-cell").click()
    expect(wang.get_by_test_id("why-not")).to_contain_text("家属")
    expect(wang.get_by_test_id("why-not")).to_contain_text("家属、租户不能投票")
    _shot(wang, screenshot_dir, "votes-07-simulator-family")

    # --- the committee enters 刘洋's paper ballot with its scan ----------------------------
    panel.goto(motion_url)
    panel.locator("#channel-paper").check()
    panel.select_option("#building_id", label="8幢")
    panel.fill("#number", "1102")
    panel.locator("#choice-agree").check()
    panel.set_input_files("#scan", _image(tmp_path / "ballot.jpg", (200, 60, 30)))
    panel.locator("#save-ballot").click()
    confirm(panel, "确定录入吗")
    expect(panel.locator(".entered-ballot")).to_have_count(1)
    expect(panel.locator(".entered-ballot img")).to_have_count(1)
    _loaded(panel, ".entered-ballot img")
    # 2 of 3 heads (exactly 2/3: enough) and 190.00 of 220.50 m²
    expect(panel.locator("#bar-1")).to_have_attribute("data-reached", "true")
    expect(panel.locator("#bar-2")).to_have_attribute("data-reached", "true")
    expect(panel.locator("#bar-2")).to_contain_text("2/3")
    panel.locator("#participation").scroll_into_view_if_needed()
    _shot(panel, screenshot_dir, "votes-08-panel-participation")

    # --- after the window: close, count and publish ----------------------------------------
    clock.set(closes + timedelta(minutes=1))
    panel.goto(motion_url)
    panel.locator("#do-close").click()
    confirm(panel)
    expect(panel.locator("#motion-state")).to_have_attribute("data-state", "closed")
    panel.locator("#do-publish").click()
    confirm(panel)
    expect(panel.locator("#motion-state")).to_have_attribute("data-state", "published")
    expect(panel.locator("#result-line")).to_contain_text("表决通过")
    expect(panel.locator("#fig-participation-head-ratio")).to_contain_text("2/3")
    expect(panel.locator("#fig-participation-area-ratio")).to_contain_text("380/441")
    expect(panel.locator("#fig-agree-area")).to_have_text("190.00 m²")
    panel.locator("#result").scroll_into_view_if_needed()
    _shot(panel, screenshot_dir, "votes-09-panel-result")

    # the published file (what the board's vote_results section shows) has every figure
    published = json.loads(panel.request.get(f"{motion_url}/result.json").text())
    assert published["tally"]["result"] == "passed"
    assert published["tally"]["participation_head_ratio"] == "2/3"
    assert published["tally"]["failed_condition"] is None
    assert receipt in [b["receipt"] for b in published["ballots"]]
    assert published["chain_head"] == published["ballots"][-1]["hash"]
    # and the estate's public board shows the result with its figures (section vote_results)
    board = json.loads(panel.request.get(f"{live_stack.api_base}/estates/{estate.id}/board").text())
    (section,) = [s for s in board["sections"] if s["code"] == "vote_results"]
    (result,) = [p for p in section["posts"] if p["title"].startswith("表决结果")]
    assert result["data"]["tally"] == published["tally"]
    assert result["data"]["chain_head"] == published["chain_head"]

    # --- the owner reads the result and checks his receipt ---------------------------------
    zhang.goto(f"{live_stack.simulator_url}#/votes")
    zhang.get_by_test_id("motion-cell").click()
    zhang.get_by_test_id("go-result").click()
    expect(zhang.get_by_test_id("result-headline")).to_have_text("表决通过")
    expect(zhang.get_by_test_id("fig-participation-head-ratio")).to_contain_text("2/3")
    expect(zhang.get_by_test_id("fig-agree-area")).to_have_text("190.00 m²")
    expect(zhang.get_by_test_id("result-chain-head")).to_have_text(published["chain_head"])
    # issue 19 defect 9: no command line for developers on the residents' page
    expect(zhang.locator("body")).not_to_contain_text("python")
    _shot(zhang, screenshot_dir, "votes-10-simulator-result")
    zhang.get_by_test_id("go-check").click()
    expect(zhang.get_by_test_id("check-receipt-input")).to_have_value(receipt)
    zhang.get_by_test_id("check-receipt").click()
    expect(zhang.get_by_test_id("check-found")).to_be_visible()
    _shot(zhang, screenshot_dir, "votes-11-simulator-receipt-checked")
    zhang.get_by_test_id("check-receipt-input").fill("AAAA-BBBB-CCCC")
    zhang.get_by_test_id("check-receipt").click()
    expect(zhang.get_by_test_id("check-missing")).to_be_visible()

    for page in (panel, zhang, li, wang):
        page.context.close()
    assert not errors, f"JavaScript errors in the pages: {errors}"
