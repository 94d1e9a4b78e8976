"""WeChat sign-in through the fake server, end to end."""

from __future__ import annotations

import re

import sqlalchemy as sa

from backend.accounts.models import Resident


def test_wechat_sign_in_creates_resident_and_token_opens_me(client, db, fake_wechat):
    code = fake_wechat.login_code("o-demo-zhang")

    resp = client.post("/api/v1/auth/wechat", json={"code": code})

    assert resp.status_code == 200, resp.json
    body = resp.json
    assert body["token"]
    assert body["expires_at"].endswith("+08:00")
    resident = db.session.scalars(sa.select(Resident)).one()
    assert resident.openid == "o-demo-zhang"
    assert resident.unionid == "u-demo-zhang"
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.json["id"] == resident.id
    assert me.json["residencies"] == []


def test_second_sign_in_of_same_user_reuses_the_resident(client, db, fake_wechat):
    for _ in range(2):
        resp = client.post("/api/v1/auth/wechat", json={"code": fake_wechat.login_code("o-x")})
        assert resp.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(Resident.id))) == 1


def test_unknown_wechat_code_is_refused_and_creates_nothing(client, db):
    resp = client.post("/api/v1/auth/wechat", json={"code": "code-that-wechat-never-issued"})

    assert resp.status_code == 401
    assert resp.json["code"] == 401
    assert "微信登录凭证无效" in resp.json["message"]
    assert db.session.scalar(sa.select(sa.func.count(Resident.id))) == 0


def test_a_wechat_code_works_only_once(client, db, fake_wechat):
    code = fake_wechat.login_code("o-once")
    assert client.post("/api/v1/auth/wechat", json={"code": code}).status_code == 200

    again = client.post("/api/v1/auth/wechat", json={"code": code})

    assert again.status_code == 401


def test_wechat_outage_is_a_502_with_chinese_message(client, db, fake_wechat):
    fake_wechat.fail_next("jscode2session")

    resp = client.post("/api/v1/auth/wechat", json={"code": fake_wechat.login_code("o-y")})

    assert resp.status_code == 502
    assert "微信登录服务" in resp.json["message"]


def test_access_token_is_cached_in_redis_between_calls(client, db, fake_wechat):
    for openid in ("o-a", "o-b", "o-c"):
        client.post("/api/v1/auth/wechat", json={"code": fake_wechat.login_code(openid)})

    assert fake_wechat.state.token_requests == 1


def test_missing_code_is_a_422_in_the_error_format(client, db):
    resp = client.post("/api/v1/auth/wechat", json={})

    assert resp.status_code == 422
    assert set(resp.json) == {"code", "status", "message", "errors"}
    assert resp.json["errors"]["code"] == ["必填项"]


def test_unknown_fields_are_refused(client, db):
    resp = client.post("/api/v1/auth/wechat", json={"code": "x", "admin": True})

    assert resp.status_code == 422
    assert resp.json["errors"]["admin"] == ["不支持的字段"]


def test_me_without_token_is_401(client, db):
    resp = client.get("/api/v1/me")
    assert resp.status_code == 401
    assert resp.json["message"] == "请先登录"


def test_forged_token_is_401(client, db):
    resp = client.get("/api/v1/me", headers={"Authorization": "Bearer forged.token.value"})
    assert resp.status_code == 401


def test_expired_token_is_401(client, db, app, monkeypatch):
    from datetime import timedelta

    from tests.factories import ResidentFactory
    from tests.helpers import bearer

    headers = bearer(ResidentFactory())
    monkeypatch.setitem(app.config, "RESIDENT_TOKEN_TTL", timedelta(seconds=-1))

    resp = client.get("/api/v1/me", headers=headers)

    assert resp.status_code == 401
    assert "过期" in resp.json["message"]


def test_openapi_and_swagger_ui_are_served(client, db):
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    assert "/api/v1/auth/wechat" in spec.json["paths"]
    ui = client.get("/api/v1/docs")
    assert ui.status_code == 200
    assert b"/static/swagger-ui/swagger-ui-bundle.js" in ui.data
    assert client.get("/static/swagger-ui/swagger-ui-bundle.js").status_code == 200


def test_every_group_of_operations_in_the_docs_has_a_chinese_name(client, db):
    spec = client.get("/api/v1/openapi.json").json
    operations = [op for path in spec["paths"].values() for op in path.values() if "tags" in op]
    used = {tag for op in operations for tag in op["tags"]}

    assert used == {tag["name"] for tag in spec["tags"]}
    assert all(re.search(r"[\u4e00-\u9fff]", tag) for tag in used), used


def test_the_docs_and_the_panel_have_an_icon(client, db):
    icon = client.get("/favicon.ico")

    assert icon.status_code == 200
    assert icon.mimetype == "image/vnd.microsoft.icon"
    assert 'rel="icon" href="/favicon.ico"' in client.get("/admin/login").data.decode()
