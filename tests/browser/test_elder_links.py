"""Elder mode is carried along links (issue 24): from a public board page opened with
``?mode=elder&font_scale=…`` every link to another public page keeps the mode (the next page
is still in large print), and the simulator's link to a receipt's public verification page
carries the mode the resident reads in."""

from __future__ import annotations

import pytest

from backend.board import services as board_services
from backend.board.services import Content
from backend.core.db import commit
from tests.browser import test_elder
from tests.browser.conftest import PHONE
from tests.factories import StaffFactory

#: the household of tests/browser/test_elder.py (a fixture)
household = test_elder.household

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright").expect
pytestmark = pytest.mark.browser

BODY_FONT = "parseFloat(getComputedStyle(document.querySelector('main p, main li, p')).fontSize)"


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, **PHONE}


def _in_elder_mode(page, scale: str | None = None) -> None:
    assert page.evaluate("document.documentElement.dataset.mode") == "elder", page.url
    assert page.evaluate(BODY_FONT) >= 18, page.url
    if scale:
        assert page.evaluate("document.documentElement.dataset.fontScale") == scale, page.url


def test_following_public_board_links_keeps_elder_mode(page, live_stack, db, household):
    unit = household[0]
    from backend.authz.roles import StaffRole

    admin = StaffFactory(role=StaffRole.company_admin, company=unit.estate.company)
    commit()
    post = board_services.publish(
        admin,
        unit.estate.id,
        "manager",
        Content(title="停水通知", body="<p>12月10日 9:00–12:00 停水</p>"),
    )
    commit()
    board = f"{live_stack.backend_url}/board/{unit.estate.id}?mode=elder&font_scale=1.2"
    page.goto(board)
    _in_elder_mode(page, "1.2")
    # the two kinds of link to a post: the section's list and the post's title
    links = page.locator(f'a[href*="/posts/{post.id}"]')
    assert links.count() >= 1
    hrefs = {links.nth(i).get_attribute("href") for i in range(links.count())}
    for href in hrefs:
        assert "mode=elder" in href and "font_scale=1.2" in href, href
    links.first.click()
    page.wait_for_url(f"**/posts/{post.id}?**")
    _in_elder_mode(page, "1.2")
    # back to the board from the post
    page.locator("p.back a").click()
    page.wait_for_url(f"**/board/{unit.estate.id}?**")
    _in_elder_mode(page, "1.2")
    # every link to another page of the site carries the mode (posters are files)
    internal = page.evaluate(
        """[...document.querySelectorAll('a[href]')]
             .map(a => new URL(a.href))
             .filter(u => u.origin === location.origin && u.pathname !== location.pathname
                          && !/\\.(png|pdf)$/.test(u.pathname) && u.pathname.startsWith('/board/'))
             .map(u => u.href)"""
    )
    assert internal, "the board links to its posts"
    assert all("mode=elder" in href for href in internal), internal
    # a page opened in the standard mode links on in the standard mode
    page.goto(f"{live_stack.backend_url}/board/{unit.estate.id}")
    assert "mode=" not in (links.first.get_attribute("href") or "")


def test_the_simulator_links_a_receipt_check_in_elder_mode(page, live_stack, db, household):
    _unit, _owner, _family, bills = household
    page.goto(f"{live_stack.simulator_url}?mode=elder&font_scale=1.4")
    page.get_by_test_id("login-user-o-demo-zhang").click()
    page.get_by_test_id("elder-pay").click()
    page.get_by_test_id(f"bill-check-{bills[0].id}").check()
    page.get_by_test_id("pay-selected").click()
    page.get_by_test_id("subscribe-allow").click()
    page.get_by_test_id("pay-confirm").click()
    expect(page.get_by_test_id("receipt")).to_be_visible()
    href = page.get_by_test_id("receipt-verify").get_attribute("href")
    assert "mode=elder" in href and "font_scale=1.4" in href, href
    page.goto(href)
    _in_elder_mode(page, "1.4")
