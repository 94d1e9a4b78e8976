"""Text people send us: one check for every string the API, the panel and imports accept.

A string is refused (never silently altered) when it holds

- a NUL byte or another control character (C0, DEL, C1); tab, line feed and carriage
  return only where the field is ``multiline`` (a note, a reason), never in a name;
- a lone surrogate (``"ab\\ud800cd"``, which JSON can carry but no database can store);
- a bidirectional override (U+202A–U+202E, U+2066–U+2069), which makes text display
  other than it reads;
- more characters than its column holds (PostgreSQL refuses them with an error, SQLite
  stores them and breaks every table that shows them).

Every refusal has a Chinese message meant for people (``TextRefused.message``).

How to use it:

- **API schemas**: nothing to do. :class:`backend.core.api.Schema` checks every string
  field it loads; give lengths with ``backend.core.validate.Length`` (``"最多 20 个字符"``).
- **Panel forms** (flask-wtf): add ``CleanText(...)`` to a field's validators, e.g.
  ``StringField("姓名", validators=[CleanText(Staff.name)])``: the column gives the length.
  A form base class may add ``CleanText()`` to every text field.
- **Anywhere else** (a hand-parsed form, a service, the importer):
  ``clean_text(value, max_length=column_length(Staff.name))`` returns the value or raises
  :class:`TextRefused` (a ``ValueError``).
"""

from __future__ import annotations

import re
from typing import Any

#: control characters, lone surrogates and bidirectional overrides; ``\t\n\r`` allowed
_FORBIDDEN_MULTILINE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]"
)
#: the same, and tab and line breaks too (a single-line field)
_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069\u2028\u2029]")

#: length messages, shared with the API's validators (``backend.core.validate``)
TOO_LONG = "最多 {max} 个字符"
TOO_SHORT = "至少 {min} 个字符"
LENGTH_BETWEEN = "长度应为 {min}–{max} 个字符"
LENGTH_EXACT = "长度应为 {equal} 个字符"
EMPTY = "不能为空"


class TextRefused(ValueError):
    """A string that may not be stored; ``message`` says why, in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _problem(char: str) -> str:
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        return "含有无效的字符编码"
    if char in "\n\r\u2028\u2029":
        return "不能换行"
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return "不能包含控制字符"
    return "不能包含文字方向控制符"


def length_message(min_length: int | None, max_length: int | None) -> str:
    """The Chinese message for a length outside ``min_length``–``max_length``."""
    if min_length and max_length:
        return LENGTH_BETWEEN.format(min=min_length, max=max_length)
    if max_length is not None:
        return TOO_LONG.format(max=max_length)
    if min_length == 1:
        return EMPTY
    return TOO_SHORT.format(min=min_length)


def column_length(column: Any) -> int | None:
    """The length of a ``String(n)`` column (a model attribute or a Column), else ``None``."""
    length = getattr(getattr(column, "type", None), "length", None)
    return length if isinstance(length, int) else None


def clean_text(
    value: str,
    *,
    max_length: int | Any | None = None,
    min_length: int | None = None,
    multiline: bool = False,
) -> str:
    """``value`` unchanged if it may be stored, else :class:`TextRefused`.

    ``max_length`` is a number or a model column (``Staff.name``: its ``String(n)``).
    """
    if not isinstance(value, str):
        raise TextRefused("应为文本")
    bad = (_FORBIDDEN_MULTILINE if multiline else _FORBIDDEN).search(value)
    if bad:
        raise TextRefused(_problem(bad.group()))
    if max_length is not None and not isinstance(max_length, int):
        max_length = column_length(max_length)
    if (max_length is not None and len(value) > max_length) or (
        min_length and len(value) < min_length
    ):
        raise TextRefused(length_message(min_length, max_length))
    return value


class CleanText:
    """A WTForms validator running :func:`clean_text` on a text field.

    ``CleanText(Staff.name)`` or ``CleanText(60)``; ``multiline=True`` for a textarea.
    An empty field passes (``DataRequired`` decides whether one is required).
    """

    def __init__(
        self,
        max_length: int | Any | None = None,
        *,
        min_length: int | None = None,
        multiline: bool = False,
    ):
        self.max_length = max_length
        self.min_length = min_length
        self.multiline = multiline

    def __call__(self, form: Any, field: Any) -> None:
        from wtforms.validators import ValidationError

        value = field.data
        if not isinstance(value, str) or value == "":
            return
        try:
            clean_text(
                value,
                max_length=self.max_length,
                min_length=self.min_length,
                multiline=self.multiline,
            )
        except TextRefused as exc:
            raise ValidationError(exc.message) from None
