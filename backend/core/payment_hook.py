"""How a feature hears that residents paid bills online, in the transaction that credits them.

Fees announce; they know no subscriber. A feature that follows payments (elder mode's
请家人帮忙: the asker is told her family member paid) declares a function
``(bill_ids, payer_id) -> None`` in ``Feature.payment_hooks``; the app factory installs
them here at start, and fees call :func:`bills_paid` once per credited order, before the
transaction commits, so whatever the subscriber writes commits or rolls back with it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from backend.core.feature import load

_paid: tuple[Callable, ...] = ()


def install(paths: Iterable[str]) -> None:
    """Subscribe the functions named by import path, from every feature's ``payment_hooks``."""
    global _paid
    _paid = tuple(load(path) for path in paths)


def bills_paid(bill_ids: list[int], payer_id: int | None) -> None:
    """Tell every subscriber that resident ``payer_id`` paid ``bill_ids`` (same transaction)."""
    for subscriber in _paid:
        subscriber(list(bill_ids), payer_id)
