"""The ballot hash chain: any change to a published list breaks it."""

from __future__ import annotations

import copy
import hashlib
from decimal import Decimal

import pytest

from backend.votes.chain import GENESIS, ballot_hash, chain_head, chain_valid, link


def published() -> list[dict]:
    return link(
        [
            {"receipt": "R1", "choice": "agree", "area": Decimal("150.00"), "heads": 1},
            {"receipt": "R2", "choice": "oppose", "area": Decimal("88.10"), "heads": 1},
            {"receipt": "R3", "choice": "abstain", "area": Decimal("120.5"), "heads": 1},
        ]
    )


def test_the_first_hash_is_sha256_of_the_documented_serialisation():
    expected = hashlib.sha256(('["' + "0" * 64 + '","R1","agree","150.00",1]').encode()).hexdigest()
    assert GENESIS == "0" * 64
    assert published()[0]["hash"] == expected


def test_each_ballot_links_to_the_previous_hash():
    ballots = published()
    assert ballots[0]["prev"] == GENESIS
    assert [b["prev"] for b in ballots[1:]] == [b["hash"] for b in ballots[:-1]]
    assert chain_head(ballots) == ballots[-1]["hash"]
    assert chain_valid(ballots, chain_head(ballots)) is True


def test_the_area_is_hashed_with_two_decimals_however_it_was_typed():
    assert ballot_hash(GENESIS, "R", "agree", Decimal("120.5"), 1) == ballot_hash(
        GENESIS, "R", "agree", Decimal("120.50"), 1
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [("choice", "agree"), ("area", Decimal("88.11")), ("heads", 2), ("receipt", "R9")],
)
def test_changing_one_ballot_in_a_published_list_breaks_the_chain(field, value):
    ballots = published()
    head = chain_head(ballots)
    tampered = copy.deepcopy(ballots)
    tampered[1][field] = value
    assert chain_valid(tampered, head) is False


def test_rehashing_a_changed_ballot_still_breaks_the_chain_at_the_next_link():
    ballots = published()
    head = chain_head(ballots)
    ballots[1]["choice"] = "agree"
    ballots[1]["hash"] = ballot_hash(ballots[1]["prev"], "R2", "agree", Decimal("88.10"), 1)
    assert chain_valid(ballots, head) is False


def test_dropping_or_reordering_ballots_breaks_the_chain():
    ballots = published()
    head = chain_head(ballots)
    assert chain_valid(ballots[:-1], head) is False
    assert chain_valid([ballots[0], ballots[2], ballots[1]], head) is False


def test_a_wrong_or_missing_head_breaks_the_chain():
    ballots = published()
    assert chain_valid(ballots, "f" * 64) is False
    assert chain_valid(ballots, None) is False


def test_a_list_typed_by_hand_has_no_chain_to_check():
    ballots = [{"receipt": "R1", "choice": "agree", "area": Decimal("1.00"), "heads": 1}]
    assert chain_valid(ballots, None) is None
    assert chain_valid(ballots, "f" * 64) is None


def test_a_list_with_some_links_missing_is_broken():
    ballots = published()
    del ballots[2]["prev"], ballots[2]["hash"]
    assert chain_valid(ballots, chain_head(ballots[:2])) is False


def test_an_empty_vote_has_the_genesis_head():
    assert chain_head([]) == GENESIS
    assert chain_valid([], GENESIS) is True
    assert chain_valid([], "f" * 64) is False
    assert chain_valid([], None) is None
