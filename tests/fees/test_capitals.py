"""Amounts in Chinese capitals on receipts (人民币大写), edge by edge."""

from __future__ import annotations

import pytest

from backend.fees.capitals import amount_in_capitals


@pytest.mark.parametrize(
    ("fen", "words"),
    [
        (0, "零元整"),
        (1, "壹分"),
        (50, "伍角整"),
        (100, "壹元整"),
        (105, "壹元零伍分"),
        (150, "壹元伍角整"),
        (1000, "壹拾元整"),
        (1005, "壹拾元零伍分"),
        (123456, "壹仟贰佰叁拾肆元伍角陆分"),
        (100500, "壹仟零伍元整"),
        (101000, "壹仟零壹拾元整"),
        (1000030, "壹万元叁角整"),
        (10001000, "壹拾万零壹拾元整"),
        (100000000, "壹佰万元整"),
        (1000000100, "壹仟万零壹元整"),
        (10000000000, "壹亿元整"),
        (10000000100, "壹亿零壹元整"),
        (10001000000, "壹亿零壹万元整"),
        (10100000000, "壹亿零壹佰万元整"),
        (35_525, "叁佰伍拾伍元贰角伍分"),
        (1_544_950, "壹万伍仟肆佰肆拾玖元伍角整"),
    ],
)
def test_amounts_are_written_as_a_receipt_writes_them(fen, words):
    assert amount_in_capitals(fen) == words


@pytest.mark.parametrize("bad", [-1, 10**18, 1.5, True, "100"])
def test_what_is_not_integer_fen_in_range_is_refused(bad):
    with pytest.raises((TypeError, ValueError)):
        amount_in_capitals(bad)
