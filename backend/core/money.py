"""Money as people read it. Amounts are integer fen everywhere; this is the one formatter,
so a receipt, the panel, the board and a WeChat message never disagree. It sits in the core
because features of every kind show money (fees, boards, notify) and none should import
another for it."""

from __future__ import annotations


def yuan(fen: int) -> str:
    """Integer fen as people read it: ``123450`` → ``"¥1,234.50"``, ``-5`` → ``"-¥0.05"``."""
    if not isinstance(fen, int) or isinstance(fen, bool):
        raise TypeError(f"yuan takes an integer of fen: {fen!r}")
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}¥{whole:,}.{cents:02d}"
