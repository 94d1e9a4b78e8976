"""Board API: the public board (no sign-in, as the paper board on the wall) and the
resident's board with read receipts.

The public board is served from Redis as the stored JSON bytes with their ETag (a client
holding the same ETag gets 304); it is built anew after every publication
(:mod:`backend.board.cache`).
"""

from __future__ import annotations

from flask import Response, request

from backend.authz import resident as resident_authz
from backend.authz.resident import BEARER, current_resident, resident_required
from backend.board import cache, services, views
from backend.board.schemas import (
    BoardSchema,
    MyBoardSchema,
    PostDetailSchema,
    ReadReceiptSchema,
    SectionSchema,
)
from backend.board.sections import section
from backend.core.api import Blueprint
from backend.core.errors import NotFound

blp = Blueprint(
    "board",
    __name__,
    tag="信息公示",
    description="小区信息公示栏：公开查看（无需登录）、住户查看、版本与更正记录、已读回执",
)

#: the public board may be kept by browsers and proxies, but must be checked each time
PUBLIC_CACHE_CONTROL = "public, no-cache"


def _bytes_response(body: bytes, etag: str) -> Response:
    if etag in request.if_none_match:
        response = Response(status=304)
    else:
        response = Response(body, mimetype="application/json")
    response.set_etag(etag)
    response.headers["Cache-Control"] = PUBLIC_CACHE_CONTROL
    return response


@blp.get("/estates/<int:estate_id>/board")
@blp.response(200, BoardSchema)
@blp.alt_response(304, description="未变化（If-None-Match 与 ETag 相同）")
@blp.errors(404)
def public_board(estate_id):
    """小区信息公示栏（公开，无需登录）：各栏目的现行公示、撤回记录与公示状态

    不含任何个人信息：发布者为单位，手机号、身份证号一律打码。
    """
    body, etag = cache.cached(
        estate_id,
        "public",
        lambda: views.public_json(views.board_view(services.public_estate(estate_id), public=True)),
    )
    return _bytes_response(body, etag)


@blp.get("/estates/<int:estate_id>/board/posts/<int:post_id>")
@blp.response(200, PostDetailSchema)
@blp.alt_response(304, description="未变化（If-None-Match 与 ETag 相同）")
@blp.errors(404)
def public_post(estate_id, post_id):
    """一条公示（公开，无需登录）：现行版本与全部历史版本、更正原因"""
    body, etag = cache.cached(
        estate_id,
        f"post-{post_id}",
        lambda: views.public_json(
            views.post_view(
                services.post_in_estate(estate_id, post_id, public_only=True),
                versions=True,
                public=True,
            )
        ),
    )
    return _bytes_response(body, etag)


def _with_reads(board: dict, resident) -> dict:
    ids = [p["id"] for s in board["sections"] for p in s["posts"]]
    read = services.read_post_ids(resident, ids)
    for s in board["sections"]:
        for p in s["posts"]:
            p["read"] = p["id"] in read
    return board


@blp.get("/me/boards")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, MyBoardSchema(many=True))
@blp.errors(401)
def my_boards():
    """我所在小区的公示栏（每个已绑定房屋的小区一个），含未读必读公示数"""
    resident = current_resident()
    out = []
    for estate_id in resident_authz.estate_ids(resident):
        estate = resident_authz.estate_of(resident, estate_id)
        must_read = [p.id for p in services.live_posts(estate_id) if p.must_read]
        unread = len(must_read) - len(services.read_post_ids(resident, must_read))
        out.append({"estate": views.estate_view(estate), "unread_must_read": unread})
    return views.jsonable(out, mask=True)


@blp.get("/me/estates/<int:estate_id>/board")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, BoardSchema)
@blp.errors(401, 404)
def my_board(estate_id):
    """我所在小区的公示栏：全部栏目（含仅对住户公开的栏目）与我的已读状态"""
    resident = current_resident()
    estate = resident_authz.estate_of(resident, estate_id)
    board = views.board_view(estate, public=False)
    return views.jsonable(_with_reads(board, resident), mask=True)


@blp.get("/me/estates/<int:estate_id>/board/sections/<code>")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, SectionSchema)
@blp.errors(401, 404)
def my_section(estate_id, code):
    """公示栏的一个栏目：现行公示与撤回记录"""
    resident = current_resident()
    estate = resident_authz.estate_of(resident, estate_id)
    if len(code) > 40 or section(code) is None:
        raise NotFound("公示栏目不存在")
    board = _with_reads(views.board_view(estate, public=False), resident)
    found = next(s for s in board["sections"] if s["code"] == code)
    return views.jsonable(found, mask=True)


def _detail(post, resident) -> dict:
    view = views.post_view(post, versions=True, public=True)
    view["read"] = bool(services.read_post_ids(resident, [post.id]))
    view["read_share"] = services.read_share(post).as_dict() if post.must_read else None
    return views.jsonable(view, mask=True)


@blp.get("/me/board/posts/<int:post_id>")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, PostDetailSchema)
@blp.errors(401, 404)
def my_post(post_id):
    """一条公示：现行版本、全部历史版本与更正原因、我是否已读（必读公示另附阅读率）"""
    resident = current_resident()
    return _detail(services.resident_post(resident, post_id), resident)


@blp.post("/me/board/posts/<int:post_id>/read")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, ReadReceiptSchema)
@blp.errors(401, 404)
def mark_read(post_id):
    """标记已读（重复标记以首次为准）"""
    resident = current_resident()
    post = services.resident_post(resident, post_id)
    receipt = services.mark_read(resident, post)
    return views.jsonable({"post_id": post.id, "read_at": receipt.read_at})
