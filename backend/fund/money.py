"""The fund's money rule, in one place: a cost split by area to the fen.

Pure and exact (``Fraction``), no database: every debit of a use goes through
:func:`split_by_area`, so a unit's share never depends on which screen or job wrote it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction


def split_by_area(total_fen: int, areas: Mapping[str, Decimal]) -> dict[str, int]:
    """Each unit's share of ``total_fen`` in proportion to its area, in integer fen.

    The parts sum exactly to ``total_fen``: every unit first gets the floor of its exact
    share ``total × area ÷ Σ area``; the fen left over go one each to the units with the
    largest remainders; equal remainders are broken by the unit key, ascending as strings
    (largest remainder method, so no part differs from its exact share by a fen or more).

    ``total_fen < 0``, an empty mapping, or an area ≤ 0 raise ``ValueError``; a float
    amount or area raises ``TypeError`` (binary fractions are not areas).
    """
    if isinstance(total_fen, bool) or not isinstance(total_fen, int):
        raise TypeError("total_fen must be an integer number of fen")
    if total_fen < 0:
        raise ValueError("total_fen cannot be negative")
    if not areas:
        raise ValueError("no units to split between")
    exact_areas: dict = {}
    for key, area in areas.items():
        if isinstance(area, bool) or not isinstance(area, (Decimal, int)):
            raise TypeError("areas must be Decimal, never float")
        if isinstance(area, Decimal) and not area.is_finite():
            raise ValueError(f"area of {key} is not a number")
        if area <= 0:
            raise ValueError(f"area of {key} must be positive")
        exact_areas[key] = Fraction(area)
    total_area = sum(exact_areas.values(), Fraction(0))
    shares: dict = {}
    remainders: list[tuple[Fraction, str, str]] = []
    for key, area in exact_areas.items():
        exact = total_fen * area / total_area
        floor = exact.numerator // exact.denominator
        shares[key] = floor
        remainders.append((exact - floor, str(key), key))
    leftover = total_fen - sum(shares.values())
    # largest remainder first; equal remainders by key ascending (as strings)
    remainders.sort(key=lambda item: (-item[0], item[1]))
    for _, _, key in remainders[:leftover]:
        shares[key] += 1
    return shares
