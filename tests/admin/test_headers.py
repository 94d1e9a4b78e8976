"""The panel's security headers: a strict CSP, no framing, no sniffing, no caching, cookies
that stay on https, and HEAD answered like GET."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backend import create_app

TEMPLATE_DIRS = [
    Path(__file__).parents[2] / "admin" / "templates",
    Path(__file__).parents[2] / "backend" / "templates",
]


def csp(response) -> dict[str, str]:
    """The response's Content-Security-Policy as ``{directive: sources}``."""
    policy = response.headers["Content-Security-Policy"]
    parts = (p.strip().split(" ", 1) for p in policy.split(";") if p.strip())
    return {p[0]: p[1] if len(p) > 1 else "" for p in parts}


def assert_private_page_headers(response) -> None:
    policy = csp(response)
    assert policy["default-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    # nothing loosens the default for scripts and styles
    assert not {"script-src", "style-src"} & set(policy)
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def _get_pages(app):
    """Every GET page of the panel, with id 1 in its path."""
    for rule in app.url_map.iter_rules():
        admin_page = rule.endpoint.startswith("admin.") and rule.endpoint != "admin.static"
        if admin_page and "GET" in rule.methods:
            yield re.sub(r"<(?:\w+:)?\w+>", "1", rule.rule)


def test_login_page_has_the_strict_headers(client):
    assert_private_page_headers(client.get("/admin/login"))


def test_every_panel_page_has_the_strict_headers_and_answers_head_like_get(world, as_staff, app):
    client = as_staff(world.platform)
    pages = list(_get_pages(app))
    assert len(pages) >= 10
    for url in pages:
        get = client.get(url)
        head = client.head(url)
        assert head.status_code == get.status_code, url
        assert head.data == b"", url
        assert_private_page_headers(get)
        assert_private_page_headers(head)


@pytest.mark.parametrize("url", ["/admin/static/admin.css", "/favicon.ico"])
def test_static_files_may_be_cached_but_not_sniffed(client, url):
    response = client.get(url)

    assert response.status_code == 200
    assert response.headers.get("Cache-Control") != "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_htmx_runs_without_eval_and_without_its_injected_style(client):
    page = client.get("/admin/login").get_data(as_text=True)
    config = re.search(r'<meta name="htmx-config" content=\'([^\']*)\'', page).group(1)

    assert '"includeIndicatorStyles":false' in config
    assert '"allowEval":false' in config
    assert '"allowScriptTags":false' in config


@pytest.mark.parametrize(
    "pattern",
    [
        r"<script(?![^>]*\bsrc=)[^>]*>",  # an inline script
        r"<style\b",  # a style element
        r"\sstyle\s*=",  # a style attribute
        r"\son[a-z]+\s*=",  # an event handler attribute
        r"\shx-on",  # htmx handlers are evaluated code
        r"[\"'](?:js|javascript):",  # evaluated htmx values and javascript: links
    ],
)
def test_templates_hold_no_inline_code_or_style(pattern):
    """The CSP would block them: everything lives in static files."""
    found = [
        f"{path.name}: {match.group(0)}"
        for folder in TEMPLATE_DIRS
        for path in folder.rglob("*.html")
        for match in re.finditer(pattern, path.read_text(encoding="utf-8"))
    ]
    assert found == []


# --- https ------------------------------------------------------------------------------------


def _app(tmp_path, **config):
    return create_app(
        {"DATABASE_URL": f"sqlite:///{tmp_path}/h.sqlite3", "TESTING": True, **config}
    )


def _session_cookie(response) -> str:
    return next(v for v in response.headers.getlist("Set-Cookie") if v.startswith("session="))


def test_on_plain_http_the_cookie_is_not_secure_and_there_is_no_hsts(tmp_path, fake_wechat):
    response = _app(tmp_path).test_client().get("/admin/login")

    assert "Secure" not in _session_cookie(response)
    assert "Strict-Transport-Security" not in response.headers


def test_with_https_urls_the_cookie_is_secure_and_hsts_is_sent(tmp_path, fake_wechat):
    client = _app(
        tmp_path, PREFERRED_URL_SCHEME="https", PUBLIC_URL="https://linli.example"
    ).test_client()
    response = client.get("/admin/login", base_url="https://linli.example")

    assert "; Secure" in _session_cookie(response)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_behind_the_proxy_the_cookie_is_secure_and_hsts_is_sent(tmp_path, fake_wechat):
    client = _app(tmp_path, PROXY_COUNT=1).test_client()
    response = client.get("/admin/login", headers={"X-Forwarded-Proto": "https"})

    assert "; Secure" in _session_cookie(response)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_a_secure_cookie_can_be_switched_off_explicitly(tmp_path, fake_wechat):
    app = _app(tmp_path, PROXY_COUNT=1, SESSION_COOKIE_SECURE=False, HSTS_MAX_AGE=0)
    response = app.test_client().get("/admin/login", headers={"X-Forwarded-Proto": "https"})

    assert "Secure" not in _session_cookie(response)
    assert "Strict-Transport-Security" not in response.headers
