"""Bearer tokens of residents: signed, expiring, revocable by bumping ``token_version``."""

from __future__ import annotations

import re
from datetime import datetime

from flask import current_app
from itsdangerous import BadData, BadSignature, SignatureExpired, URLSafeTimedSerializer
from itsdangerous.encoding import base64_decode, base64_encode

from backend.accounts.models import Resident
from backend.core.errors import Unauthorized
from backend.core.time import utcnow
from backend.extensions import db


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="linli.resident-token")


def issue_token(resident: Resident) -> tuple[str, datetime]:
    """A bearer token for ``resident`` and the moment it expires."""
    token = _serializer().dumps([resident.id, resident.token_version])
    return token, utcnow() + current_app.config["RESIDENT_TOKEN_TTL"]


#: a token as ``issue_token`` writes it: payload, timestamp and signature in URL-safe base64
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


def _canonical(token: str) -> bool:
    """Whether ``token`` is written exactly as we issue it.

    base64 decoding forgives junk and spare bits (``<token>!!!!`` decodes like the token),
    so one signed token would have many spellings: accept only the one we wrote.
    """
    if not TOKEN_RE.fullmatch(token):
        return False
    try:
        return all(base64_encode(base64_decode(part)).decode() == part for part in token.split("."))
    except BadData:
        return False


def resident_for_token(token: str) -> Resident:
    """The resident a token was issued to; :class:`Unauthorized` if it is bad or expired."""
    ttl = current_app.config["RESIDENT_TOKEN_TTL"].total_seconds()
    if not _canonical(token):
        raise Unauthorized("登录凭证无效，请重新登录")
    try:
        resident_id, version = _serializer().loads(token, max_age=ttl)
    except SignatureExpired as exc:
        raise Unauthorized("登录已过期，请重新登录") from exc
    except (BadSignature, ValueError, TypeError) as exc:
        raise Unauthorized("登录凭证无效，请重新登录") from exc
    resident = db.session.get(Resident, resident_id)
    if resident is None or resident.token_version != version:
        raise Unauthorized("登录凭证已失效，请重新登录")
    return resident
