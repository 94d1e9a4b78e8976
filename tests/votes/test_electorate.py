"""Who is one voter (法释〔2020〕17号 Art. 9): heads and summed areas."""

from __future__ import annotations

from decimal import Decimal

from backend.votes.electorate import Holding, Voter, count_voters, electorate_totals


def unit(name, area, *owners, developer=False):
    return Holding(name, Decimal(area), frozenset(owners), developer)


def test_one_unit_is_one_voter():
    voters = count_voters([unit("1-101", "88.10", "A"), unit("1-102", "90.00", "B")])
    assert voters == [Voter(("1-101",), Decimal("88.10")), Voter(("1-102",), Decimal("90.00"))]


def test_all_of_the_developers_units_are_one_voter_with_their_area_summed():
    voters = count_voters(
        [
            unit("1-101", "88.10", "A"),
            unit("1-201", "100.00", developer=True),
            unit("2-301", "120.55", developer=True),
            unit("3-101", "60.45", developer=True),
        ]
    )
    assert len(voters) == 2
    assert voters[1] == Voter(("1-201", "2-301", "3-101"), Decimal("281.00"), developer=True)
    assert electorate_totals(voters) == (Decimal("369.10"), 2)


def test_an_owner_of_two_units_is_one_voter_with_their_area_summed():
    voters = count_voters(
        [unit("1-101", "88.10", "A"), unit("1-102", "90.00", "B"), unit("2-101", "45.35", "A")]
    )
    assert voters == [
        Voter(("1-101", "2-101"), Decimal("133.45")),
        Voter(("1-102",), Decimal("90.00")),
    ]


def test_co_owners_of_a_unit_are_one_voter():
    voters = count_voters([unit("1-101", "88.10", "A", "B")])
    assert voters == [Voter(("1-101",), Decimal("88.10"))]


def test_a_co_owner_who_also_owns_another_unit_joins_both_units_into_one_voter():
    # A and B share 1-101; B alone owns 1-102; C and A share 2-101: one head, not three
    voters = count_voters(
        [
            unit("1-101", "80.00", "A", "B"),
            unit("1-102", "70.00", "B"),
            unit("2-101", "50.00", "C", "A"),
            unit("2-102", "60.00", "D"),
        ]
    )
    assert [v.units for v in voters] == [("1-101", "1-102", "2-101"), ("2-102",)]
    assert electorate_totals(voters) == (Decimal("260.00"), 2)


def test_a_unit_without_owners_of_record_is_one_voter_on_its_own():
    voters = count_voters([unit("1-101", "80.00"), unit("1-102", "70.00")])
    assert electorate_totals(voters) == (Decimal("150.00"), 2)


def test_an_empty_estate_has_no_voters():
    assert count_voters([]) == []
    assert electorate_totals([]) == (Decimal(0), 0)
