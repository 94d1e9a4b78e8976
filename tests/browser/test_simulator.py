"""The H5 simulator in Chromium at phone size: WeChat sign-in, binding, my units, messages.

The simulator talks to the live backend's resident API across origins (CORS) and to the
fake WeChat server that hosts it; subscribe messages reach the fake server through the
backend's inline jobs.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from backend.accounts.models import Invite, Residency, ResidencyRole, ResidencyStatus, Resident
from backend.core.time import local_today, utcnow
from tests.browser.conftest import PHONE
from tests.factories import (
    InviteFactory,
    OwnerRecordFactory,
    ResidencyFactory,
    ResidentFactory,
    UnitFactory,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page

expect = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright").expect
pytestmark = pytest.mark.browser


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, **PHONE}


def sign_in(page: Page, live_stack, openid: str, nickname: str) -> None:
    """Open the simulator, sign in as a demo WeChat user and wait for the home page."""
    page.goto(live_stack.simulator_url)
    page.get_by_test_id(f"login-user-{openid}").click()
    expect(page.get_by_test_id("hello")).to_have_text(f"你好，{nickname}")
    expect(page.get_by_test_id("home-summary")).not_to_contain_text("正在读取")


def answer_subscribe(page: Page, allow: bool = True) -> None:
    """Answer the consent sheet (wx.requestSubscribeMessage) the simulator shows on a tap."""
    sheet = page.get_by_test_id("subscribe-sheet")
    expect(sheet).to_be_visible()
    page.get_by_test_id("subscribe-allow" if allow else "subscribe-cancel").click()
    expect(sheet).to_be_hidden()


def committed(db, stmt) -> list:
    """The rows of ``stmt`` as the browser's requests left them.

    The test's session may still be in a transaction begun before those requests, and a
    transaction keeps its snapshot (SQLite in WAL mode): end it to see their commits.
    """
    db.session.rollback()
    return list(db.session.scalars(stmt))


def live_stack_messages(live_stack, openid: str) -> list[dict]:
    """The subscribe messages the fake WeChat server delivered to ``openid``."""
    import requests

    url = f"{live_stack.wechat_url}/_mock/messages"
    return requests.get(url, params={"openid": openid}, timeout=5).json()


def residencies_of(db, openid: str) -> list[Residency]:
    return committed(db, sa.select(Residency).join(Resident).where(Resident.openid == openid))


def test_resident_binds_with_an_invite_code_and_sees_the_unit_and_the_message(
    page, live_stack, db, screenshot
):
    unit = UnitFactory(number="1502", building__name="3幢", building__estate__name="翠苑一区")
    InviteFactory(code="HXYZ4K7P", unit=unit)

    page.goto(live_stack.simulator_url)
    expect(page.get_by_test_id("nav-title")).to_have_text("微信登录")
    expect(page.get_by_test_id("login-user-o-demo-chen")).to_contain_text("陈静（新住户）")
    screenshot("simulator-01-login")

    page.get_by_test_id("login-user-o-demo-chen").click()
    expect(page.get_by_test_id("hello")).to_have_text("你好，陈静（新住户）")
    expect(page.get_by_test_id("home-summary")).to_contain_text("还没有绑定房屋")
    # issue 19: the services work, none is labelled as coming later
    expect(page.locator("body")).not_to_contain_text("即将开放")
    screenshot("simulator-02-home")

    page.get_by_test_id("tab-units").click()
    expect(page.get_by_test_id("units-empty")).to_contain_text("还没有绑定房屋")
    screenshot("simulator-03-units-empty")

    page.get_by_test_id("go-bind-invite").click()
    # people type the code as printed, with the dash and in any case
    page.get_by_test_id("invite-code-input").fill("hxyz-4k7p")
    screenshot("simulator-04-invite-code")
    page.get_by_test_id("invite-submit").click()
    # as a real mini-app does, the tap asks for subscribe-message consent before binding
    expect(page.get_by_test_id("subscribe-option")).to_have_count(3)
    screenshot("simulator-04b-subscribe-sheet")
    answer_subscribe(page)
    success = page.get_by_test_id("bind-success")
    expect(success).to_contain_text("绑定成功")
    expect(success).to_contain_text("翠苑一区 3幢 1502")
    expect(success).to_contain_text("身份：业主")
    screenshot("simulator-05-bind-success")

    page.get_by_test_id("go-units").click()
    card = page.get_by_test_id("unit-card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("翠苑一区")
    expect(card).to_contain_text("3幢 1502")
    expect(card).to_contain_text("业主")
    expect(page.get_by_test_id("message-badge")).to_have_text("1")
    screenshot("simulator-06-my-units")

    page.get_by_test_id("tab-messages").click()
    message = page.get_by_test_id("message-card")
    expect(message).to_have_count(1)
    expect(message.get_by_test_id("message-title")).to_have_text("房屋绑定成功通知")
    expect(message).to_contain_text("翠苑一区")
    expect(message).to_contain_text("3幢 1502")
    expect(message).to_contain_text("业主")
    expect(message.get_by_test_id("message-channel")).to_have_text("已发送至微信")
    screenshot("simulator-07-messages")
    message.get_by_test_id("message-open").click()
    expect(page.get_by_test_id("page")).to_have_attribute("data-route", "/units")
    expect(page.get_by_test_id("message-badge")).to_be_hidden()
    assert len(live_stack_messages(live_stack, "o-demo-chen")) == 1

    [residency] = residencies_of(db, "o-demo-chen")
    assert residency.unit_id == unit.id
    assert residency.status == ResidencyStatus.active


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("expired", "该邀请码已过期，请联系物业或业主重新生成"),
        ("used", "该邀请码已被使用"),
        ("unknown", "邀请码不存在，请核对后重新输入"),
    ],
    ids=["expired", "used", "unknown"],
)
def test_an_invite_code_that_cannot_be_used_shows_the_chinese_error(
    page, live_stack, db, screenshot, case, message
):
    if case == "expired":
        InviteFactory(code="EXPD2345", expires_at=utcnow() - timedelta(hours=1))
    elif case == "used":
        InviteFactory(code="EXPD2345", used_at=utcnow() - timedelta(days=1))
    sign_in(page, live_stack, "o-demo-chen", "陈静（新住户）")

    page.get_by_test_id("home-bind-invite").click()
    page.get_by_test_id("invite-code-input").fill("EXPD-2345")
    page.get_by_test_id("invite-submit").click()
    answer_subscribe(page, allow=False)

    expect(page.get_by_test_id("invite-error")).to_have_text(message)
    expect(page.get_by_test_id("toast")).to_contain_text(message)
    screenshot(f"simulator-08-invite-{case}")
    assert residencies_of(db, "o-demo-chen") == []


def test_a_malformed_invite_code_is_refused_before_it_is_sent(page, live_stack, db):
    sign_in(page, live_stack, "o-demo-chen", "陈静（新住户）")
    page.get_by_test_id("home-bind-invite").click()

    page.get_by_test_id("invite-code-input").fill("ABC")
    page.get_by_test_id("invite-submit").click()

    expect(page.get_by_test_id("invite-error")).to_contain_text("8 位字母或数字")


def test_owner_matching_the_registry_is_bound_at_once(page, live_stack, db, screenshot):
    unit = UnitFactory(number="0601", building__name="5幢", building__estate__name="嘉绿苑")
    UnitFactory(number="0602", building=unit.building)
    OwnerRecordFactory(unit=unit, name="李娜", phone="13912345678")
    sign_in(page, live_stack, "o-demo-li", "李娜（业主）")

    page.get_by_test_id("home-bind-request").click()
    page.get_by_test_id("estate-search").fill("嘉绿")
    page.get_by_test_id(f"estate-option-{unit.estate_id}").click()
    page.get_by_test_id(f"building-option-{unit.building_id}").click()
    page.get_by_test_id(f"unit-option-{unit.id}").click()
    page.get_by_test_id("role-owner").click()
    page.get_by_test_id("applicant-name").fill("李娜")
    page.get_by_test_id("applicant-phone").fill("139 1234 5678")
    screenshot("simulator-09-binding-request")
    page.get_by_test_id("request-submit").click()
    answer_subscribe(page)

    result = page.get_by_test_id("request-result")
    expect(result).to_have_attribute("data-status", "active")
    expect(result).to_contain_text("已自动通过（名册匹配）")
    expect(result).to_contain_text("嘉绿苑 5幢 0601")
    screenshot("simulator-10-binding-approved")
    page.get_by_test_id("go-units").click()
    expect(page.get_by_test_id("unit-card")).to_contain_text("5幢 0601")


def test_tenant_request_waits_for_review_and_is_listed_as_pending(page, live_stack, db, screenshot):
    unit = UnitFactory(number="1101", building__name="2幢", building__estate__name="紫荆花园")
    ends_on = local_today() + timedelta(days=300)
    sign_in(page, live_stack, "o-demo-zhao", "赵磊（租户）")

    page.get_by_test_id("home-bind-request").click()
    page.get_by_test_id(f"estate-option-{unit.estate_id}").click()
    page.get_by_test_id(f"building-option-{unit.building_id}").click()
    page.get_by_test_id(f"unit-option-{unit.id}").click()
    page.get_by_test_id("role-tenant").click()
    page.get_by_test_id("ends-on").fill(ends_on.isoformat())
    page.get_by_test_id("applicant-name").fill("赵磊")
    page.get_by_test_id("applicant-phone").fill("13700001111")
    page.get_by_test_id("request-submit").click()
    answer_subscribe(page, allow=False)

    result = page.get_by_test_id("request-result")
    expect(result).to_have_attribute("data-status", "pending")
    expect(result).to_contain_text("已提交，等待物业审核")
    screenshot("simulator-11-binding-pending")

    page.get_by_test_id("go-units").click()
    expect(page.get_by_test_id("units-empty")).to_be_visible()
    [residency] = residencies_of(db, "o-demo-zhao")
    row = page.get_by_test_id(f"residency-{residency.id}")
    expect(row.get_by_test_id("residency-status")).to_have_text("待审核")
    expect(row).to_contain_text(f"租期至 {ends_on.isoformat()}")
    screenshot("simulator-12-units-pending")
    assert residency.role == ResidencyRole.tenant
    assert residency.ends_on == ends_on


def test_owner_invites_a_family_member_and_sees_code_and_qr(page, live_stack, db, screenshot):
    owner = ResidentFactory(openid="o-demo-zhang", nickname="张伟（业主）")
    residency = ResidencyFactory(
        resident=owner,
        unit__number="0801",
        unit__building__name="1幢",
        unit__building__estate__name="翠苑一区",
    )
    sign_in(page, live_stack, "o-demo-zhang", "张伟（业主）")

    page.get_by_test_id("tab-units").click()
    page.get_by_test_id(f"invite-member-{residency.id}").click()
    expect(page.get_by_test_id("invite-unit")).to_contain_text("1幢 0801")
    page.get_by_test_id("invite-role-family").click()
    page.get_by_test_id("invite-create").click()

    code = page.get_by_test_id("invite-code")
    expect(code).to_have_text(re.compile(r"^[2-9A-Z]{4}-[2-9A-Z]{4}$"))
    qr = page.get_by_test_id("invite-qr")
    expect(qr).to_have_attribute("src", re.compile(r"^blob:"))
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    screenshot("simulator-13-owner-invite")

    [invite] = committed(db, sa.select(Invite))
    assert code.inner_text() == f"{invite.code[:4]}-{invite.code[4:]}"
    assert invite.role == ResidencyRole.family
    assert invite.created_by_residency_id == residency.id


def test_a_revoked_token_sends_the_resident_back_to_login(page, live_stack, db, screenshot):
    sign_in(page, live_stack, "o-demo-chen", "陈静（新住户）")
    # the home page's own requests (settings, unread count) are answered first: one of them
    # answered after the revocation took the resident to the sign-in page before the tap
    page.wait_for_load_state("networkidle")
    [resident] = committed(db, sa.select(Resident).where(Resident.openid == "o-demo-chen"))
    resident.token_version += 1
    db.session.commit()

    page.get_by_test_id("tab-units").click()

    expect(page.get_by_test_id("nav-title")).to_have_text("微信登录")
    expect(page.get_by_test_id("toast")).to_contain_text("登录凭证已失效，请重新登录")
    screenshot("simulator-14-token-revoked")
    page.get_by_test_id("login-user-o-demo-chen").click()
    expect(page.get_by_test_id("hello")).to_have_text("你好，陈静（新住户）")


def test_switching_user_and_logging_out(page, live_stack, db, screenshot):
    sign_in(page, live_stack, "o-demo-zhang", "张伟（业主）")

    page.get_by_test_id("tab-me").click()
    expect(page.get_by_test_id("me-nickname")).to_have_text("张伟（业主）")
    screenshot("simulator-15-me")
    page.get_by_test_id("switch-user").click()
    expect(page.get_by_test_id("login-user-o-demo-zhang")).to_contain_text("当前账号")
    page.get_by_test_id("login-user-o-demo-li").click()
    expect(page.get_by_test_id("hello")).to_have_text("你好，李娜（业主）")

    page.get_by_test_id("tab-me").click()
    page.get_by_test_id("logout").click()
    page.get_by_test_id("modal-confirm").click()

    expect(page.get_by_test_id("nav-title")).to_have_text("微信登录")
    # 张伟 is still signed in on this phone; 李娜 has signed out
    expect(page.get_by_test_id("login-user-o-demo-zhang")).to_contain_text("已登录")
    expect(page.get_by_test_id("login-user-o-demo-li")).not_to_contain_text("已登录")
    assert page.evaluate("sessionStorage.getItem('linli.session.o-demo-li')") is None


def test_on_a_desktop_the_simulator_is_a_phone_sized_frame_in_the_middle(
    browser, live_stack, db, screenshot_dir
):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(live_stack.simulator_url)
        expect(page.get_by_test_id("login-user-o-demo-zhang")).to_be_visible()

        box = page.locator("#phone").bounding_box()
        assert (box["width"], box["height"]) == (375, 812)
        assert abs(box["x"] + box["width"] / 2 - 640) <= 1
        expect(page.locator("#caption")).to_contain_text(live_stack.api_base)
        page.screenshot(path=screenshot_dir / "simulator-00-desktop.png", animations="disabled")
    finally:
        context.close()


def test_a_short_estate_list_shows_the_estates_and_nothing_else(page, live_stack, db, screenshot):
    unit = UnitFactory(building__estate__name="嘉绿苑")
    sign_in(page, live_stack, "o-demo-li", "李娜（业主）")

    page.get_by_test_id("home-bind-request").click()
    with page.expect_response(lambda r: "/estates?q=%E5%98%89%E7%BB%BF" in r.url):
        page.get_by_test_id("estate-search").fill("嘉绿")
    estates = page.get_by_test_id("estate-list")
    expect(estates).not_to_contain_text("搜索中")  # the search's answer is shown

    expect(page.get_by_test_id(f"estate-option-{unit.estate_id}")).to_be_visible()
    assert "null" not in estates.inner_text()
    screenshot("simulator-14-short-estate-list")


def test_an_earlier_error_toast_does_not_cover_the_success_page(page, live_stack, db, screenshot):
    InviteFactory(code="USED2345", used_at=utcnow() - timedelta(days=1))
    InviteFactory(code="WXYZ2345")
    sign_in(page, live_stack, "o-demo-chen", "陈静（新住户）")
    page.get_by_test_id("home-bind-invite").click()
    page.get_by_test_id("invite-code-input").fill("USED-2345")
    page.get_by_test_id("invite-submit").click()
    answer_subscribe(page, allow=False)
    expect(page.get_by_test_id("toast")).to_contain_text("该邀请码已被使用")

    page.get_by_test_id("invite-code-input").fill("WXYZ-2345")
    page.get_by_test_id("invite-submit").click()
    answer_subscribe(page, allow=False)

    expect(page.get_by_test_id("bind-success")).to_be_visible()
    # at once, not after the error toast's three seconds have run out
    assert page.get_by_test_id("toast").is_hidden()
    screenshot("simulator-15-success-without-old-toast")
