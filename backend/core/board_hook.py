"""How a feature tells the disclosure board that a generated section's source changed.

Features with generated board sections (fees, votes, supervision) declare them in
``Feature.board_sources`` and call :func:`source_changed` in the transaction that changes
their data. The refresh runs as a job after commit, so the board shows only saved data; it
does nothing while no registered feature handles boards (``Feature.name == "board"``).
"""

from __future__ import annotations

from backend.core.db import defer, transaction_token
from backend.jobs import job

#: import path of the board's refresh function ``(estate_id, section) -> None``
BOARD_REFRESH = "backend.board.generated:refresh"


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
    from backend.features import FEATURES

    if any(feature.name == "board" for feature in FEATURES):
        load(BOARD_REFRESH)(estate_id, section)
