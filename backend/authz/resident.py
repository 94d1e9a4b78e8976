"""Who is calling the resident API: the bearer token on the request.

The bearer security scheme is defined here once: ``register_api`` adds :data:`BEARER_SCHEME`
to the OpenAPI document, and every view that needs a resident declares
``@blp.doc(security=BEARER)`` and, right below it, ``@resident_required``: above the
rate limits and ``@blp.arguments``, so that a request without a valid token gets 401
before its body is read, and per-resident limits count the signed-in resident.
"""

from __future__ import annotations

import functools

import sqlalchemy as sa
from flask import g, request

from backend.accounts.models import Residency, Resident
from backend.authz.tokens import resident_for_token
from backend.core.errors import Forbidden, Unauthorized
from backend.extensions import db

#: the OpenAPI security scheme of residents' tokens, and a view's requirement of it
BEARER_SCHEME_NAME = "bearer"
BEARER_SCHEME = {"type": "http", "scheme": "bearer"}
BEARER = [{BEARER_SCHEME_NAME: []}]


def resident_required(view):
    """Require a valid bearer token; the resident is then ``current_resident()``."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("请先登录")
        g.resident = resident_for_token(token.strip())
        return view(*args, **kwargs)

    return wrapper


def current_resident() -> Resident:
    return g.resident


def resident_rate_key() -> str:
    """Rate-limit key of a resident's request: the signed-in resident's id.

    Many phones share one carrier address, so limits on signed-in actions follow the
    resident, not the address; and they follow the resident, not the token's text, so a
    fresh token (or an edited one) never brings a fresh allowance. Use it below
    ``@resident_required``; a request without a resident falls back to its address.
    """
    resident = g.get("resident")
    if resident is not None:
        return f"resident:{resident.id}"
    return "address:" + (request.remote_addr or "")


NO_HOME = "请先绑定房屋后再上传照片"


def require_bound_home(resident: Resident) -> None:
    """Refuse (403) a resident bound to no home: costly work (decoding uploads) is for
    people of an estate, not for any WeChat account."""
    bound = db.session.scalar(
        sa.select(Residency.id)
        .where(Residency.resident_id == resident.id, Residency.is_current)
        .limit(1)
    )
    if bound is None:
        raise Forbidden(NO_HOME)
