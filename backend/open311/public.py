"""Open311 GeoReport v2 at ``/open311/v2/``: the six methods, each as ``.json`` and
``.xml``, with the spec's field names, W3C datetimes and its error format (an array of
``{code, description}`` with ``code`` the HTTP status; ``<errors><error>`` in XML).

``POST requests`` needs an ``api_key`` (403 otherwise); reading is public but lists only
common-area reports with nothing personal, except that a partner reading with its key
also sees its own requests of every kind. Every call made with a key is logged against
its partner (refused calls go to the application log only: bad input writes
nothing), and calls are rate-limited per key (``RATELIMIT_OPEN311``).
"""

from __future__ import annotations

import hashlib
import logging
from xml.etree import ElementTree

from flask import Blueprint, Response, current_app, json, request
from flask_limiter.util import get_remote_address

from backend.core.db import rollback
from backend.extensions import limiter
from backend.open311 import services
from backend.open311.services import Open311Error

log = logging.getLogger(__name__)
blueprint = Blueprint("open311", __name__, url_prefix="/open311/v2")
FORMATS = ("json", "xml")


def _rate_key() -> str:
    key = request.values.get("api_key") or ""
    if key:
        return "open311:" + hashlib.sha256(key.encode()).hexdigest()[:32]
    return "open311-anon:" + get_remote_address()


def _xml_value(parent, name: str, value) -> None:
    node = ElementTree.SubElement(parent, name)
    if isinstance(value, list):
        child_name = {"attributes": "attribute", "values": "value"}[name]
        for item in value:
            element = ElementTree.SubElement(node, child_name)
            for key, inner in item.items():
                _xml_value(element, key, inner)
    elif isinstance(value, bool):
        node.text = "true" if value else "false"
    elif value is not None:
        node.text = str(value)


def _xml(root: str, item: str | None, body) -> bytes:
    top = ElementTree.Element(root)
    for row in body if item else [body]:
        element = ElementTree.SubElement(top, item) if item else top
        for key, value in row.items():
            _xml_value(element, key, value)
    return ElementTree.tostring(top, encoding="utf-8", xml_declaration=True)


def _answer(fmt: str, body, root: str, item: str | None, status: int = 200) -> Response:
    if fmt == "xml":
        return Response(
            _xml(root, item, body), status=status, content_type="text/xml; charset=utf-8"
        )
    return Response(
        json.dumps(body, ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def _error(fmt: str, code: int, description: str) -> Response:
    return _answer(
        fmt, [{"code": code, "description": description}], "errors", "error", status=code
    )


def _partner(required: bool):
    key = request.values.get("api_key")
    if not key:
        if required:
            raise Open311Error(403, "缺少 api_key")
        return None
    partner = services.partner_for(key)
    if partner is None:
        raise Open311Error(403, "api_key 无效或已吊销")
    return partner


def _serve(fmt: str, call, root: str, item: str | None, key_required: bool = False):
    """Run ``call(partner)`` and answer in ``fmt``; log calls made with a key."""
    partner = None
    if fmt not in FORMATS:
        return _error("json", 404, "格式只能是 .json 或 .xml")
    try:
        partner = _partner(key_required)
        body, request_id = call(partner)
        response = _answer(fmt, body, root, item)
    except Open311Error as exc:
        rollback()
        response = _error(fmt, exc.code, exc.description)
        request_id = None
    if response.status_code >= 400:
        # refused calls write nothing (the database is untouched by bad input); they are
        # in the application log, with the partner when the key was good
        log.warning(
            "open311 %s %s refused %s (partner %s)",
            request.method,
            request.path,
            response.status_code,
            partner.id if partner else "-",
        )
    elif partner is not None:
        services.log_call(partner, request.method, request.path, response.status_code, request_id)
    return response


@blueprint.errorhandler(429)
def _too_many(_exc):
    fmt = "xml" if request.path.endswith(".xml") else "json"
    return _error(fmt, 429, "请求过于频繁，请稍后再试")


@blueprint.errorhandler(405)
def _not_allowed(_exc):
    fmt = "xml" if request.path.endswith(".xml") else "json"
    return _error(fmt, 405, "不支持该请求方法")


def _configured_limit() -> str:
    # a partner's budget per key; anonymous readers share one per address
    name = "RATELIMIT_OPEN311" if request.values.get("api_key") else "RATELIMIT_OPEN311_PUBLIC"
    return current_app.config[name]


_limit = limiter.limit(_configured_limit, key_func=_rate_key)


@blueprint.get("/services.<fmt>")
@_limit
def services_list(fmt: str):
    """GET services: the report kinds."""
    return _serve(fmt, lambda _p: (services.service_list(), None), "services", "service")


@blueprint.get("/services/<service_code>.<fmt>")
@_limit
def service_definition(service_code: str, fmt: str):
    """GET services/{service_code}: the attributes a partner fills in."""

    def call(_partner):
        street = services.jurisdiction(request.args.get("jurisdiction_id"))
        return services.definition(street, service_code), None

    return _serve(fmt, call, "service_definition", None)


@blueprint.post("/requests.<fmt>")
@_limit
def create_request(fmt: str):
    """POST requests: file a report (api_key required)."""

    def call(partner):
        row = services.file_request(partner, request.form)
        notice = services.BY_CODE[row.service_code].notice
        body = [{"service_request_id": str(row.id), "service_notice": notice, "account_id": ""}]
        return body, row.id

    return _serve(fmt, call, "service_requests", "request", key_required=True)


@blueprint.get("/tokens/<token_id>.<fmt>")
@_limit
def token(token_id: str, fmt: str):
    """GET tokens/{token_id}: the request a token stands for."""

    def call(_partner):
        row = services.by_token(token_id)
        return [{"service_request_id": str(row.id), "token": row.token}], row.id

    return _serve(fmt, call, "service_requests", "request")


@blueprint.get("/requests.<fmt>")
@_limit
def requests_list(fmt: str):
    """GET requests: common-area reports of the jurisdiction (nothing personal)."""
    return _serve(
        fmt,
        lambda partner: (services.public_requests(request.args, partner), None),
        "service_requests",
        "request",
    )


@blueprint.get("/requests/<service_request_id>.<fmt>")
@_limit
def request_detail(service_request_id: str, fmt: str):
    """GET requests/{service_request_id}: one request."""
    return _serve(
        fmt,
        lambda partner: ([services.one_request(service_request_id, partner)], None),
        "service_requests",
        "request",
    )


def register(app) -> None:
    """Mount the endpoint (no session, no CSRF: partners authenticate with their key)."""
    from backend.extensions import csrf

    csrf.exempt(blueprint)
    app.register_blueprint(blueprint)
