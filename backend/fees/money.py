"""The money rule, in one place: amounts are integer fen, computed exactly from decimals."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, localcontext

from backend.core.money import yuan as format_yuan

#: one fen (分) in yuan
FEN = Decimal("0.01")


def charge_fen(quantity: Decimal, price_yuan: Decimal) -> int:
    """``quantity × price`` in yuan (an area × a price per m² for one month, 1 × a fixed fee,
    a meter's consumption × a unit price), rounded half-up to the fen once, as integer fen.

    Every bill amount goes through this function. Decimals only: a float here would make
    ``2.35 × 89.47`` a binary approximation, so floats are refused.
    """
    if not isinstance(quantity, Decimal) or not isinstance(price_yuan, Decimal):
        raise TypeError("charge_fen takes Decimal quantity and price, never float")
    if quantity < 0 or price_yuan < 0:
        raise ValueError("quantity and price cannot be negative")
    with localcontext() as ctx:
        # enough digits that the product is exact before the one rounding
        ctx.prec = 60
        fen = quantity * price_yuan * 100
        return int(fen.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def yuan(fen: int) -> str:
    """Integer fen as people read it: ``123450`` → ``"¥1,234.50"`` (the one formatter,
    :func:`backend.core.money.yuan`)."""
    return format_yuan(int(fen))


#: the largest amount typed anywhere (1 亿元): more is a typing error, never a fee
MAX_YUAN_FEN = 100_000_000 * 100
_YUAN = re.compile(r"(?:0|[1-9][0-9]{0,8}|[1-9][0-9]{0,2}(?:,[0-9]{3}){1,2})(?:\.[0-9]{1,2})?")


def parse_yuan(text: str, *, signed: bool = False) -> int:
    """``"1234.5"`` (yuan: a plain decimal, at most two places, ``¥`` and thousands commas
    allowed) → ``123450`` fen; ``ValueError`` for anything else: exponents (``1E+5``),
    signs, ``NaN``, three places, more than :data:`MAX_YUAN_FEN`. A leading minus only
    where a balance may be negative (``signed``): ``"-12.5"`` → ``-1250``."""
    written = str(text).strip()
    negative = signed and written.startswith("-")
    written = written.removeprefix("-") if negative else written
    written = written.strip().removeprefix("¥").removeprefix("￥").strip()
    if not _YUAN.fullmatch(written):
        raise ValueError("not an amount")
    fen = int(Decimal(written.replace(",", "")) * 100)
    if fen > MAX_YUAN_FEN:
        raise ValueError("amount too large")
    return -fen if negative else fen
