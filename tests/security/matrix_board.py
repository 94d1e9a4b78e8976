"""Permission matrix rows of the disclosure board (joined in ``ROUTES`` of ``matrix.py``).

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
    "code=parking": lambda w: "parking",
    "document_id=none": lambda w: 2**31 - 1,
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
