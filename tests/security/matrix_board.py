"""Permission matrix rows of the disclosure board (joined in ``ROUTES`` of ``matrix.py``):
``BOARD``, its API; ``BOARD_UI``, the public board page, its QR poster and the panel.

The public board and its posts are readable by anyone (the paper board on the wall);
a resident's board, post detail and read receipts only by residents of that estate.
"""

from __future__ import annotations

from collections.abc import Callable

from backend.board.models import Post, PostVersion
from backend.extensions import db


def _post(side) -> int:
    """A published post on ``side``'s board (made anew for every call)."""
    post = Post(estate_id=side.estate.id, section="manager", publisher="company", version_count=1)
    db.session.add(post)
    db.session.flush()
    db.session.add(PostVersion(post_id=post.id, number=1, title="项目负责人", body_html="<p>x</p>"))
    db.session.commit()
    return post.id


#: ``param=name`` → the value sent (merged into ``TARGETS`` of the matrix test)
TARGETS: dict[str, Callable] = {
    "post_id=x": lambda w: _post(w.x),
    "post_id=y": lambda w: _post(w.y),
    "number=1": lambda w: 1,
    "code=parking": lambda w: "parking",
    "document_id=none": lambda w: 2**31 - 1,
    "estate_id=none": lambda w: 2**31 - 1,
    "filename=board": lambda w: "board.css",
}

# fmt: off

BOARD = {
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    "GET /api/v1/estates/{estate_id}/board": {
        "estate_id=x":                         "200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200",
        "estate_id=y":                         "200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200",
    },
    "GET /api/v1/estates/{estate_id}/board/posts/{post_id}": {
        "estate_id=x,post_id=x":               "200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200",
        "estate_id=x,post_id=y":               "404  404  404  404  404  404  404  404  404  404  404  404  404  404  404  404",
    },
    "GET /api/v1/me/boards": {
        "-":                                   "401  200  200  200  200  401  401  401  401  401  401  401  401  401  401  401",
    },
    "GET /api/v1/me/estates/{estate_id}/board": {
        "estate_id=x":                         "401  200  200  200  404  401  401  401  401  401  401  401  401  401  401  401",
        "estate_id=y":                         "401  404  404  404  200  401  401  401  401  401  401  401  401  401  401  401",
    },
    "GET /api/v1/me/estates/{estate_id}/board/sections/{code}": {
        "estate_id=x,code=parking":            "401  200  200  200  404  401  401  401  401  401  401  401  401  401  401  401",
        "estate_id=y,code=parking":            "401  404  404  404  200  401  401  401  401  401  401  401  401  401  401  401",
    },
    "GET /api/v1/me/board/posts/{post_id}": {
        "post_id=x":                           "401  200  200  200  404  401  401  401  401  401  401  401  401  401  401  401",
        "post_id=y":                           "401  404  404  404  200  401  401  401  401  401  401  401  401  401  401  401",
    },
    "POST /api/v1/me/board/posts/{post_id}/read": {
        "post_id=x":                           "401  200  200  200  404  401  401  401  401  401  401  401  401  401  401  401",
        "post_id=y":                           "401  404  404  404  200  401  401  401  401  401  401  401  401  401  401  401",
    },
    # a document is handed out only by a signed link (made for someone allowed to see it)
    "GET /api/v1/media/documents/{document_id}": {
        "document_id=none":                    "403  403  403  403  403  403  403  403  403  403  403  403  403  403  403  403",
    },
}

# the public board page, its QR poster and the panel's board screens
BOARD_UI = {
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    # the public page and its poster: readable by anyone, as the paper board on the wall
    "GET /board/{estate_id}": {
        "estate_id=x":                         "200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200",
        "estate_id=none":                      "404  404  404  404  404  404  404  404  404  404  404  404  404  404  404  404",
    },
    "GET /board/{estate_id}/posts/{post_id}": {
        "estate_id=x,post_id=x":               "200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200",
        # a post is found only under its own estate's board
        "estate_id=y,post_id=x":               "404  404  404  404  404  404  404  404  404  404  404  404  404  404  404  404",
    },
    "GET /board/{estate_id}/poster.png": {
        "estate_id=x":                         "200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200",
        "estate_id=none":                      "404  404  404  404  404  404  404  404  404  404  404  404  404  404  404  404",
    },
    "GET /board/{estate_id}/poster.pdf": {
        "estate_id=x":                         "200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200",
    },
    "GET /board/static/{filename}": {
        "filename=board":                      "200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200",
    },
    # the panel: every staff role reads the boards in its scope
    "GET /admin/board": {
        "-":                                   "401  401  401  401  401  200  200  200  200  200  200  200  200  200  200  200",
    },
    "GET /admin/board/compliance": {
        "-":                                   "401  401  401  401  401  200  200  200  200  200  200  200  200  200  200  200",
    },
    "GET /admin/board/reads": {
        "-":                                   "401  401  401  401  401  200  200  200  200  200  200  200  200  200  200  200",
    },
    "GET /admin/board/{estate_id}/poster.png": {
        "estate_id=x":                         "401  401  401  401  401  200  200  200  404  404  404  200  200  404  200  200",
        "estate_id=y":                         "401  401  401  401  401  404  404  404  200  200  200  404  404  200  404  200",
    },
    "GET /admin/board/{estate_id}/poster.pdf": {
        "estate_id=x":                         "401  401  401  401  401  200  200  200  404  404  404  200  200  404  200  200",
    },
    # every post of the boards in scope, narrowed to an estate: another's estate is 404
    "GET /admin/board/posts": {
        "query": {"estate_id": "{estate_id}"},
        "estate_id=x":                         "401  401  401  401  401  200  200  200  404  404  404  200  200  404  200  200",
        "estate_id=y":                         "401  401  401  401  401  404  404  404  200  200  200  404  404  200  404  200",
    },
    "GET /admin/board/posts/{post_id}": {
        "post_id=x":                           "401  401  401  401  401  200  200  200  404  404  404  200  200  404  200  200",
    },
    # writing: publishers only, each in its own sections (the company's "manager" here)
    "GET /admin/board/compose": {
        "-":                                   "401  401  401  401  401  200  200  403  200  200  403  200  200  200  403  403",
    },
    "POST /admin/board/compose": {
        "form": {"estate_id": "{estate_id}", "section": "manager", "title": "项目负责人 {seq}",
                 "body": "<p>服务中心 0571-88886666</p>", "action": "publish"},
        "estate_id=x":                         "401  401  401  401  401  302  302  403  404  404  403  403  403  404  403  403",
    },
    "GET /admin/board/posts/{post_id}/correct": {
        "post_id=x":                           "401  401  401  401  401  200  200  403  404  404  403  403  403  404  403  403",
    },
    "POST /admin/board/posts/{post_id}/correct": {
        "form": {"title": "项目负责人（更正）", "body": "<p>服务中心 0571-88887777</p>",
                 "reason": "电话变更", "action": "publish"},
        "post_id=x":                           "401  401  401  401  401  302  302  403  404  404  403  403  403  404  403  403",
    },
    "POST /admin/board/posts/{post_id}/withdraw": {
        "form": {"reason": "重复发布"},
        "post_id=x":                           "401  401  401  401  401  302  302  403  404  404  403  403  403  404  403  403",
    },
    # removing personal data published by mistake: company admins (in scope) and the platform
    "POST /admin/board/posts/{post_id}/versions/{number}/redact": {
        "form": {"reason": "误发业主手机号", "confirm": "y"},
        "post_id=x,number=1":                  "401  401  401  401  401  302  403  403  404  403  403  403  403  403  403  302",
        "post_id=y,number=1":                  "401  401  401  401  401  404  403  403  302  403  403  403  403  403  403  302",
    },
}
