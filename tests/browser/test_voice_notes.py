"""A voice note from end to end in Chromium (its fake microphone beeps): a resident holds
按住说话 on the report page, listens, deletes and records again, reports without typing;
her ticket page plays it, and so does the technician's phone-width ticket page in the panel.
Screenshots in test-artifacts/screenshots/."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from backend.accounts.models import StaffRole
from backend.media.models import VoiceNote
from backend.tickets.models import Ticket
from tests.browser.accessibility import check_page, measure_elder
from tests.browser.conftest import PHONE
from tests.browser.test_admin_panel import log_in
from tests.factories import ResidencyFactory, ResidentFactory, StaffFactory

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright").expect
pytestmark = pytest.mark.browser


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, **PHONE}


def _record(page, seconds: float) -> None:
    """Press 按住说话, keep it down for ``seconds``, let go."""
    button = page.get_by_test_id("voice-record")
    button.hover()
    page.mouse.down()
    expect(page.get_by_test_id("voice-status")).to_contain_text("正在录音")
    page.wait_for_timeout(seconds * 1000)
    page.mouse.up()


def _audio_duration(page, testid: str) -> float:
    return page.evaluate(
        """(testid) => new Promise((done, fail) => {
            const audio = document.querySelector(`[data-testid="${testid}"] audio`);
            const ready = () => done(audio.duration);
            if (audio.readyState >= 1) ready();
            audio.addEventListener("loadedmetadata", ready);
            audio.addEventListener("error", () => fail(new Error("audio error")));
            audio.load();
        })""",
        testid,
    )


def test_a_resident_reports_by_voice_and_the_technician_hears_it(
    browser, page, live_stack, live_url, db, screenshot, screenshot_dir
):
    resident = ResidentFactory(openid="o-demo-zhang", nickname="张伟（业主）")
    residency = ResidencyFactory(
        resident=resident, unit__number="101", unit__building__estate__name="嘉绿景苑"
    )
    company = residency.unit.building.estate.company
    StaffFactory(username="tech", name="王师傅", role=StaffRole.technician, company=company)

    page.goto(live_stack.simulator_url)
    page.get_by_test_id("login-user-o-demo-zhang").click()
    expect(page.get_by_test_id("hello")).to_be_visible()
    page.evaluate("location.hash = '#/tickets/new'")
    expect(page.get_by_test_id(f"ticket-unit-{residency.unit_id}")).to_be_visible()
    # a first try, deleted, then the note she keeps
    _record(page, 1.5)
    expect(page.get_by_test_id("voice-preview")).to_be_visible()
    page.get_by_test_id("voice-delete").click()
    expect(page.get_by_test_id("voice-preview")).to_have_count(0)
    # a tap starts, a second tap stops (keyboard and screen readers have no "hold")
    page.get_by_test_id("voice-record").click()
    expect(page.get_by_test_id("voice-record")).to_have_attribute("aria-pressed", "true")
    page.wait_for_timeout(2500)
    page.get_by_test_id("voice-record").click()
    expect(page.get_by_test_id("voice-preview")).to_be_visible()
    seconds = int(page.get_by_test_id("voice-preview-seconds").inner_text().removesuffix(" 秒"))
    assert 2 <= seconds <= 4
    assert 1.5 < _audio_duration(page, "voice-preview") < 4.5
    screenshot("voice-01-recorded")
    check_page(page, "voice-01-recorded")

    page.get_by_test_id("submit-ticket").click()
    page.get_by_test_id("subscribe-allow").click()
    expect(page.get_by_test_id("ticket-detail")).to_be_visible()
    expect(page.get_by_test_id("ticket-voice")).to_be_visible()
    assert _audio_duration(page, "ticket-voice") > 1.5
    screenshot("voice-02-ticket")

    db.session.rollback()
    ticket = db.session.scalars(sa.select(Ticket)).one()
    assert ticket.description == "（语音报修，请播放语音）"
    assert ticket.voice_note is not None and ticket.voice_note.attached_at is not None
    # the deleted first try was never attached: the hourly sweep will remove it
    notes = db.session.scalars(sa.select(VoiceNote).order_by(VoiceNote.id)).all()
    assert len(notes) == 2 and notes[0].attached_at is None

    # the technician opens it on his phone
    phone = browser.new_context(**PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    try:
        tech = phone.new_page()
        log_in(tech, live_url, "tech")
        tech.goto(f"{live_url}/admin/tickets/{ticket.id}")
        expect(tech.locator("#ticket-voice audio")).to_be_visible()
        expect(tech.locator("#ticket-voice-seconds")).to_have_text(
            f"{ticket.voice_note.seconds} 秒"
        )
        duration = tech.evaluate(
            """() => new Promise((done, fail) => {
                const audio = document.querySelector("#ticket-voice audio");
                if (audio.readyState >= 1) return done(audio.duration);
                audio.addEventListener("loadedmetadata", () => done(audio.duration));
                audio.addEventListener("error", () => fail(new Error("audio error")));
            })"""
        )
        assert duration > 1.5
        tech.screenshot(path=str(screenshot_dir / "voice-03-panel.png"), full_page=True)
        check_page(tech, "voice-03-panel")
    finally:
        phone.close()


def test_in_elder_mode_the_voice_controls_are_big_enough(page, live_stack, db, screenshot):
    ResidencyFactory(resident=ResidentFactory(openid="o-demo-zhang", nickname="张伟（业主）"))
    page.goto(f"{live_stack.simulator_url}?mode=elder")
    page.get_by_test_id("login-user-o-demo-zhang").click()
    expect(page.get_by_test_id("elder-pay")).to_be_visible()
    page.evaluate("location.hash = '#/tickets/new'")
    expect(page.get_by_test_id("voice-record")).to_be_visible()
    page.get_by_test_id("voice-record").scroll_into_view_if_needed()
    screenshot("voice-04a-elder-controls")
    measure_elder(page, "voice-04a-elder-controls")
    page.get_by_test_id("voice-record").click()
    expect(page.get_by_test_id("voice-status")).to_contain_text("正在录音")
    screenshot("voice-04b-elder-recording")
    measure_elder(page, "voice-04b-elder-recording")
    check_page(page, "voice-04b-elder-recording")
    page.wait_for_timeout(1500)
    page.get_by_test_id("voice-record").click()
    expect(page.get_by_test_id("voice-preview")).to_be_visible()
    screenshot("voice-04c-elder")
    measure_elder(page, "voice-04c-elder")
    check_page(page, "voice-04c-elder")
