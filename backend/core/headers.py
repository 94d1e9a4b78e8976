"""Security headers and caching rules of every response (flask-talisman and one hook).

- Content-Security-Policy: only this site's own scripts, styles and images; no inline
  script or style, no ``eval``; never framed. The panel's htmx runs with eval off and
  without its injected indicator style (``htmx-config`` in ``admin/base.html``).
- The Swagger UI page (``/api/v1/docs``, vendored files) may in addition show the
  ``data:`` images of its stylesheet.
- ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``,
  ``Referrer-Policy: same-origin`` everywhere.
- ``Strict-Transport-Security`` on https responses when the app is served over TLS
  (``SESSION_COOKIE_SECURE``, see ``backend/config.py``).
- ``Cache-Control: no-store`` on everything but static files and the API description:
  panel pages and resident API answers carry personal data.
"""

from __future__ import annotations

import functools

from flask import Flask, Response, request
from flask_talisman import Talisman

#: the panel's policy, and the default for every response
CSP = {
    "default-src": "'self'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "object-src": "'none'",
}
#: Swagger UI's stylesheet draws its icons as data: images
DOCS_CSP = {**CSP, "img-src": "'self' data:"}
DOCS_ENDPOINT = "api-docs.openapi_swagger_ui"
#: public responses that may be cached: static files, the icon, the API description and
#: the public board (which sets its own Cache-Control)
CACHEABLE_ENDPOINTS = frozenset(
    {
        "static",
        "admin.static",
        "board_public.static",
        "favicon",
        "api-docs.openapi_json",
        # the public disclosure board: public by law, revalidated by its ETag each time
        "board.public_board",
        "board.public_post",
    }
)


def init_app(app: Flask) -> None:
    """Send the security headers on every response of ``app``."""
    # one Talisman per app: it keeps its options on itself, and tests build several apps
    talisman = Talisman(
        app,
        content_security_policy=CSP,
        frame_options="DENY",
        referrer_policy="same-origin",
        # nginx redirects http to https; the app never sees a request to redirect
        force_https=False,
        strict_transport_security=bool(
            app.config["SESSION_COOKIE_SECURE"] and app.config["HSTS_MAX_AGE"]
        ),
        strict_transport_security_max_age=app.config["HSTS_MAX_AGE"],
        # other hosts of the domain (e.g. the government's) are not ours to pin
        strict_transport_security_include_subdomains=False,
        # Secure is decided by backend/config.py, not forced here
        session_cookie_secure=False,
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
    )
    app.extensions["talisman"] = talisman
    docs_view = app.view_functions.get(DOCS_ENDPOINT)
    if docs_view is not None:
        # flask-smorest's view is a bound method, which cannot carry Talisman's options

        @talisman(content_security_policy=DOCS_CSP)
        @functools.wraps(docs_view)
        def docs_page(**kwargs):
            return docs_view(**kwargs)

        app.view_functions[DOCS_ENDPOINT] = docs_page
    app.after_request(_never_store_private_responses)


def _never_store_private_responses(response: Response) -> Response:
    if request.endpoint not in CACHEABLE_ENDPOINTS:
        response.headers["Cache-Control"] = "no-store"
    return response
