"""Resident API: the message center (list, unread count, mark read) and consent reports."""

from __future__ import annotations

import json

from backend.core.db import commit
from backend.core.time import utcnow
from backend.notify import notify_resident
from tests.factories import ResidentFactory
from tests.helpers import bearer, counted_statements


def _notice(resident, title="停水通知", notice_id=1):
    notify_resident(
        resident.id,
        "must_read_notice",
        notice_id=notice_id,
        title=title,
        publisher="翠苑物业",
        published_at=utcnow(),
    )
    commit()


def test_messages_are_listed_newest_first_with_labels_and_page(client, db):
    resident = ResidentFactory()
    _notice(resident, "停水通知", 1)
    _notice(resident, "电梯检修", 2)

    resp = client.get("/api/v1/me/messages", headers=bearer(resident))

    assert resp.status_code == 200
    assert [m["lines"][0]["value"] for m in resp.json] == ["电梯检修", "停水通知"]
    first = resp.json[0]
    assert first["title"] == "重要公告提醒"
    assert first["lines"][0]["label"] == "公告标题"
    assert first["page"] == "pages/board/notice?id=2"
    assert first["read"] is False
    assert first["wechat"] == "app_only"
    assert json.loads(resp.headers["X-Pagination"])["total"] == 2


def test_messages_are_paginated(client, db):
    resident = ResidentFactory()
    for n in range(3):
        _notice(resident, f"通知{n}", n + 1)

    resp = client.get("/api/v1/me/messages?page=2&page_size=2", headers=bearer(resident))

    assert [m["lines"][0]["value"] for m in resp.json] == ["通知0"]


def test_unread_count_goes_down_when_a_message_is_read(client, db):
    resident = ResidentFactory()
    _notice(resident, "一", 1)
    _notice(resident, "二", 2)
    headers = bearer(resident)
    [newest, _] = client.get("/api/v1/me/messages", headers=headers).json

    assert client.get("/api/v1/me/messages/unread-count", headers=headers).json == {"unread": 2}
    read = client.post(f"/api/v1/me/messages/{newest['id']}/read", headers=headers)
    assert read.status_code == 200 and read.json["read"] is True
    assert client.get("/api/v1/me/messages/unread-count", headers=headers).json == {"unread": 1}
    again = client.post(f"/api/v1/me/messages/{newest['id']}/read", headers=headers)
    assert again.json["read_at"] == read.json["read_at"]
    assert client.post("/api/v1/me/messages/read-all", headers=headers).json == {"unread": 0}
    assert client.get("/api/v1/me/messages/unread-count", headers=headers).json == {"unread": 0}


def test_another_residents_message_is_not_found_nor_listed(client, db):
    mine, theirs = ResidentFactory(), ResidentFactory()
    _notice(theirs)
    headers = bearer(mine)
    their_id = client.get("/api/v1/me/messages", headers=bearer(theirs)).json[0]["id"]

    assert client.get("/api/v1/me/messages", headers=headers).json == []
    resp = client.post(f"/api/v1/me/messages/{their_id}/read", headers=headers)
    assert resp.status_code == 404
    assert resp.json["message"] == "消息不存在"


def test_reporting_the_wechat_answer_counts_each_accept(client, db):
    resident = ResidentFactory()
    body = {
        "errMsg": "requestSubscribeMessage:ok",
        "tmpl-residency-active": "accept",
        "tmpl-bill-issued": "reject",
    }

    client.post("/api/v1/me/subscriptions", json=body, headers=bearer(resident))
    resp = client.post("/api/v1/me/subscriptions", json=body, headers=bearer(resident))

    assert resp.status_code == 200
    by_id = {s["template_id"]: s for s in resp.json}
    assert by_id["tmpl-residency-active"]["remaining"] == 2
    assert by_id["tmpl-residency-active"]["events"] == ["binding_approved"]
    assert by_id["tmpl-bill-issued"]["remaining"] == 0
    assert by_id["tmpl-bill-issued"]["last_answer"] == "reject"
    listed = client.get("/api/v1/me/subscriptions", headers=bearer(resident)).json
    assert listed == resp.json


def test_bad_subscription_reports_are_refused_in_chinese(client, db):
    headers = bearer(ResidentFactory())

    unknown = client.post("/api/v1/me/subscriptions", json={"tmpl-x": "accept"}, headers=headers)
    bad_answer = client.post(
        "/api/v1/me/subscriptions", json={"tmpl-bill-issued": "yes"}, headers=headers
    )
    too_many = client.post(
        "/api/v1/me/subscriptions",
        json=dict.fromkeys(
            ["tmpl-bill-issued", "tmpl-vote-result", "tmpl-ticket-status", "tmpl-fee-reminder"],
            "accept",
        ),
        headers=headers,
    )
    empty = client.post("/api/v1/me/subscriptions", json={}, headers=headers)

    assert unknown.status_code == 422 and unknown.json["message"] == "未知的订阅消息模板"
    assert bad_answer.status_code == 422
    assert too_many.status_code == 422
    assert empty.status_code == 422
    for resp in (bad_answer, too_many, empty):
        assert resp.json["message"] == "提交的内容有误，请检查后重试"


def test_the_message_center_needs_sign_in(client, db):
    assert client.get("/api/v1/me/messages").status_code == 401
    body = {"tmpl-bill-issued": "accept"}
    assert client.post("/api/v1/me/subscriptions", json=body).status_code == 401


def test_pagination_totals_stay_true_whether_or_not_the_count_is_sent(client, db):
    """A first page that is not full is its own total (no count statement); a full page, a
    later page and a page past the end are counted — X-Pagination is true in each case."""
    resident = ResidentFactory()
    for n in range(5):
        _notice(resident, f"通知{n}", n + 1)
    headers = bearer(resident)

    def page(query):
        with counted_statements() as sent:
            resp = client.get(f"/api/v1/me/messages?{query}", headers=headers)
        counted = any(s.startswith("SELECT count(") for s in sent)
        return len(resp.json), json.loads(resp.headers["X-Pagination"]), counted

    rows, meta, counted = page("page_size=10")
    assert (rows, meta["total"], counted) == (5, 5, False)
    rows, meta, counted = page("page_size=5")
    assert (rows, meta["total"], counted) == (5, 5, True)
    rows, meta, counted = page("page_size=2")
    assert (rows, meta["total"], meta["total_pages"], counted) == (2, 5, 3, True)
    rows, meta, counted = page("page_size=2&page=3")
    assert (rows, meta["total"], counted) == (1, 5, True)
    rows, meta, counted = page("page_size=2&page=9")
    assert (rows, meta["total"]) == (0, 5)
