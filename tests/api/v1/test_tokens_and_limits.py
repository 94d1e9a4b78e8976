"""Tokens are accepted only as issued; limits follow the resident; sign-in comes first."""

from __future__ import annotations

import re
import time

import pytest
from itsdangerous import TimestampSigner

from backend.authz.tokens import issue_token
from tests.factories import ResidencyFactory, ResidentFactory
from tests.helpers import bearer


def _token(resident, seconds_ago: int = 0, monkeypatch=None) -> str:
    if seconds_ago:
        monkeypatch.setattr(
            TimestampSigner, "get_timestamp", lambda self: int(time.time()) - seconds_ago
        )
    token, _ = issue_token(resident)
    if seconds_ago:
        monkeypatch.undo()
    return token


@pytest.mark.parametrize("edit", ["{}!!!!", "{}=", "{}.", " {}x", "{}%00"])
def test_only_the_token_as_issued_signs_in(client, db, edit):
    resident = ResidentFactory()
    token = _token(resident)

    good = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    edited = client.get("/api/v1/me", headers={"Authorization": f"Bearer {edit.format(token)}"})

    assert good.status_code == 200
    assert edited.status_code == 401
    assert edited.json["message"] == "登录凭证无效，请重新登录"


def test_spare_bits_of_the_signature_do_not_make_a_second_spelling(client, db):
    token = _token(ResidentFactory())
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(token[-1])
    # the signature's last character carries spare bits: its neighbours decode the same
    variants = [token[:-1] + alphabet[last ^ bit] for bit in (1, 2)]

    for variant in variants:
        resp = client.get("/api/v1/me", headers={"Authorization": f"Bearer {variant}"})
        assert resp.status_code == 401


def test_binding_limit_follows_the_resident_not_the_token_text(client, db, monkeypatch):
    resident = ResidentFactory()
    first = _token(resident)
    second = _token(resident, seconds_ago=5, monkeypatch=monkeypatch)
    assert first != second
    for n in range(10):
        resp = client.post(
            "/api/v1/bindings/invite",
            json={"code": f"GUESS{n:03d}"},
            headers={"Authorization": f"Bearer {first}"},
        )
        assert resp.status_code == 404

    fresh = client.post(
        "/api/v1/bindings/invite",
        json={"code": "GUESS999"},
        headers={"Authorization": f"Bearer {second}"},
    )
    edited = client.post(
        "/api/v1/bindings/invite",
        json={"code": "GUESS999"},
        headers={"Authorization": f"Bearer {first}!!!!"},
    )

    assert fresh.status_code == 429
    assert edited.status_code == 401


def test_owner_invites_are_limited_per_resident(client, db):
    owner = ResidencyFactory()
    headers = bearer(owner.resident)

    statuses = [
        client.post(
            f"/api/v1/me/residencies/{owner.id}/invites", json={"role": "family"}, headers=headers
        ).status_code
        for _ in range(30)
    ]

    assert statuses.count(201) == 10
    assert statuses[10:] == [429] * 20


def _secured_operations(app):
    spec = app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method != "parameters" and op.get("security"):
                yield method.upper(), re.sub(r"\{[a-z_]+\}", "1", path)


@pytest.mark.parametrize("auth", [None, "Bearer nonsense", "Bearer "])
def test_without_a_valid_token_every_route_is_401_before_the_body_is_read(app, client, db, auth):
    headers = {"Authorization": auth} if auth else {}
    operations = list(_secured_operations(app))
    bodies = [
        {"data": "{not json", "content_type": "application/json"},
        {"data": "[" * 100_000, "content_type": "application/json"},
        {"json": {"unknown": "x" * 1000}},
        {"query_string": {"q": "a\x00b", "page_size": "-1"}},
    ]

    for method, url in operations:
        for body in bodies:
            resp = client.open(url, method=method, headers=headers, **body)
            assert resp.status_code == 401, (method, url, body, resp.json)
    assert len(operations) >= 10


def test_json_nested_too_deeply_is_a_400_for_a_signed_in_resident(client, db):
    resp = client.post(
        "/api/v1/bindings/requests",
        data="[" * 100_000 + "]" * 100_000,
        content_type="application/json",
        headers=bearer(ResidentFactory()),
    )

    assert resp.status_code == 400
    assert resp.json["errors"] == {"json": ["请求体不是有效的 JSON"]}


def test_a_deleted_residents_token_never_signs_in_the_next_resident(client, db):
    """SQLite gives a new row the id of a deleted one: the old token must not fit."""
    gone = ResidentFactory()
    gone_id, old_headers = gone.id, bearer(gone)
    db.session.delete(gone)
    db.session.commit()
    newcomer = ResidentFactory()
    if db.engine.dialect.name == "sqlite":
        assert newcomer.id == gone_id  # the id is reused: the token's version must differ

    resp = client.get("/api/v1/me", headers=old_headers)

    assert resp.status_code == 401
    assert client.get("/api/v1/me", headers=bearer(newcomer)).json["id"] == newcomer.id
