"""The board API: public without sign-in (cached, nothing personal), residents' board,
post detail with versions, and read receipts."""

from __future__ import annotations

import json

from backend.board import services
from backend.board.services import Content
from backend.core.db import commit
from tests.helpers import bearer


def _board(client, estate_id, **headers):
    return client.get(f"/api/v1/estates/{estate_id}/board", headers=headers)


def _section(board, code):
    return next(s for s in board["sections"] if s["code"] == code)


def test_the_public_board_needs_no_sign_in(client, world):
    world.publish(title="项目负责人：林经理")
    response = _board(client, world.estate.id)
    assert response.status_code == 200
    board = response.json
    assert board["estate"]["name"] == world.estate.name
    (post,) = _section(board, "manager")["posts"]
    assert post["title"] == "项目负责人：林经理" and post["version"] == 1
    assert post["publisher_label"] == world.estate.company.name
    assert response.headers["Cache-Control"] == "public, no-cache"


def test_a_new_post_is_on_the_public_board_at_once(client, world):
    assert _section(_board(client, world.estate.id).json, "parking")["posts"] == []
    assert _section(_board(client, world.estate.id).json, "parking")["posts"] == []  # cached
    world.publish(section="parking", title="车位使用情况公示")
    (post,) = _section(_board(client, world.estate.id).json, "parking")["posts"]
    assert post["title"] == "车位使用情况公示"


def test_a_correction_and_a_withdrawal_show_at_once(client, world):
    post = world.publish(title="停车收费标准")
    other = world.publish(section="parking", title="车位出租公示")
    _board(client, world.estate.id)
    services.correct(
        world.company, post.id, Content(title="停车收费标准（更正）", body="y"), "错字"
    )
    services.withdraw(world.company, other.id, "信息有误")
    commit()
    board = _board(client, world.estate.id).json
    (shown,) = _section(board, "manager")["posts"]
    assert shown["title"] == "停车收费标准（更正）" and shown["corrected"]
    assert shown["corrections"][0]["reason"] == "错字"
    assert _section(board, "parking")["posts"] == []
    (record,) = _section(board, "parking")["withdrawn"]
    assert record["withdraw_reason"] == "信息有误"


def test_an_unchanged_board_answers_304_to_its_etag(client, world):
    world.publish()
    first = _board(client, world.estate.id)
    again = _board(client, world.estate.id, **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    world.publish(section="parking", title="车位公示")
    changed = _board(client, world.estate.id, **{"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200


def test_an_unknown_estate_has_no_board(client, db):
    assert _board(client, 424242).status_code == 404


def test_the_public_post_shows_every_version(client, world):
    post = world.publish(title="项目负责人：陈经理")
    services.correct(
        world.company, post.id, Content(title="项目负责人：林经理", body="x"), "人员调整"
    )
    commit()
    detail = client.get(f"/api/v1/estates/{world.estate.id}/board/posts/{post.id}").json
    assert [v["number"] for v in detail["versions"]] == [2, 1]
    assert detail["versions"][1]["title"] == "项目负责人：陈经理"
    assert detail["versions"][0]["reason"] == "人员调整"
    assert (
        client.get(f"/api/v1/estates/{world.other_estate.id}/board/posts/{post.id}").status_code
        == 404
    )


def test_nothing_personal_is_in_any_public_response(client, world):
    post = world.publish(
        title="管家联系方式",
        body="<p>管家 13912345678，服务中心 0571-88886666，身份证 330106199001011234</p>",
    )
    services.correct(
        world.company, post.id, Content(title="管家联系方式", body="<p>见服务中心</p>"), "更正"
    )
    world.publish(world.committee, section="committee_notices", title="业委会决定", must_read=True)
    commit()
    services.mark_read(world.owners[0], post)
    commit()
    texts = [
        _board(client, world.estate.id).data,
        client.get(f"/api/v1/estates/{world.estate.id}/board/posts/{post.id}").data,
    ]
    personal = ["13912345678", "330106199001011234"]
    for staff in (world.company, world.committee):
        personal += [staff.name, staff.username]
    for resident in (*world.owners, world.tenant):
        personal += [resident.name, resident.phone, resident.openid]
    for raw in texts:
        text = raw.decode()
        json.loads(text)
        for value in filter(None, personal):
            assert value not in text, value
        assert "0571-88886666" in text or "见服务中心" in text


def test_a_resident_reads_their_estates_board_with_read_marks(client, world):
    post = world.publish(
        world.committee, section="committee_notices", title="业主大会公告", must_read=True
    )
    owner = world.owners[0]
    (mine,) = client.get("/api/v1/me/boards", headers=bearer(owner)).json
    assert mine["estate"]["id"] == world.estate.id and mine["unread_must_read"] == 1
    board = client.get(f"/api/v1/me/estates/{world.estate.id}/board", headers=bearer(owner)).json
    (shown,) = _section(board, "committee_notices")["posts"]
    assert shown["must_read"] and shown["read"] is False
    read = client.post(f"/api/v1/me/board/posts/{post.id}/read", headers=bearer(owner))
    assert read.status_code == 200 and read.json["post_id"] == post.id
    again = client.post(f"/api/v1/me/board/posts/{post.id}/read", headers=bearer(owner))
    assert again.json["read_at"] == read.json["read_at"]
    detail = client.get(f"/api/v1/me/board/posts/{post.id}", headers=bearer(owner)).json
    assert detail["read"] is True
    assert detail["read_share"] == {"owners": 3, "read": 1, "share": 0.3333}
    (mine,) = client.get("/api/v1/me/boards", headers=bearer(owner)).json
    assert mine["unread_must_read"] == 0


def test_a_section_of_my_board(client, world):
    world.publish(section="parking", title="车位公示")
    section = client.get(
        f"/api/v1/me/estates/{world.estate.id}/board/sections/parking", headers=bearer(world.tenant)
    )
    assert section.status_code == 200 and section.json["posts"][0]["title"] == "车位公示"
    unknown = client.get(
        f"/api/v1/me/estates/{world.estate.id}/board/sections/nothing", headers=bearer(world.tenant)
    )
    assert unknown.status_code == 404


def test_another_estates_board_is_not_found_for_a_resident(client, world):
    post = world.publish()
    outsider = bearer(world.outsider)
    assert (
        client.get(f"/api/v1/me/estates/{world.estate.id}/board", headers=outsider).status_code
        == 404
    )
    assert client.get(f"/api/v1/me/board/posts/{post.id}", headers=outsider).status_code == 404
    assert (
        client.post(f"/api/v1/me/board/posts/{post.id}/read", headers=outsider).status_code == 404
    )


def test_the_resident_api_needs_sign_in(client, world):
    post = world.publish()
    assert client.get("/api/v1/me/boards").status_code == 401
    assert client.post(f"/api/v1/me/board/posts/{post.id}/read").status_code == 401


def test_attachments_are_shown_as_signed_links_and_kept_by_a_correction(client, app, world):
    import io

    from PIL import Image

    from backend.media.documents import upload_document
    from backend.media.services import upload_photo

    picture = io.BytesIO()
    Image.new("RGB", (64, 48), "white").save(picture, "PNG")
    photo = upload_photo(picture.getvalue(), staff_id=world.company.id)
    document = upload_document(b"%PDF-1.4\n%%EOF\n", "收支表.pdf", staff_id=world.company.id)
    post = world.publish(
        section="public_income",
        title="公共收益公示",
        photo_ids=(photo.id,),
        document_ids=(document.id,),
    )
    services.correct(
        world.company,
        post.id,
        Content(title="公共收益公示（更正）", body="<p>更正</p>", document_ids=(document.id,)),
        "删去照片",
    )
    commit()
    (shown,) = _section(_board(client, world.estate.id).json, "public_income")["posts"]
    (attachment,) = shown["attachments"]
    assert attachment["kind"] == "pdf" and attachment["filename"] == "收支表.pdf"
    assert client.get(attachment["url"]).status_code == 200
    detail = client.get(f"/api/v1/estates/{world.estate.id}/board/posts/{post.id}").json
    assert [len(v["attachments"]) for v in detail["versions"]] == [1, 2]
    assert detail["versions"][1]["attachments"][0]["kind"] == "photo"


def test_a_cached_board_is_served_by_the_fast_path_with_the_apps_headers(client, world):
    world.publish(title="项目负责人：林经理")
    built = _board(client, world.estate.id)
    cached = _board(client, world.estate.id)
    assert cached.data == built.data and cached.headers["ETag"] == built.headers["ETag"]
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options"):
        assert cached.headers[header] == built.headers[header]
    assert cached.headers["Cache-Control"] == "public, no-cache"
    assert (
        _board(client, world.estate.id, **{"If-None-Match": built.headers["ETag"]}).status_code
        == 304
    )
    world.publish(section="parking", title="车位公示")
    assert "车位公示" in _board(client, world.estate.id).json["sections"][4]["posts"][0][
        "title"
    ] or any(
        p["title"] == "车位公示"
        for s in _board(client, world.estate.id).json["sections"]
        for p in s["posts"]
    )
