"""The resident API's headers: personal data is never cached, nothing is sniffed or framed,
the Swagger UI page runs under its own CSP, and HEAD is answered like GET."""

from __future__ import annotations

import re

from tests.admin.test_headers import csp
from tests.factories import ResidencyFactory
from tests.helpers import bearer


def _get_routes(app):
    """Every GET route of the resident API, with id 1 (and code ``X``) in its path."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and "GET" in rule.methods:
            yield re.sub(r"<int:\w+>", "1", re.sub(r"<(?:string:)?code>", "X", rule.rule))


def test_answers_with_personal_data_are_never_stored(client, db):
    residency = ResidencyFactory()
    headers = bearer(residency.resident)

    for url in ["/api/v1/me", "/api/v1/me/residencies", f"/api/v1/me/units/{residency.unit_id}"]:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url
        assert response.headers["X-Content-Type-Options"] == "nosniff", url
        assert csp(response)["frame-ancestors"] == "'none'", url


def test_error_answers_are_not_stored_either(client, db):
    response = client.get("/api/v1/me")

    assert response.status_code == 401
    assert response.headers["Cache-Control"] == "no-store"


def test_the_api_description_may_be_cached(client, db):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_swagger_ui_runs_from_our_own_files_without_inline_script(client, db):
    response = client.get("/api/v1/docs")
    page = response.get_data(as_text=True)
    policy = csp(response)

    assert response.status_code == 200
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    assert policy["default-src"] == "'self'"
    assert policy["img-src"] == "'self' data:"
    assert policy["frame-ancestors"] == "'none'"
    scripts = re.findall(r"<script[^>]*>", page)
    assert scripts and all('src="/static/' in s for s in scripts)
    assert "/static/api-docs.js" in page


def test_every_get_route_answers_head_like_get(app, client, db):
    headers = bearer(ResidencyFactory().resident)
    routes = list(_get_routes(app))
    assert len(routes) >= 8
    for url in routes:
        get, head = client.get(url, headers=headers), client.head(url, headers=headers)
        assert head.status_code == get.status_code, url
        assert head.data == b"", url
