"""Hostile or broken input gets a clear error in the standard format and changes nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from backend.accounts.models import Residency
from tests.factories import ResidentFactory
from tests.helpers import bearer


def test_body_that_is_not_json_is_a_400_in_chinese(client, db):
    resp = client.post("/api/v1/auth/wechat", data="{not json", content_type="application/json")

    assert resp.status_code == 400
    assert resp.json["errors"] == {"json": ["请求体不是有效的 JSON"]}


@pytest.mark.parametrize("unit_id", [0, -1, 2**31, 2**70])
def test_ids_outside_the_database_range_are_refused_before_the_database(client, db, unit_id):
    resp = client.post(
        "/api/v1/bindings/requests",
        json={"unit_id": unit_id, "role": "owner", "name": "张伟", "phone": "13800000001"},
        headers=bearer(ResidentFactory()),
    )

    assert resp.status_code == 422
    assert resp.json["errors"] == {"unit_id": ["房屋编号不正确"]}
    assert db.session.scalar(sa.select(sa.func.count(Residency.id))) == 0


@pytest.mark.parametrize(
    "path", ["/api/v1/me/residencies/99999999999999999999", "/admin/units/99999999999999999999"]
)
def test_huge_ids_in_paths_are_not_found(client, db, path):
    headers = bearer(ResidentFactory())

    resp = client.get(path, headers=headers)

    assert resp.status_code == 404


def test_page_size_is_bounded(client, db):
    resp = client.get("/api/v1/estates?page_size=100000", headers=bearer(ResidentFactory()))

    assert resp.status_code == 422
    assert resp.json["errors"] == {"page_size": ["应在 1 到 100 之间"]}


def test_search_wildcards_are_taken_literally(client, db):
    from tests.factories import EstateFactory

    EstateFactory(name="翠苑一区")

    resp = client.get("/api/v1/estates?q=%25", headers=bearer(ResidentFactory()))

    assert resp.status_code == 200
    assert resp.json == []


def test_unsupported_method_is_405_in_the_error_format(client, db):
    resp = client.delete("/api/v1/me", headers=bearer(ResidentFactory()))

    assert resp.status_code == 405
    assert resp.json["message"] == "不支持该请求方法"


def test_binding_attempts_are_limited_per_resident_not_per_address(client, db):
    # one token for all tries: the limit keys on the token, and a token made in another
    # second (its timestamp) would count apart
    guesser, neighbour = bearer(ResidentFactory()), ResidentFactory()
    for n in range(10):
        resp = client.post(
            "/api/v1/bindings/invite", json={"code": f"GUESS{n:03d}"}, headers=guesser
        )
        assert resp.status_code == 404

    blocked = client.post("/api/v1/bindings/invite", json={"code": "GUESS999"}, headers=guesser)
    other = client.post(
        "/api/v1/bindings/invite", json={"code": "GUESS999"}, headers=bearer(neighbour)
    )

    assert blocked.status_code == 429
    assert blocked.json["message"] == "操作过于频繁，请稍后再试"
    assert other.status_code == 404


@pytest.mark.parametrize("page", ["99999999999999999999", "2"])
def test_pages_past_the_end_are_empty(client, db, page):
    resp = client.get(f"/api/v1/estates?page={page}", headers=bearer(ResidentFactory()))

    assert resp.status_code == 200
    assert resp.json == []
