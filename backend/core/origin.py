"""The site's one public origin, and the guard that refuses requests for other hosts.

Every absolute link the product makes (signed media links, board links, receipts' QR codes,
posters, WeChat Pay's notify URL) is ``PUBLIC_URL`` + a path: never the request's ``Host`` or
``X-Forwarded-Host``, which whoever sends the request chooses. A cached public board then
holds the same bytes whoever asked first, so its cache key needs no request header.

:class:`TrustedHosts` sits in front of everything else (the board's fast path included) and
answers 400 to a request whose host is not in ``TRUSTED_HOSTS``, before anything is read
from or written to a cache (Flask reads the same setting and refuses ``request.host`` too). A
load balancer's health check must then use a trusted name (or add its address to the list).
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from flask import current_app, url_for
from werkzeug.sansio.utils import host_is_trusted


def public_url(path: str) -> str:
    """``path`` (starting with ``/``) on the public origin."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


def public_url_for(endpoint: str, **values) -> str:
    """The absolute public URL of ``endpoint`` (``url_for`` values)."""
    return public_url(url_for(endpoint, **values))


def default_trusted_hosts(public: str) -> list[str]:
    """The public origin's host and the machine's own names (health checks, the demo)."""
    host = urlsplit(public).hostname or "localhost"
    return list(dict.fromkeys([host, "localhost", "127.0.0.1"]))


_REFUSED = json.dumps(
    {"code": 400, "status": "Bad Request", "message": "请求的主机名不受信任", "errors": {}},
    ensure_ascii=False,
).encode()


class TrustedHosts:
    """WSGI middleware: a request whose ``Host`` is not trusted gets 400 (see the module)."""

    def __init__(self, wsgi_app, hosts: list[str]):
        self.wsgi_app = wsgi_app
        self.hosts = [host.lower() for host in hosts]

    def __call__(self, environ, start_response):
        host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
        if not host or not host_is_trusted(host.lower(), self.hosts):
            start_response(
                "400 BAD REQUEST",
                [
                    ("Content-Type", "application/json; charset=utf-8"),
                    ("Content-Length", str(len(_REFUSED))),
                    ("Cache-Control", "no-store"),
                ],
            )
            return [_REFUSED]
        return self.wsgi_app(environ, start_response)
