"""The disclosure board from end to end in Chromium: a company publishes a money statement
in the panel (previewed, sanitised) and then corrects it; the public board page, opened on
a phone from the QR code of the downloaded poster, shows the current version and the
correction trail; the poster downloads as PNG and as a one-page PDF with the QR code; a
resident reads the must-read post in the simulator and the panel counts it.
Screenshots in test-artifacts/screenshots/."""

from __future__ import annotations

import pypdf
import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image

from backend.accounts.models import StaffRole
from tests.browser.conftest import PHONE, confirm
from tests.browser.test_admin_panel import log_in
from tests.factories import ResidencyFactory, ResidentFactory, StaffFactory

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright").expect
pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def _picture(path) -> str:
    Image.new("RGB", (640, 480), (30, 90, 200)).save(path, "JPEG", quality=90)
    return str(path)


def _shot(phone_page, screenshot_dir, name: str) -> None:
    """Save what a phone (a page of its own context) shows."""
    phone_page.screenshot(path=screenshot_dir / f"{name}.png", animations="disabled", caret="hide")


def _qr(image: Image.Image) -> list[str]:
    return [result.text for result in zxingcpp.read_barcodes(image)]


def _post(db):
    # imported here: at collection time the media models (a post's photos) are not yet
    from backend.board.models import Post

    db.session.rollback()
    return db.session.scalars(sa.select(Post)).one()


def test_publish_correct_and_read_the_public_board(
    page, browser, live_stack, db, tmp_path, screenshot, screenshot_dir
):
    owner = ResidentFactory(openid="o-demo-zhang", nickname="张伟（业主）")
    residency = ResidencyFactory(
        resident=owner, unit__number="1101", unit__building__estate__name="嘉绿景苑"
    )
    estate = residency.unit.building.estate
    estate.company.phone = "0571-88886666"
    StaffFactory(
        username="manager", name="陈经理", role=StaffRole.company_admin, company=estate.company
    )
    db.session.commit()
    backend = live_stack.backend_url

    # --- the company writes a quarterly statement, previews it and publishes ----------------
    log_in(page, backend, "manager")
    page.goto(f"{backend}/admin/board")
    expect(page.locator("h1")).to_contain_text("嘉绿景苑")
    page.locator("#compose-public_income").click()
    page.locator("#title").fill("2026 年第三季度公共收益收支")
    page.locator("#body").fill(
        '<p>本季度电梯广告与停车收益如下，<img src=x onerror="alert(1)">'
        "<strong>欢迎业主监督</strong>。</p><script>alert(2)</script>"
    )
    page.locator("#statement_title").fill("2026 年 7–9 月")
    page.locator("#opening_balance").fill("1000")
    items = page.locator("input[name=line_item]")
    incomes = page.locator("input[name=line_income]")
    expenses = page.locator("input[name=line_expense]")
    items.nth(0).fill("电梯广告")
    incomes.nth(0).fill("3600")
    items.nth(1).fill("绿化养护")
    expenses.nth(1).fill("1200.50")
    page.locator("#total_income").fill("3600")
    page.locator("#must_read").check()
    page.locator("#files").set_input_files(_picture(tmp_path / "contract.jpg"))
    page.locator("#preview-button").click()
    expect(page.locator("#preview")).to_be_visible()
    expect(page.locator("#preview-sanitized")).to_be_visible()
    expect(page.locator("#preview-body strong")).to_have_text("欢迎业主监督")
    expect(page.locator("#preview-body img, #preview-body script")).to_have_count(0)
    expect(page.locator("#preview .statement-closing")).to_have_text("¥3,399.50")
    # the photo chosen before the preview is kept, listed with the form
    expect(page.locator("#chosen-files img")).to_have_count(1)
    screenshot("board-01-panel-preview")
    page.locator("#publish-button").click()
    confirm(page, "确定发布吗")
    expect(page.locator("#post-title")).to_contain_text("2026 年第三季度公共收益收支")
    expect(page.locator("#post-version")).to_have_text("第 1 版")
    expect(page.locator("#read-percent")).to_have_text("0.0%")
    screenshot("board-02-panel-published")
    post = _post(db)
    assert post.must_read and len(post.current.attachments) == 1

    # --- then corrects it: a new version with its reason -----------------------------------
    page.locator("#correct-button").click()
    expect(page.locator("#title")).to_have_value("2026 年第三季度公共收益收支")
    page.locator("#title").fill("2026 年第三季度公共收益收支（更正）")
    page.locator("input[name=line_income]").nth(0).fill("3800")
    page.locator("#total_income").fill("3800")
    page.locator("#reason").fill("电梯广告收入少记 200 元")
    page.locator("#publish-button").click()
    confirm(page, "确定发布吗")
    expect(page.locator("#post-version")).to_have_text("第 2 版")
    expect(page.locator("#version-1")).to_contain_text("首次发布")
    expect(page.locator("#version-2")).to_contain_text("电梯广告收入少记 200 元")
    screenshot("board-03-panel-corrected")

    # --- the poster downloads as PNG and as a one-page PDF, each with the QR code -----------
    page.goto(f"{backend}/admin/board")
    with page.expect_download() as download:
        page.locator("#poster-png").click()
    png_path = tmp_path / "poster.png"
    download.value.save_as(png_path)
    poster_png = Image.open(png_path)
    assert poster_png.size == (1654, 2339)  # A4 at 200 dpi
    [public_url] = _qr(poster_png)
    assert public_url == f"{backend}/board/{estate.id}"
    poster_png.save(screenshot_dir / "board-04-poster.png")
    with page.expect_download() as download:
        page.locator("#poster-pdf").click()
    pdf_path = tmp_path / "poster.pdf"
    download.value.save_as(pdf_path)
    reader = pypdf.PdfReader(pdf_path)
    assert len(reader.pages) == 1
    [pdf_image] = reader.pages[0].images
    assert _qr(pdf_image.image) == [public_url]

    # --- a passer-by scans the poster: the public page, no sign-in --------------------------
    phone = browser.new_context(**PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    passer_by = phone.new_page()
    passer_by.goto(public_url)
    expect(passer_by.locator("#estate-name")).to_have_text("嘉绿景苑")
    expect(passer_by.locator("#service-phone")).to_have_text("0571-88886666")
    item = passer_by.locator(f"#post-{post.id}")
    expect(item).to_contain_text("2026 年第三季度公共收益收支（更正）")
    expect(item.locator(".tag.corrected")).to_have_text("已更正")
    expect(item.locator(".tag.must")).to_have_text("必读")
    _shot(passer_by, screenshot_dir, "board-05-public-board")
    item.locator("a").click()
    expect(passer_by.locator("#post-title")).to_contain_text("（更正）")
    expect(passer_by.locator("#post-corrected")).to_contain_text("电梯广告收入少记 200 元")
    expect(passer_by.locator("article .statement-closing")).to_have_text("¥3,599.50")
    trail = passer_by.locator("#trail")
    expect(trail.locator(".version")).to_have_count(2)
    first = trail.locator("#version-1")
    first.locator("summary").click()
    expect(first).to_contain_text("2026 年第三季度公共收益收支")
    expect(first.locator(".statement-closing")).to_have_text("¥3,399.50")
    expect(passer_by.locator(".files img")).to_have_count(3)  # the current and both versions
    _shot(passer_by, screenshot_dir, "board-06-public-post-trail")
    passer_by.screenshot(
        path=screenshot_dir / "board-07-public-post-full.png", full_page=True, animations="disabled"
    )
    # the public page links the poster too
    expect(passer_by.locator("#poster-pdf")).to_have_attribute(
        "href", f"/board/{estate.id}/poster.pdf"
    )
    assert "陈经理" not in passer_by.content()
    phone.close()

    # --- an owner reads the must-read post in the mini-app ---------------------------------
    mini = browser.new_context(**PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    sim = mini.new_page()
    sim.goto(live_stack.simulator_url)
    sim.get_by_test_id("login-user-o-demo-zhang").click()
    expect(sim.get_by_test_id("hello")).to_have_text("你好，张伟（业主）")
    sim.get_by_test_id("home-board").click()
    expect(sim.get_by_test_id("board-unread")).to_contain_text("1 条必读公示未读")
    cell = sim.get_by_test_id("board-latest").locator(f"[data-id='{post.id}']")
    expect(cell.get_by_test_id("must-read-badge")).to_have_text("必读")
    expect(cell.get_by_test_id("corrected-badge")).to_have_text("已更正·第2版")
    _shot(sim, screenshot_dir, "board-08-simulator-board")
    cell.click()
    expect(sim.get_by_test_id("board-post-title")).to_contain_text("（更正）")
    expect(sim.get_by_test_id("board-trail").get_by_test_id("board-version")).to_have_count(2)
    expect(sim.get_by_test_id("board-body").first).not_to_contain_text("alert")
    _shot(sim, screenshot_dir, "board-09-simulator-post")
    sim.get_by_test_id("board-mark-read").click()
    expect(sim.get_by_test_id("board-read-done")).to_be_visible()
    expect(sim.get_by_test_id("board-read-share")).to_contain_text("1 / 1")
    _shot(sim, screenshot_dir, "board-10-simulator-read")
    mini.close()

    # --- the panel counts the owner as having read it -----------------------------------------
    page.goto(f"{backend}/admin/board/reads")
    expect(page.locator("#reads-table")).to_contain_text("1 / 1")
    expect(page.locator("#reads-table")).to_contain_text("100.0%")
    screenshot("board-11-panel-reads")
