"""Demo votes (filled in below)."""

from __future__ import annotations


def seed(demo) -> None:
    """Add the demo motions."""
