"""Amounts in Chinese capitals (人民币大写), as a receipt writes them: a pure function.

The rules of 《支付结算办法》 (附一 正确填写票据和结算凭证的基本规定): digits 零壹贰叁肆伍陆柒捌玖,
units 拾佰仟万亿 and 元角分; an amount to the yuan ends in 整; one 零 stands for a run of
zeros inside the number (壹仟零伍元) and before the fen when the jiao is zero (壹元零伍分);
a zero group of four digits (万) is not written (壹亿零壹元).
"""

from __future__ import annotations

DIGITS = "零壹贰叁肆伍陆柒捌玖"
#: the units inside a group of four digits, from the ones
PLACES = ("", "拾", "佰", "仟")
#: the units of the groups of four digits, from the ones
GROUPS = ("", "万", "亿", "万亿")
#: the largest amount written (fen): 9,999 万亿 yuan
LIMIT = 10**16 * 100


def _group(value: int) -> str:
    """A group of up to four digits (1–9999): 1010 → 壹仟零壹拾."""
    out, zero = "", False
    for place in range(3, -1, -1):
        digit = value // 10**place % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += DIGITS[digit] + PLACES[place]
    return out


def _yuan(value: int) -> str:
    """Whole yuan (≥ 1) without the 元: 100010 → 壹拾万零壹拾."""
    groups = []
    while value:
        groups.append(value % 10000)
        value //= 10000
    out, zero = "", False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            zero = bool(out)
            continue
        if out and (zero or group < 1000):
            out += "零"
        out += _group(group) + GROUPS[index]
        zero = False
    return out


def amount_in_capitals(fen: int) -> str:
    """Integer fen in Chinese capitals: ``123456`` → ``"壹仟贰佰叁拾肆元伍角陆分"``,
    ``10000`` → ``"壹佰元整"``, ``105`` → ``"壹元零伍分"``, ``0`` → ``"零元整"``."""
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError("amount_in_capitals takes integer fen")
    if not 0 <= fen < LIMIT:
        raise ValueError("amount out of range")
    yuan, jiao, cents = fen // 100, fen // 10 % 10, fen % 10
    if fen == 0:
        return "零元整"
    out = _yuan(yuan) + "元" if yuan else ""
    if jiao == 0 and cents == 0:
        return out + "整"
    if jiao:
        out += DIGITS[jiao] + "角"
    elif yuan:
        out += "零"
    if cents:
        return out + DIGITS[cents] + "分"
    return out + "整"
