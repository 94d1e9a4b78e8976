"""Small helpers shared by tests."""

from __future__ import annotations

from backend.authz.tokens import issue_token


def bearer(resident) -> dict:
    """Headers that sign a request in as ``resident``."""
    token, _ = issue_token(resident)
    return {"Authorization": f"Bearer {token}"}
