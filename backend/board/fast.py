"""The public board's fast path: cached bytes served before Flask is entered.

Reads of the public board (``GET /api/v1/estates/<id>/board``) are the busiest requests a
city has (every QR poster on every paper board points there), and once cached they need
nothing of the app: this WSGI middleware answers them straight from Redis, with the stored
ETag (``304`` to ``If-None-Match``) and the headers the app would send. Everything else —
a cache miss, a cross-origin browser request (CORS is the app's), any other path — goes
to the app unchanged, which builds, caches and answers as usual.
"""

from __future__ import annotations

import re

import redis

from backend.board import cache
from backend.board.api import PUBLIC_CACHE_CONTROL

_PATH = re.compile(r"/api/v1/estates/([1-9][0-9]{0,9})/board")


#: headers of the app's own answer that the fast path repeats (security headers)
KEPT_HEADERS = frozenset(
    {
        "content-security-policy",
        "x-frame-options",
        "x-content-type-options",
        "referrer-policy",
        "strict-transport-security",
        "permissions-policy",
        "cross-origin-opener-policy",
    }
)


class PublicBoardFastPath:
    """Serve cached public boards before the Flask app (see the module's docstring).

    The security headers it sends are those of the app's own first answer of a board
    (kept from it), so the fast path never drifts from ``backend/core/headers.py``; until
    the app has answered once, every request goes to the app.
    """

    def __init__(self, app, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self.headers: list[tuple[str, str]] | None = None

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "GET" or "HTTP_ORIGIN" in environ:
            return self.wsgi_app(environ, start_response)
        match = _PATH.fullmatch(environ.get("PATH_INFO", ""))
        if match is None or int(match[1]) >= 2**31:
            return self.wsgi_app(environ, start_response)
        if self.headers is not None:
            try:
                stored = cache.stored(self.app.extensions["linli_redis"], int(match[1]))
            except redis.RedisError:
                stored = None  # Redis is away: the app answers (from the database, or 503)
            if stored is not None:
                return self._answer(environ, start_response, *stored)
        return self.wsgi_app(environ, self._keeping_headers(start_response))

    def _keeping_headers(self, start_response):
        def keep(status, headers, exc_info=None):
            if status.startswith("200") and self.headers is None:
                self.headers = [(k, v) for k, v in headers if k.lower() in KEPT_HEADERS]
            return start_response(status, headers, exc_info)

        return keep

    def _answer(self, environ, start_response, body: bytes, etag: str):
        quoted = f'"{etag}"'
        headers = [("ETag", quoted), ("Cache-Control", PUBLIC_CACHE_CONTROL), *self.headers]
        if quoted in environ.get("HTTP_IF_NONE_MATCH", ""):
            start_response("304 NOT MODIFIED", headers)
            return [b""]
        headers += [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        start_response("200 OK", headers)
        return [body]


def init_app(app) -> None:
    """Put the fast path in front of ``app``."""
    app.wsgi_app = PublicBoardFastPath(app, app.wsgi_app)
