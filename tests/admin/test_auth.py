"""Signing in and out of the panel: passwords, disabled accounts, rate limit, CSRF."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import g

from backend.accounts.models import Staff
from backend.authz.roles import StaffRole
from tests.admin.conftest import login
from tests.factories import TEST_PASSWORD, StaffFactory


def test_login_with_right_password_opens_the_dashboard(client, db):
    member = StaffFactory(username="zhang.wei", name="张伟")

    response = login(client, member)

    assert response.status_code == 302
    assert response.location == "/admin/"
    page = client.get("/admin/")
    assert page.status_code == 200
    assert "张伟" in page.data.decode()
    assert db.session.get(Staff, member.id).last_login_at is not None


def test_wrong_password_shows_chinese_error_and_changes_nothing(client, db):
    member = StaffFactory(username="li.na")

    response = login(client, member, password="wrong-password-1")

    assert response.status_code == 401
    assert "用户名或密码错误" in response.data.decode()
    db.session.expire_all()
    assert db.session.get(Staff, member.id).last_login_at is None
    assert client.get("/admin/").status_code == 302  # still signed out


def test_unknown_user_gets_the_same_message_as_a_wrong_password(client, db):
    response = client.post("/admin/login", data={"username": "nobody", "password": "x1234567"})

    assert response.status_code == 401
    assert "用户名或密码错误" in response.data.decode()


def test_disabled_account_cannot_log_in(client, db):
    member = StaffFactory(username="gone", active=False)

    response = login(client, member)

    assert response.status_code == 401
    assert "该账号已停用" in response.data.decode()
    assert client.get("/admin/").status_code == 302


def test_rate_limit_is_reached_after_five_wrong_passwords(client, db, app):
    assert app.config["RATELIMIT_LOGIN"] == "5 per 5 minutes"
    member = StaffFactory(username="wang.fang")
    for _ in range(5):
        assert login(client, member, password="wrong-password-1").status_code == 401

    blocked = login(client, member)  # even the right password is refused now

    assert blocked.status_code == 429
    # says how long to wait: the five minutes of the limit
    assert "登录尝试过于频繁，请 5 分钟后再试" in blocked.data.decode()
    assert client.get("/admin/").status_code == 302


def test_rate_limit_is_per_username_and_counts_only_failures(client, db):
    member = StaffFactory(username="chen.jie")
    colleague = StaffFactory(username="zhao.lei")
    for _ in range(4):
        assert login(client, member, password="wrong-password-1").status_code == 401
    for _ in range(3):  # successful logins do not use up the allowance
        assert login(client, member).status_code == 302
    assert login(client, member, password="wrong-password-1").status_code == 401
    assert login(client, member, password="wrong-password-1").status_code == 429

    assert login(client, colleague).status_code == 302


def test_trying_many_user_names_from_one_address_is_limited_too(client, db, app):
    limit = int(app.config["RATELIMIT_LOGIN_ADDRESS"].split()[0])
    members = [StaffFactory(username=f"spray{i}") for i in range(limit + 1)]
    for member in members[:limit]:
        assert login(client, member, password="wrong-password-1").status_code == 401

    assert login(client, members[limit]).status_code == 429


def test_post_without_csrf_token_is_refused(client, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    member = StaffFactory(username="csrf.user")

    refused = login(client, member)

    assert refused.status_code == 400
    assert "请刷新页面后重试" in refused.data.decode()
    form = client.get("/admin/login").data.decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    accepted = client.post(
        "/admin/login",
        data={"username": member.username, "password": TEST_PASSWORD, "csrf_token": token},
    )
    assert accepted.status_code == 302


def test_htmx_requests_carry_the_csrf_token_in_a_header(client, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    member = StaffFactory(username="htmx.user")
    form = client.get("/admin/login").data.decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    client.post(
        "/admin/login",
        data={"username": member.username, "password": TEST_PASSWORD, "csrf_token": token},
    )
    # requests in a test share the fixture's app context: forget the token cached before login
    g.pop("csrf_token", None)
    page = client.get("/admin/").data.decode()

    header_token = re.search(r"hx-headers='\{\"X-CSRFToken\": \"([^\"]+)\"\}'", page).group(1)
    assert client.post("/admin/logout").status_code == 400
    logout = client.post("/admin/logout", headers={"X-CSRFToken": header_token})
    assert logout.status_code == 302


def test_logout_ends_the_session(client, db):
    member = StaffFactory()
    login(client, member)

    assert client.post("/admin/logout").status_code == 302

    assert client.get("/admin/").status_code == 302


def test_a_copied_session_cookie_is_refused_after_logout(app, client, db):
    member = StaffFactory()
    login(client, member)
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    assert thief.get("/admin/").status_code == 200

    client.post("/admin/logout")
    replay = thief.get("/admin/")

    assert replay.status_code == 302
    assert replay.location.startswith("/admin/login")


def test_logging_in_again_after_logout_works(client, db):
    member = StaffFactory()
    login(client, member)
    client.post("/admin/logout")

    assert login(client, member).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_head_of_the_login_page_is_answered_like_get(client, db):
    get, head = client.get("/admin/login"), client.head("/admin/login")

    assert head.status_code == get.status_code == 200
    assert head.data == b""


def test_next_parameter_returns_to_the_page_but_never_to_another_site(client, db):
    member = StaffFactory(username="next.user")
    assert client.get("/admin/audit").location.startswith("/admin/login?next=")

    back = client.post(
        "/admin/login",
        data={"username": "next.user", "password": TEST_PASSWORD, "next": "/admin/audit"},
    )
    assert back.location == "/admin/audit"
    client.post("/admin/logout")
    away = client.post(
        "/admin/login",
        data={"username": member.username, "password": TEST_PASSWORD, "next": "//evil.example/"},
    )
    assert away.location == "/admin/"


def test_disabling_an_account_ends_its_open_session(app, db):
    admin = StaffFactory(username="boss")
    member = StaffFactory(username="worker", role=StaffRole.platform_admin)
    worker_client, boss_client = app.test_client(), app.test_client()
    login(worker_client, member)
    login(boss_client, admin)
    assert worker_client.get("/admin/").status_code == 200

    boss_client.post(f"/admin/staff/{member.id}/active", data={"active": "0"})

    assert worker_client.get("/admin/").status_code == 302


def test_resetting_a_password_ends_the_sessions_opened_with_the_old_one(app, db):
    admin = StaffFactory(username="boss")
    member = StaffFactory(username="worker")
    worker_client, boss_client = app.test_client(), app.test_client()
    login(worker_client, member)
    login(boss_client, admin)

    boss_client.post(f"/admin/staff/{member.id}/password", data={"password": "NewPassw0rd"})

    assert worker_client.get("/admin/").status_code == 302
    assert login(worker_client, member, password="NewPassw0rd").status_code == 302


def _admin_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("admin.") and rule.endpoint not in {
            "admin.login",
            "admin.logout",
            "admin.static",
        }:
            yield rule


def test_every_admin_page_needs_a_session(app, client, db):
    rules = list(_admin_rules(app))
    assert len(rules) >= 15
    for rule in rules:
        url = re.sub(r"<int:\w+>", "1", rule.rule)
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method)
        assert response.status_code == 302, url
        assert response.location.startswith("/admin/login"), url


@pytest.mark.parametrize("path", ["/admin/", "/admin/estates"])
def test_htmx_request_without_session_is_redirected_by_header(client, db, path):
    response = client.get(path, headers={"HX-Request": "true"})

    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/admin/login")


def test_staff_count_is_unchanged_by_login_attempts(client, db):
    member = StaffFactory()
    login(client, member, password="wrong")
    assert db.session.scalar(sa.select(sa.func.count(Staff.id))) == 1


@pytest.mark.parametrize("next_url", ["/admin/%0d%0aSet-Cookie:x=1", "//evil.example/admin/"])
def test_login_ignores_a_hostile_next_url(client, db, next_url):
    member = StaffFactory(username="next.user")

    resp = client.post(
        f"/admin/login?next={next_url}",
        data={"username": member.username, "password": TEST_PASSWORD},
    )

    assert resp.status_code == 302
    assert resp.headers["Location"] == "/admin/"
