"""Demo board (filled below)."""


def seed(demo) -> None:
    """Add demo posts."""
