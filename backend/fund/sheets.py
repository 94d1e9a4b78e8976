"""Reading the fund's spreadsheets (bank statements, opening balances), in one place.

xlsx goes through the unit importer's reader (``backend.org.importer``: zip-bomb and row
bounds, the header rules, per-row errors); CSV is read into the same rows. When the shared
xlsx reader moves, only this module changes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import BinaryIO

from backend.fees.money import parse_yuan
from backend.org import importer
from backend.org.importer import ImportFailed

__all__ = ["ImportFailed", "cell_date", "cell_fen", "cell_text", "data_lines", "read_table"]

data_lines = importer.data_lines


def read_table(
    stream: BinaryIO,
    filename: str,
    columns: dict[str, str],
    required: tuple[str, ...],
    read_body: Callable[[Iterable[tuple], dict[str, int]], list],
) -> list:
    """The checked rows of an uploaded .xlsx or .csv (by ``filename``'s extension):
    ``columns`` maps field → Chinese header; ``read_body(lines, columns)`` checks the rows."""

    def header(row):
        return importer.header_columns(row, columns, required)

    if filename.lower().endswith(".csv"):
        data = stream.read()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")
            except UnicodeDecodeError:
                raise ImportFailed([(0, "CSV 文件编码无法识别，请另存为 UTF-8")]) from None
        lines = iter([tuple(row) for row in csv.reader(io.StringIO(text))])
        found, errors = header(next(lines, None))
        if errors:
            raise ImportFailed(errors)
        return read_body(lines, found)
    return importer.read_sheet(stream, header, read_body)


def cell_text(value) -> str:
    """A cell as trimmed text."""
    return importer._text(value)


def cell_date(value, errors: list[str], label: str = "日期") -> date | None:
    """A date cell (an Excel date, or ``2026-03-01`` / ``2026/3/1``)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value).replace("/", "-").replace(".", "-")
    try:
        year, month, day = (int(part) for part in text.split("-"))
        return date(year, month, day)
    except (ValueError, TypeError):
        errors.append(f"{label}“{cell_text(value)}”不是有效日期（如 2026-03-01）")
        return None


def cell_fen(value, errors: list[str], label: str, *, signed: bool = False) -> int | None:
    """An amount in yuan (at most two decimals) as integer fen; negative only if ``signed``."""
    try:
        return parse_yuan(cell_text(value).replace(",", "").replace("¥", ""), signed=signed)
    except ValueError:
        errors.append(f"{label}“{cell_text(value)}”不是有效金额（元，最多两位小数）")
        return None
