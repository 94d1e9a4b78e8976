"""The one masking function for text shown to the public (boards, attachment names).

People type a mobile number in many ways: ``138-1234-5678``, ``138 1234 5678``,
``+8613912345678``, ``0086 139…``, full-width ``１３８…``, or with markup between the digits
(``138<b></b>12345678``). :func:`mask_public` first reads every run of digits with the
separators and tags between them, then masks each mainland mobile (``138****5678``) and each
resident identity card number (``330106********123X``) found in it, whatever its spelling;
the whole spelling is replaced, markup included. Numbers given in ``keep`` (a service phone
declared on purpose) stay visible; landlines and hotlines (``0571-88886666``, ``12345``)
are never masked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: full-width digits, plus and dashes as people's input methods produce them
_WIDE = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        "\uff0b": "+",
        "\uff0d": "-",
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u3000": " ",
        "\uff38": "X",
        "\uff58": "x",
    }
)
#: what may stand between the digits of one number: blanks, dashes, dots, brackets,
#: HTML tags and entities
_SEP = r"(?:[\s\-./·()（）_]|<[^<>]{0,80}>|&nbsp;|&#160;|&#xa0;)"
_RUN = re.compile(rf"(?:(?:\+|00){_SEP}*)?\d(?:{_SEP}*\d)*(?:{_SEP}*[Xx])?")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_ID_CARD = re.compile(r"\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])\d{2}\d{3}[\dXx]")


def digits_of(text: str) -> str:
    """The digits (and a final X) of ``text``, after full-width forms are read as ASCII."""
    return re.sub(r"[^\dXx]", "", text.translate(_WIDE))


def _numbers(run: str) -> list[tuple[int, int, str]]:
    """``(start, end, digits)`` of the numbers in ``run``: its digits split where a
    separator stands, rejoined when the pieces together make a mobile or an ID number."""
    chars = [(i, c) for i, c in enumerate(run) if c.isdigit() or c in "Xx"]
    digits = "".join(c for _, c in chars)
    found: list[tuple[int, int, str]] = []
    prefix = 0
    head = run.lstrip()
    if head.startswith("+") and digits.startswith("86"):
        prefix = 2
    elif head.startswith("00") and digits.startswith("0086"):
        prefix = 4
    position = prefix
    while position < len(digits):
        for pattern, length in ((_ID_CARD, 18), (_MOBILE, 11)):
            piece = digits[position : position + length]
            if len(piece) == length and pattern.fullmatch(piece) and _ends(chars, position, length):
                found.append((chars[position][0], chars[position + length - 1][0] + 1, piece))
                position += length
                break
        else:
            position = _next_piece(chars, position)
    return found


def _split(chars, index: int) -> bool:
    """Whether something other than a digit stands between digit ``index - 1`` and ``index``."""
    return chars[index][0] - chars[index - 1][0] > 1


def _ends(chars, position: int, length: int) -> bool:
    end = position + length
    return end == len(chars) or _split(chars, end)


def _next_piece(chars, position: int) -> int:
    for index in range(position + 1, len(chars)):
        if _split(chars, index):
            return index
    return len(chars)


def _masked(digits: str) -> str:
    if len(digits) == 11:
        return f"{digits[:3]}****{digits[7:]}"
    return f"{digits[:6]}********{digits[14:]}"


def mask_public(text: str, keep: Iterable[str] = ()) -> str:
    """``text`` with every mainland mobile and ID card number masked, however typed (see
    the module); numbers whose digits are in ``keep`` stay as written."""
    if not text:
        return text
    kept = {digits_of(number)[-11:] for number in keep if number}
    wide = text.translate(_WIDE)
    if wide != text and len(wide) == len(text):
        text = wide  # one character for one: positions still match
    out: list[str] = []
    last = 0
    for run in _RUN.finditer(text):
        # a digit glued to a letter (an order number, a model name) is not a phone
        before = text[run.start() - 1] if run.start() else ""
        if before.isascii() and before.isalnum():
            continue
        for start, end, digits in _numbers(run[0]):
            if digits in kept:
                continue
            out.append(text[last : run.start() + start])
            out.append(_masked(digits))
            last = run.start() + end
    out.append(text[last:])
    return "".join(out)
