"""How a feature hears of every ticket event, in the transaction that records it.

Tickets announce; they know no subscriber. A feature that follows tickets (supervision's
rollups) declares a function ``(ticket) -> None`` in ``Feature.ticket_hooks``; the app
factory installs the registry's hooks here at start (:func:`install`), and the tickets
service calls :func:`event_recorded` each time it records an event, before the transaction
commits, so the subscriber's rows commit or roll back with the event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from backend.core.feature import load

_subscribers: tuple[Callable, ...] = ()


def install(paths: Iterable[str]) -> None:
    """Subscribe the functions named by import path (``"backend.x.y:func"``); the app factory
    calls it with every registered feature's ``ticket_hooks``."""
    global _subscribers
    _subscribers = tuple(load(path) for path in paths)


def event_recorded(ticket) -> None:
    """Tell every subscriber that ``ticket`` has a new event (same transaction)."""
    for subscriber in _subscribers:
        subscriber(ticket)
