"""Who counts as one voter, and with how much area (法释〔2020〕17号 Art. 9).

One unit is one person, except that all of the developer's unsold or undelivered units
together are one person, and one owner of several units is one person; a voter's area is
the sum of the areas of their units. Owners are linked through the units they hold together:
if A and B co-own one unit and A alone owns another, both units are one voter (otherwise A
would be counted in two heads), so voters are the connected groups of units sharing an owner.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Holding:
    """One unit as the electorate sees it: its area and who holds it.

    ``owners`` are the ids of its owners of record; ``developer_held`` marks a unit the
    developer has not sold or not delivered (its owners, if any, are then ignored).
    """

    unit: Hashable
    area: Decimal
    owners: frozenset[Hashable] = frozenset()
    developer_held: bool = False


@dataclass(frozen=True)
class Voter:
    """One head of the electorate: the units counted together and their summed area."""

    units: tuple[Hashable, ...]
    area: Decimal
    developer: bool = False
    heads: int = 1


def count_voters(holdings: Iterable[Holding]) -> list[Voter]:
    """The voters of an electorate, each one head, in the order their first unit was given.

    A unit with no owner of record that is not the developer's is one voter on its own.
    """
    holdings = list(holdings)
    parent = list(range(len(holdings)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int) -> None:
        a, b = root(i), root(j)
        if a != b:
            parent[max(a, b)] = min(a, b)

    first_of_owner: dict[Hashable, int] = {}
    first_developer: int | None = None
    for i, holding in enumerate(holdings):
        if holding.developer_held:
            if first_developer is None:
                first_developer = i
            join(first_developer, i)
            continue
        for owner in holding.owners:
            join(first_of_owner.setdefault(owner, i), i)

    groups: dict[int, list[Holding]] = {}
    for i, holding in enumerate(holdings):
        groups.setdefault(root(i), []).append(holding)
    return [
        Voter(
            units=tuple(h.unit for h in group),
            area=sum((h.area for h in group), Decimal(0)),
            developer=group[0].developer_held,
        )
        for _, group in sorted(groups.items())
    ]


def electorate_totals(voters: Iterable[Voter]) -> tuple[Decimal, int]:
    """The total area and total heads of an electorate (the denominators of participation)."""
    voters = list(voters)
    return sum((v.area for v in voters), Decimal(0)), sum(v.heads for v in voters)
