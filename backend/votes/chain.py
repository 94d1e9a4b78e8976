"""The hash chain of a vote's ballots: anyone holding the published list can check it.

Canonical serialisation (the contract with every recount; never change it for a published
vote): a ballot's hash is the lowercase hex SHA-256 of the UTF-8 bytes of the JSON array

    [prev, receipt, choice, area, heads]

written with ``json.dumps(..., ensure_ascii=False, separators=(",", ":"))``, where ``prev``
is the previous ballot's hash (``GENESIS``, 64 zeros, for the first ballot), ``receipt``
and ``choice`` are strings, ``area`` is the decimal string with exactly two decimals
(``"150.00"``, however it was typed) and ``heads`` is an integer. For example the first
ballot ``R1``/agree/150.00 m²/1 head hashes the bytes
``["0000…0000","R1","agree","150.00",1]``. The chain head is the last ballot's hash
(``GENESIS`` for a vote without ballots).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from backend.votes.tally import area_text

#: the ``prev`` of the first ballot of every vote
GENESIS = "0" * 64


def ballot_hash(prev: str, receipt: str, choice: str, area: Decimal, heads: int) -> str:
    """The hash of one ballot chained to ``prev`` (serialisation in the module docstring)."""
    canonical = json.dumps(
        [prev, receipt, choice, area_text(area), heads],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def link(ballots: Iterable[Mapping]) -> list[dict]:
    """Chain ballots in the given order: each gets ``prev`` and ``hash`` (a copy is returned).

    Each ballot is a mapping with ``receipt``, ``choice``, ``area`` (``Decimal``) and ``heads``.
    """
    prev, linked = GENESIS, []
    for ballot in ballots:
        digest = ballot_hash(
            prev, ballot["receipt"], ballot["choice"], ballot["area"], ballot["heads"]
        )
        linked.append({**ballot, "prev": prev, "hash": digest})
        prev = digest
    return linked


def chain_head(linked: Sequence[Mapping]) -> str:
    """The hash published with the result: the last ballot's, or ``GENESIS`` when none."""
    return linked[-1]["hash"] if linked else GENESIS


def chain_valid(ballots: Sequence[Mapping], head: str | None) -> bool | None:
    """Whether a published list is the unbroken chain that ends in ``head``.

    None when the list carries no chain at all (typed by hand: no ballot has ``prev`` or
    ``hash``; for an empty list, no head). False when any ballot lacks its links, a link or hash
    does not match the ballot's content, or the head is missing or is not the last hash.
    """
    has_links = [("prev" in b or "hash" in b) for b in ballots]
    if not ballots:
        return None if head is None else head == GENESIS
    if not any(has_links):
        return None
    if not all(has_links) or head is None:
        return False
    prev = GENESIS
    for ballot in ballots:
        if ballot.get("prev") != prev:
            return False
        expected = ballot_hash(
            prev, ballot["receipt"], ballot["choice"], ballot["area"], ballot["heads"]
        )
        if ballot.get("hash") != expected:
            return False
        prev = expected
    return head == prev
