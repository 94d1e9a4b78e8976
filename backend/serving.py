"""The servers, with the errors they answer themselves in our format.

Werkzeug's server (``make run``) and gunicorn (the Procfile) answer some requests before
the app sees them (a request line too long, a malformed request line or header) with an
English HTML page. Here those answers are the API's JSON error, ``{code, status, message,
errors}`` with a Chinese message, like every other error: :class:`RequestHandler` for
``flask --app backend serve``, :class:`GunicornWorker` for gunicorn.
"""

from __future__ import annotations

import json

from gunicorn import util as _gunicorn_util
from gunicorn.workers.sync import SyncWorker
from werkzeug.serving import WSGIRequestHandler

from backend.core.api import error_payload


class RequestHandler(WSGIRequestHandler):
    """Werkzeug's request handler; errors it answers itself come as JSON in Chinese."""

    error_content_type = "application/json; charset=utf-8"

    def send_error(self, code: int, message: str | None = None, explain: str | None = None):
        body = json.dumps(error_payload(code), ensure_ascii=False)
        # http.server fills the body in with %-formatting: keep any % of ours literal
        self.error_message_format = body.replace("%", "%%")
        super().send_error(code, message, explain)


# -- gunicorn (the Procfile's web process) ---------------------------------------------


def _write_json_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's ``util.write_error``, answering in the API's JSON error format."""
    body = json.dumps(error_payload(status_int), ensure_ascii=False).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode("latin-1")
    _gunicorn_util.write_nonblock(sock, head + body)


class GunicornWorker(SyncWorker):
    """gunicorn's sync worker; the errors gunicorn answers itself (a request line over
    ``limit_request_line``, too many or too large headers, a malformed request) come
    as JSON in Chinese, like every other error (``--worker-class
    backend.serving.GunicornWorker``, as in the Procfile).

    gunicorn writes those answers through ``gunicorn.util.write_error``; a sync worker
    handles one connection at a time, so swapping that function for the duration of
    ``handle_error`` affects nothing else.
    """

    def handle_error(self, req, client, addr, exc):
        original = _gunicorn_util.write_error
        _gunicorn_util.write_error = _write_json_error
        try:
            super().handle_error(req, client, addr, exc)
        finally:
            _gunicorn_util.write_error = original
