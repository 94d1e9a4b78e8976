"""Bearer tokens of residents: signed, expiring, revocable by bumping ``token_version``."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

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


def resident_for_token(token: str) -> Resident:
    """The resident a token was issued to; :class:`Unauthorized` if it is bad or expired."""
    ttl = current_app.config["RESIDENT_TOKEN_TTL"].total_seconds()
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
