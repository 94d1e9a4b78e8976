"""Browser tests: the backend and the fake WeChat server on real ports, driven by Chromium.

``live_stack`` serves this directory's ``app`` (so factories in a test and requests from
the browser share one database) and the fake WeChat server, which also hosts the H5
simulator. ``page`` is a fresh browser context per test, desktop-sized by default; a test
module picks another device by overriding ``browser_context_args`` (``PHONE`` for the
simulator). Screenshots go to ``test-artifacts/screenshots/``, and a failing test leaves
one named ``FAILED-<test>.png``.

The whole directory is skipped when Chromium (``/usr/bin/chromium``) or the ``playwright``
package is missing. Browsers are never downloaded: Playwright drives the system Chromium.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ServerThread

try:
    from playwright.sync_api import Browser, Page, expect, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # a fake microphone (a beep) that needs no permission prompt: the report's voice note
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]
#: a phone as the mini-app sees it (iPhone X/11 Pro logical size)
PHONE = {
    "viewport": {"width": 375, "height": 812},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
#: how long Playwright waits for an element or a navigation, in milliseconds
TIMEOUT_MS = 10_000

_reports = pytest.StashKey[dict]()

if sync_playwright is not None:
    expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session", autouse=True)
def _chromium_available() -> None:
    """Skip every browser test, with the reason, on a machine that cannot run them; on CI,
    where .ci/run installs Chromium, fail instead, so that a broken install is seen."""
    missing = None
    if sync_playwright is None:
        missing = "browser tests need the playwright package (pip install -e '.[dev]')"
    elif not os.path.exists(CHROMIUM):
        missing = f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)"
    if missing and os.environ.get("CI"):
        pytest.fail(missing, pytrace=False)
    if missing:
        pytest.skip(missing)


# --- the stack under test --------------------------------------------------------------------


@dataclass(frozen=True)
class LiveStack:
    """Where the running servers are."""

    #: the backend: the resident API under /api/v1 and the admin panel under /admin
    backend_url: str
    api_base: str
    #: the fake WeChat server (``/_mock/*``), host of the simulator
    wechat_url: str
    simulator_url: str


@pytest.fixture(scope="session")
def live_stack(app, fake_wechat) -> Iterator[LiveStack]:
    """The backend served on a free port, and the simulator pointed at its API."""
    with ServerThread(app) as backend:
        api_base = f"{backend.url}/api/v1"
        fake_wechat.app.config["SIMULATOR_API_BASE"] = api_base
        yield LiveStack(
            backend_url=backend.url,
            api_base=api_base,
            wechat_url=fake_wechat.url,
            simulator_url=f"{fake_wechat.url}/simulator/",
        )


@pytest.fixture(autouse=True)
def _links_point_at_the_live_server(request, app):
    """While a test drives the live stack, the links the backend makes (signed photos,
    receipts) point where the browser reaches it; every other test keeps the suite's
    PUBLIC_URL (the live server is session-wide, so it must not change the setting for the
    tests that run after it)."""
    if "live_stack" not in request.fixturenames:
        yield
        return
    stack = request.getfixturevalue("live_stack")
    saved = app.config["PUBLIC_URL"]
    app.config["PUBLIC_URL"] = stack.backend_url
    yield
    app.config["PUBLIC_URL"] = saved


@pytest.fixture(scope="session")
def live_url(live_stack) -> str:
    """The running backend's base URL (e.g. for the admin panel: ``live_url + "/admin/"``)."""
    return live_stack.backend_url


# --- the browser -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser(_chromium_available) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_context_args() -> dict:
    """Options of each test's browser context; override in a module for another device."""
    return {**DESKTOP, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture
def page(browser, browser_context_args, db, request, screenshot_dir) -> Iterator[Page]:
    """A page in a fresh context (no cookies, no storage), closed before the tables are
    emptied. Uncaught JavaScript errors and Content-Security-Policy violations fail the
    test."""
    context = browser.new_context(**browser_context_args)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    yield page
    reports = request.node.stash.get(_reports, {})
    if any(r.failed for r in reports.values()):
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        page.screenshot(path=screenshot_dir / f"FAILED-{name}.png")
    context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so ``page`` can tell that the test failed."""
    report = yield
    item.stash.setdefault(_reports, {})[report.when] = report
    return report


@pytest.fixture(scope="session")
def screenshot_dir(request) -> Path:
    """test-artifacts/screenshots/, without the failure screenshots of an earlier run."""
    path = request.config.rootpath / "test-artifacts" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("FAILED-*.png"):
        stale.unlink()
    return path


@pytest.fixture
def screenshot(page, screenshot_dir) -> Callable[[str], Path]:
    """``screenshot("name")`` saves what the page shows to test-artifacts/screenshots/."""

    def take(name: str) -> Path:
        path = screenshot_dir / f"{name}.png"
        page.screenshot(path=path, animations="disabled", caret="hide")
        return path

    return take


def confirm(page: Page, says: str = "") -> None:
    """Answer the panel's confirmation (``admin/static/confirm.js``) with 确认, after
    checking that it is open and, if given, says ``says``."""
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_be_visible()
    if says:
        expect(dialog.locator("#confirm-message")).to_contain_text(says)
    dialog.locator("#confirm-ok").click()


def nav_to(page: Page, label: str) -> None:
    """Follow the top bar's entry ``label``, opening the menu it sits in first (the entries
    are grouped into ``<details>`` menus; a group of one is a plain link)."""
    link = page.locator("#main-nav a", has_text=re.compile(rf"^{re.escape(label)}$"))
    menu = link.locator("xpath=ancestor::details")
    if menu.count() and not link.is_visible():
        menu.locator("summary").click()
    link.click()
