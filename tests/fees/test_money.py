"""The money rule: exact decimals, half-up to the fen once, at the end."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backend.fees.money import charge_fen, parse_yuan, yuan


def test_a_month_of_an_area_fee_is_rounded_once_to_the_fen():
    # what generate_bills charges a unit: 89.47 m² × 2.35 元/m² = 210.2545 yuan → 21,025 fen
    assert charge_fen(Decimal("89.47"), Decimal("2.35")) == 21025


def test_a_fixed_fee_and_a_meter_reading_are_charged_by_the_same_rule():
    # a fixed fee is one of it (生活垃圾清运费 10 元/户/月)
    assert charge_fen(Decimal(1), Decimal("10")) == 1000
    # a reading's consumption × the unit price: 12.3 m³ × 3.45 元 = 42.435 yuan → 4,244 fen
    assert charge_fen(Decimal("12.3"), Decimal("3.45")) == 4244


@pytest.mark.parametrize(
    ("quantity", "price", "expected"),
    [
        ("1.00", "0.0050", 1),  # exactly half a fen rounds up
        ("1.00", "0.0049", 0),  # just below half rounds down
        ("1.00", "0.0250", 3),  # half-up, not banker's rounding (which would give 2)
        ("1.00", "0.0150", 2),
        ("3.00", "0.0015", 0),  # 0.45 fen
        ("100.00", "0.00005", 1),  # 0.5 fen reached through the product
    ],
)
def test_half_up_at_the_half_fen_boundary(quantity, price, expected):
    assert charge_fen(Decimal(quantity), Decimal(price)) == expected


def test_a_price_with_four_decimals_is_exact():
    # 123.45 × 0.5383 = 66.453135 yuan → 6,645 fen
    assert charge_fen(Decimal("123.45"), Decimal("0.5383")) == 6645
    # 4,999.99 m² × 9.9999 = 49,999.400001 yuan → 4,999,940 fen
    assert charge_fen(Decimal("4999.99"), Decimal("9.9999")) == 4999940


def test_floats_never_enter_the_money_path():
    with pytest.raises(TypeError):
        charge_fen(89.47, Decimal("2.35"))
    with pytest.raises(TypeError):
        charge_fen(Decimal("89.47"), 2.35)


def test_negative_quantities_and_prices_are_refused():
    with pytest.raises(ValueError):
        charge_fen(Decimal("-1"), Decimal("1"))


def test_yuan_formats_fen_for_people():
    assert yuan(123450) == "¥1,234.50"
    assert yuan(5) == "¥0.05"
    assert yuan(0) == "¥0.00"
    # balances on the board may be negative: the one formatter signs them
    assert yuan(-123450) == "-¥1,234.50"


@pytest.mark.parametrize(("text", "fen"), [("1234.5", 123450), ("0.01", 1), ("¥1,000", 100000)])
def test_parse_yuan(text, fen):
    assert parse_yuan(text) == fen


def test_a_minus_only_where_a_balance_may_be_negative():
    assert parse_yuan("-12.5", signed=True) == -1250
    assert parse_yuan("-¥1,000", signed=True) == -100000
    assert parse_yuan("12.5", signed=True) == 1250
    for text in ("-12.5", "--1", "- -1"):
        with pytest.raises(ValueError):
            parse_yuan(text, signed=text != "-12.5")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "-1",
        "0.001",
        "NaN",
        "Infinity",
        # issue 17 finding 9: exponents, signs, padding tricks and absurd sizes
        "1e30",
        "1E+5",
        "1e2",
        "+5",
        "0x10",
        "1_000",
        "１００",
        "100000001",
        "99999999999999999999",
        "1,00",
        "5.",
        ".5",
    ],
)
def test_parse_yuan_refuses_non_amounts(text):
    with pytest.raises(ValueError):
        parse_yuan(text)
