"""Short-lived signed URLs: the one way private files are handed to a browser or phone.

A signed URL carries ``expires`` (Unix seconds) and ``sig`` (an HMAC of the path and the
expiry made with the app's secret key). Whoever holds the URL may fetch that one path
until it expires; changing the path, the expiry or the signature makes it worthless.
Every feature that serves private files (photos, ballot scans, attachments) uses this.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import current_app, request, url_for
from itsdangerous import BadSignature, Signer

from backend.core.errors import Forbidden, Gone
from backend.core.origin import public_url_for
from backend.core.time import utcnow

_SALT = "linli.signed-url"


def _signer() -> Signer:
    return Signer(
        current_app.config["SECRET_KEY"],
        salt=_SALT,
        key_derivation="hmac",
        digest_method=hashlib.sha256,
    )


def _message(path: str, expires: int) -> bytes:
    return f"{path}|{expires}".encode()


def signed_url(endpoint: str, ttl: timedelta | None = None, **values) -> str:
    """The absolute URL of ``endpoint`` (``url_for`` values), valid for ``ttl``.

    ``ttl`` defaults to ``SIGNED_URL_TTL``.
    """
    ttl = ttl or current_app.config["SIGNED_URL_TTL"]
    path = url_for(endpoint, **values)
    expires = int((utcnow() + ttl).timestamp())
    sig = _signer().get_signature(_message(path, expires)).decode()
    return public_url_for(endpoint, **values, expires=expires, sig=sig)


def check_signed_request() -> None:
    """Refuse the current request unless its URL was signed by :func:`signed_url` and has
    not expired: a bad or missing signature is 403, an expired one 410."""
    raw_expires = request.args.get("expires", "")
    sig = request.args.get("sig", "")
    if not raw_expires.isdigit() or not sig:
        raise Forbidden("链接无效")
    expires = int(raw_expires)
    try:
        valid = _signer().verify_signature(_message(request.path, expires), sig.encode())
    except BadSignature:
        valid = False
    if not valid:
        raise Forbidden("链接无效")
    if utcnow().timestamp() > expires:
        raise Gone("链接已过期，请刷新页面")
