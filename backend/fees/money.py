"""The money rule, in one place: amounts are integer fen, computed exactly from decimals."""

from __future__ import annotations

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


def parse_yuan(text: str) -> int:
    """``"1234.5"`` (yuan, at most two decimals) → ``123450`` fen; ``ValueError`` otherwise."""
    from decimal import InvalidOperation

    try:
        value = Decimal(str(text).strip().replace(",", "").removeprefix("¥"))
    except InvalidOperation:
        raise ValueError("not an amount") from None
    if not value.is_finite() or value < 0 or value != value.quantize(FEN):
        raise ValueError("not an amount")
    return int(value * 100)
