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
from backend.core.errors import NotFound, Unauthorized
from backend.extensions import db
from backend.org.models import Estate

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


# --- what a resident may read: the estates they live in --------------------------------------


def estate_ids(resident: Resident) -> sa.Select:
    """The estates where ``resident`` currently lives (owner, family or tenant): the scope
    of their estate views (boards, votes)."""
    return (
        sa.select(Residency.estate_id)
        .where(Residency.resident_id == resident.id, Residency.is_current)
        .distinct()
    )


def estate_of(resident: Resident, estate_id: int) -> Estate:
    """Estate ``estate_id`` if ``resident`` lives there, else :class:`NotFound` (never
    "forbidden": nobody learns which estates exist)."""
    estate = db.session.scalars(
        sa.select(Estate).where(Estate.id == estate_id, Estate.id.in_(estate_ids(resident)))
    ).first()
    if estate is None:
        raise NotFound("未找到该小区，或您尚未绑定该小区的房屋")
    return estate
