"""The public board's cache in Redis, dropped when the board changes.

Each estate has a generation counter; the public board is stored (as the JSON bytes
served, with their ETag) under the current generation. A change to the board marks the
estate in the session (:func:`board_changed`); once the transaction commits the counter
goes up, so every reader from then on builds the board anew, and nobody can store a board
read before the commit under the new generation. Entries also expire (``BOARD_CACHE_TTL``)
because they hold signed links to attachments.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from backend.extensions import db, redis_store

log = logging.getLogger(__name__)

_CHANGED = "linli_board_changed"


def board_changed(estate_id: int) -> None:
    """Drop ``estate_id``'s cached board once the current transaction commits."""
    db.session.info.setdefault(_CHANGED, set()).add(estate_id)


def _generation_key(estate_id: int) -> str:
    return f"board:{estate_id}:gen"


def _entry_key(estate_id: int, generation: bytes | None, name: str) -> str:
    return f"board:{estate_id}:{(generation or b'0').decode()}:{name}"


def bump(estate_ids) -> None:
    """Start a new generation of each estate's cached board (the old one is never read)."""
    client = redis_store.client
    pipe = client.pipeline(transaction=False)
    for estate_id in estate_ids:
        pipe.incr(_generation_key(estate_id))
    try:
        pipe.execute()
    except Exception:
        # the change is committed; the cached board expires within BOARD_CACHE_TTL
        log.exception("could not drop the cached boards of %s", sorted(estate_ids))


@sa.event.listens_for(Session, "after_commit")
def _after_commit(session):
    changed = session.info.pop(_CHANGED, None)
    if changed:
        bump(changed)


@sa.event.listens_for(Session, "after_rollback")
def _after_rollback(session):
    session.info.pop(_CHANGED, None)


def etag_of(body: bytes) -> str:
    return hashlib.sha1(body, usedforsecurity=False).hexdigest()


def stored(client, estate_id: int, name: str = "public") -> tuple[bytes, str] | None:
    """The stored bytes of ``estate_id``'s board and their ETag, if cached (no app context
    needed: ``client`` is the app's Redis client)."""
    generation = client.get(_generation_key(estate_id))
    found = client.get(_entry_key(estate_id, generation, name))
    if found is None:
        return None
    etag, _, body = found.partition(b"\n")
    return body, etag.decode()


def cached(estate_id: int, name: str, build: Callable[[], bytes]) -> tuple[bytes, str]:
    """The stored bytes ``name`` of ``estate_id``'s board and their ETag, built by
    ``build`` (and stored) when the current generation has none."""
    client = redis_store.client
    generation = client.get(_generation_key(estate_id))
    key = _entry_key(estate_id, generation, name)
    stored = client.get(key)
    if stored is not None:
        etag, _, body = stored.partition(b"\n")
        return body, etag.decode()
    body = build()
    etag = etag_of(body)
    ttl = int(current_app.config["BOARD_CACHE_TTL"].total_seconds())
    client.set(key, etag.encode() + b"\n" + body, ex=max(ttl, 1))
    return body, etag
