"""The development server of ``make run``: Werkzeug's, with its own errors in our format.

Werkzeug's server answers some requests before the app sees them (a request line over
64 KB, a malformed request line or header) with an English HTML page. Here those answers
are the API's JSON error, ``{code, status, message, errors}`` with a Chinese message, like
every other error. ``flask --app backend serve`` runs it.
"""

from __future__ import annotations

import json

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
