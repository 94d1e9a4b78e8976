"""Typed keyword helpers: a value for each WeChat keyword type, always within its rules.

WeChat refuses a whole message (errcode 47003) when one keyword breaks its type's rule, so
message builders never put raw text in a template: they call these, which truncate or
format the value to fit. Each returns the ``{"value": ...}`` WeChat expects.

=================  ===========================================================
``thing``          ≤ 20 characters; longer text ends in "…" at the 20th
``phrase``         ≤ 5 Chinese characters (other characters dropped)
``character_string`` ≤ 32 letters, digits or symbols (no Chinese)
``number``         digits, optionally with a decimal part
``amount``         integer fen as ``¥1,234.50``
``date``/``time``  ``2026年11月30日`` / ``2026年11月30日 18:40`` (Asia/Shanghai)
``phone_number``   ≤ 17 digits and ``+-()`` symbols
``car_number``     ≤ 8 characters, e.g. ``浙A12345``
``name``           ≤ 10 Chinese characters, or ≤ 20 letters
=================  ===========================================================
"""

from __future__ import annotations

import re
from datetime import date as _date
from datetime import datetime
from decimal import Decimal

from backend.core.money import yuan
from backend.core.time import to_local

THING_MAX = 20
PHRASE_MAX = 5
CHARACTER_STRING_MAX = 32
PHONE_NUMBER_MAX = 17
CAR_NUMBER_MAX = 8
NAME_MAX_HAN = 10
NAME_MAX_LETTERS = 20
ELLIPSIS = "…"
#: what an empty ``thing`` shows (WeChat refuses an empty value)
EMPTY = "无"

_HAN = re.compile(r"[\u4e00-\u9fff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def _value(text: str) -> dict:
    return {"value": text}


def _clean(text) -> str:
    """One line of text: control characters and runs of spaces become one space."""
    return re.sub(r"\s+", " ", _CONTROL.sub(" ", str(text or ""))).strip()


def thing(text) -> dict:
    """Free text of at most 20 characters; longer text is cut to 19 and ends in "…"."""
    text = _clean(text) or EMPTY
    if len(text) > THING_MAX:
        text = text[: THING_MAX - 1] + ELLIPSIS
    return _value(text)


def phrase(text) -> dict:
    """A short Chinese phrase (a status): at most 5 Chinese characters, nothing else."""
    han = "".join(_HAN.findall(str(text or "")))[:PHRASE_MAX]
    if not han:
        raise ValueError(f"phrase needs Chinese characters: {text!r}")
    return _value(han)


def character_string(text) -> dict:
    """A code (ticket number, receipt number): letters, digits, symbols; at most 32."""
    ascii_only = "".join(c for c in _clean(text) if " " <= c <= "~")[:CHARACTER_STRING_MAX]
    if not ascii_only:
        raise ValueError(f"character_string needs letters or digits: {text!r}")
    return _value(ascii_only)


def number(value: int | Decimal) -> dict:
    """A number: digits, with a decimal part if it has one."""
    if isinstance(value, float):
        raise TypeError("number takes int or Decimal, never float")
    return _value(format(Decimal(value), "f"))


def amount(fen: int) -> dict:
    """Money from integer fen: ``123450`` → ``¥1,234.50``."""
    if not isinstance(fen, int) or isinstance(fen, bool) or fen < 0:
        raise ValueError(f"amount takes a non-negative integer of fen: {fen!r}")
    return _value(yuan(fen))


def date(value: _date | datetime) -> dict:
    """A day as ``2026年11月30日`` (a datetime is first put in Asia/Shanghai)."""
    if isinstance(value, datetime):
        value = to_local(value).date()
    return _value(f"{value.year}年{value.month}月{value.day}日")


def time(value: datetime) -> dict:
    """A moment as ``2026年11月30日 18:40``, Asia/Shanghai wall-clock time."""
    local = to_local(value)
    return _value(f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}")


def phone_number(text) -> dict:
    """A phone number: digits and ``+-()`` (spaces dropped), at most 17 characters."""
    kept = re.sub(r"[^\d+\-()]", "", str(text or ""))[:PHONE_NUMBER_MAX]
    if not re.search(r"\d", kept):
        raise ValueError(f"phone_number needs digits: {text!r}")
    return _value(kept)


def car_number(text) -> dict:
    """A licence plate: ``浙A·12345`` → ``浙A12345`` (upper case, at most 8)."""
    plate = re.sub(r"[^\u4e00-\u9fffA-Za-z0-9]", "", str(text or "")).upper()
    if not plate or len(plate) > CAR_NUMBER_MAX or _HAN.search(plate[1:-1]):
        raise ValueError(f"not a licence plate: {text!r}")
    return _value(plate)


def name(text) -> dict:
    """A person's name: at most 10 Chinese characters, or at most 20 letters."""
    text = _clean(text)
    if _HAN.search(text):
        han = "".join(c for c in text if _HAN.match(c) or c == "·").strip("·")
        return _value(han[:NAME_MAX_HAN] or EMPTY)
    letters = re.sub(r"[^A-Za-z .'-]", "", text).strip()[:NAME_MAX_LETTERS].strip()
    if not letters:
        raise ValueError(f"name needs Chinese characters or letters: {text!r}")
    return _value(letters)
