"""Who is calling the resident API: the bearer token on the request.

The bearer security scheme is defined here once: ``register_api`` adds :data:`BEARER_SCHEME`
to the OpenAPI document, and every view that needs a resident declares
``@blp.doc(security=BEARER)`` and ``@resident_required``.
"""

from __future__ import annotations

import functools
import hashlib

from flask import g, request

from backend.accounts.models import Resident
from backend.authz.tokens import resident_for_token
from backend.core.errors import Unauthorized

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
    """Rate-limit key of a resident's request: their token, else their address.

    Many phones share one carrier address, so limits on signed-in actions follow the
    resident (a hash of the token), not the address.
    """
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer ") and header[7:].strip():
        return "resident:" + hashlib.sha256(header[7:].strip().encode()).hexdigest()[:32]
    return "address:" + (request.remote_addr or "")
