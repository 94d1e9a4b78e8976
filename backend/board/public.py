"""The public board page (公示栏网页): what the QR poster on the paper board opens.

Readable without signing in, on a phone's browser: the estate's public sections with their
current posts, a post with its correction trail (every earlier version readable, a
withdrawal shown with its reason), attachments and money statements as tables. The pages
are drawn from the same masked, cached JSON the public board API serves
(``GET /api/v1/estates/<id>/board``), so they show exactly what the API does and nothing
personal. The estate's QR poster (PNG or one-page PDF, A4) is linked from here.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from flask import Blueprint, Response, render_template

from backend.board import cache, poster, services, views
from backend.fees.money import yuan

blueprint = Blueprint(
    "board_public",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/board/static",
)


def public_board(estate_id: int) -> dict:
    """The estate's public board as the API serves it (cached; :class:`NotFound` if there
    is no such estate)."""
    body, _etag = cache.cached(
        estate_id,
        "public",
        lambda: views.public_json(views.board_view(services.public_estate(estate_id), public=True)),
    )
    return json.loads(body)


def public_post(estate_id: int, post_id: int) -> dict:
    """A post of a public section with every version, as the API serves it (cached)."""
    body, _etag = cache.cached(
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
    return json.loads(body)


@blueprint.app_template_filter("board_money")
def board_money(fen) -> str:
    """Fen as yuan, negative balances with a minus sign: ``-12345`` → ``-¥123.45``."""
    if fen is None:
        return ""
    return ("-" if fen < 0 else "") + yuan(abs(int(fen)))


#: what the board calls the fields of generated posts' data (other keys show as they are)
DATA_LABELS = {
    "item": "项目",
    "basis": "计费方式",
    "unit_price": "单价",
    "unit": "计价单位",
    "pricing_form": "定价形式",
    "basis_document": "定价依据",
    "effective_from": "生效日期",
    "effective_until": "截止日期",
    "buildings": "适用楼栋",
    "upcoming": "即将调整",
    "result": "结果",
    "score": "得分",
    "stars": "信用星级",
    "list": "名单",
    "year": "年度",
    "month": "月份",
}


@blueprint.app_template_filter("board_data_rows")
def board_data_rows(data: dict) -> list[tuple[str, str]]:
    """A generated post's data as (label, text) rows: a code beside its ``<key>_label``
    shows as the label, lists are joined, empty values are left out."""
    rows = []
    for key, value in data.items():
        if f"{key}_label" in data:
            continue  # its label says it for people
        if isinstance(value, list):
            value = "、".join(str(v) for v in value if isinstance(v, (str, int, float)))
        if value in (None, "") or isinstance(value, dict):
            continue
        name = key.removesuffix("_label")
        rows.append((DATA_LABELS.get(name, name), str(value)))
    return rows


@blueprint.app_template_filter("board_time")
def board_time(value: str | None) -> str:
    """An ISO 8601 time as the board shows it: ``2026-11-30 21:05``."""
    return (value or "")[:16].replace("T", " ")


@blueprint.app_template_filter("board_size")
def board_size(byte_size: int | None) -> str:
    """A file's size as people read it: ``1.2 MB``, ``380 KB``."""
    if not byte_size:
        return ""
    if byte_size >= 1024 * 1024:
        return f"{byte_size / 1024 / 1024:.1f} MB"
    return f"{max(byte_size // 1024, 1)} KB"


@blueprint.get("/board/<int:estate_id>")
def board(estate_id: int):
    """小区信息公示栏（公开网页，无需登录）：各栏目的现行公示与撤回记录。"""
    return render_template("board/public_board.html", board=public_board(estate_id))


@blueprint.get("/board/<int:estate_id>/posts/<int:post_id>")
def post(estate_id: int, post_id: int):
    """一条公示（公开网页）：现行版本、更正记录与每个历史版本、撤回原因。"""
    board_data = public_board(estate_id)
    item = public_post(estate_id, post_id)
    sections = {s["code"]: s for s in board_data["sections"]}
    return render_template(
        "board/public_post.html",
        estate=board_data["estate"],
        section=sections.get(item["section"]),
        post=item,
    )


@blueprint.get("/board/<int:estate_id>/poster.png", defaults={"fmt": "png"})
@blueprint.get("/board/<int:estate_id>/poster.pdf", defaults={"fmt": "pdf"})
def poster_file(estate_id: int, fmt: str):
    """小区公示栏二维码海报（A4，PNG 或 PDF），贴在纸质公示栏上。"""
    estate = poster.estate_for_poster(estate_id)
    return poster_response(estate, fmt)


def poster_response(estate, fmt: str) -> Response:
    """``estate``'s poster as a download (the panel serves the same)."""
    name = quote(poster.filename(estate, fmt))
    return Response(
        poster.poster(estate, fmt),
        mimetype=poster.FORMATS[fmt],
        headers={
            "Content-Disposition": (
                f"attachment; filename=\"board-poster.{fmt}\"; filename*=UTF-8''{name}"
            )
        },
    )
