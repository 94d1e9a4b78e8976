"""How a feature tells the disclosure board that a generated section's source changed.

Features with generated board sections (fees, votes, supervision) declare them in
``Feature.board_sources`` and call :func:`source_changed` in the transaction that changes
their data. The refresh runs as a job after commit, so the board shows only saved data; it
does nothing while no registered feature handles boards: the app factory tells this module
at start whether the board is installed (:func:`install`); the core never reads the
feature registry.
"""

from __future__ import annotations

from backend.core.db import defer, transaction_token
from backend.jobs import job

#: import path of the board's refresh function ``(estate_id, section) -> None``
BOARD_REFRESH = "backend.board.generated:refresh"
#: whether the board feature is registered (set by :func:`install` at app start)
_installed = {"board": False}


def install(board: bool) -> None:
    """Called by the app factory: whether the registry holds the board feature."""
    _installed["board"] = board


def source_changed(estate_id: int, section: str) -> None:
    """Refresh ``section`` of ``estate_id``'s board once the current transaction commits."""
    # once per change (however often the transaction reports it), not once ever
    defer(
        refresh_section,
        estate_id,
        section,
        key=f"board-refresh:{estate_id}:{section}:{transaction_token()}",
    )


@job
def refresh_section(estate_id: int, section: str) -> None:
    from backend.core.feature import load

    if _installed["board"]:
        load(BOARD_REFRESH)(estate_id, section)
