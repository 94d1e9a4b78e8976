"""The one spreadsheet writer and the one spreadsheet reader.

**Writer.** Every export (fees, tickets, supervision, votes) and every template is written
here, cell by cell through :func:`cell`: text always becomes a *string* cell, so nothing a
resident or staff member typed can become a formula (or a DDE call), and a leading ``=``,
``+``, ``-``, ``@``, tab or CR stays visible exactly as typed (no ``'`` prefix, which
openpyxl would store as visible text). Characters XML cannot hold are replaced by ``�``.

**Reader.** Every import opens its upload with :func:`open_workbook`, which looks inside the
zip before any XML is parsed: each part's unpacked size (``sharedStrings.xml`` included),
their sum, and the number of cells and shared strings are bounded, so a small file that
unpacks to millions of strings is refused at once with a Chinese message
(:class:`SheetRefused`). ``zipfile`` never returns more than a part's declared size, so
bounding the declared sizes bounds what openpyxl can be made to read.
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

# --- writer -----------------------------------------------------------------------------------

_PLAIN = (int, float, Decimal, date, datetime, bool)


def text(value: str) -> str:
    """``value`` as a cell can hold it (characters XML refuses become ``�``)."""
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)


def cell(sheet, value):
    """A cell of ``sheet`` (write-only) holding ``value``; text is always a string cell."""
    if value is None or isinstance(value, _PLAIN):
        return WriteOnlyCell(sheet, value=value)
    made = WriteOnlyCell(sheet, value=text(str(value)))
    made.data_type = "s"  # never "f": whatever it starts with, it is shown as typed
    return made


@dataclass
class Sheet:
    """One sheet of a workbook: ``preamble`` lines, a bold ``headers`` row, then ``rows``."""

    title: str
    headers: Sequence[str] = ()
    rows: Iterable[Iterable] = ()
    preamble: Sequence[Sequence] = ()
    widths: Sequence[float] = ()
    #: column formats (``{"A": "@"}``) of a template's empty columns
    formats: dict[str, str] = field(default_factory=dict)
    freeze_header: bool = False
    #: the header row's fill colour (``"DDEBF7"``), columns (1-based) whose text wraps, and
    #: a template's drop-down lists: ``(list of choices, cell range)``
    header_fill: str | None = None
    wrap_columns: Sequence[int] = ()
    choices: Sequence[tuple[Sequence[str], str]] = ()


def write(*sheets: Sheet):
    """An .xlsx of ``sheets`` (a temporary file, rewound), streamed row by row."""
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for spec in sheets:
        sheet = workbook.create_sheet(text(spec.title)[:31] or "Sheet")
        for index, width in enumerate(spec.widths, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        for letter, number_format in spec.formats.items():
            sheet.column_dimensions[letter].number_format = number_format
        if spec.freeze_header:
            sheet.freeze_panes = f"A{len(spec.preamble) + 2}"
        for allowed, cells in spec.choices:
            listed = DataValidation(type="list", formula1='"' + ",".join(allowed) + '"')
            listed.add(cells)
            sheet.data_validations.append(listed)
        for line in spec.preamble:
            sheet.append([cell(sheet, value) for value in line])
        if spec.headers:
            heads = [cell(sheet, name) for name in spec.headers]
            for head in heads:
                head.font = bold
                if spec.header_fill:
                    head.fill = PatternFill("solid", fgColor=spec.header_fill)
            sheet.append(heads)
        wrap = Alignment(wrap_text=True, vertical="top")
        for row in spec.rows:
            cells = [cell(sheet, value) for value in row]
            for column in spec.wrap_columns:
                if column <= len(cells):
                    cells[column - 1].alignment = wrap
            sheet.append(cells)
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to send_file, which closes it
    workbook.save(out)
    out.seek(0)
    return out


def write_xlsx(title: str, headers: list[str], rows: Iterable[Iterable], **options):
    """A one-sheet .xlsx (a temporary file, rewound): ``headers`` then ``rows``."""
    return write(Sheet(title, headers, rows, **options))


def write_bytes(*sheets: Sheet) -> bytes:
    with write(*sheets) as out:
        return out.read()


# --- reader -----------------------------------------------------------------------------------

#: the most a single part (a sheet, the shared strings…) may unpack to, and all parts together
MAX_PART_BYTES = 32 * 1024 * 1024
MAX_TOTAL_BYTES = 96 * 1024 * 1024
#: the most cells of the first sheet, and the most shared strings, read
MAX_CELLS = 1_000_000

NOT_XLSX = "文件不是有效的 Excel（.xlsx）文件"
TOO_LARGE = "文件解压后过大，请拆分后分批导入"
TOO_MANY_CELLS = "表格单元格过多（超过 {limit} 个），请拆分后分批导入"

_CELL = re.compile(rb"<(?:\w+:)?c[\s>/]")
_STRING = re.compile(rb"<(?:\w+:)?si[\s>/]")


class SheetRefused(ValueError):
    """An upload the reader will not open; ``str()`` is the Chinese reason."""


def _first_sheet_part(archive: zipfile.ZipFile) -> str | None:
    names = sorted(
        (n for n in archive.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)),
        key=lambda n: int(re.search(r"\d+", n.rsplit("/", 1)[1])[0]),
    )
    return names[0] if names else None


def check_archive(
    data: bytes,
    *,
    max_part: int = MAX_PART_BYTES,
    max_total: int = MAX_TOTAL_BYTES,
    max_cells: int = MAX_CELLS,
) -> None:
    """Refuse ``data`` (:class:`SheetRefused`) unless it is a zip whose parts, shared
    strings and first sheet's cells are all within the bounds. Nothing is parsed."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise SheetRefused(NOT_XLSX) from exc
    with archive:
        infos = archive.infolist()
        if not any(info.filename == "xl/workbook.xml" for info in infos):
            raise SheetRefused(NOT_XLSX)
        if sum(info.file_size for info in infos) > max_total:
            raise SheetRefused(TOO_LARGE)
        if any(info.file_size > max_part for info in infos):
            raise SheetRefused(TOO_LARGE)
        counted = [("xl/sharedStrings.xml", _STRING), (_first_sheet_part(archive), _CELL)]
        for name, pattern in counted:
            if name is None or name not in archive.namelist():
                continue
            try:
                found = len(pattern.findall(archive.read(name)))
            except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
                raise SheetRefused(NOT_XLSX) from exc
            if found > max_cells:
                raise SheetRefused(TOO_MANY_CELLS.format(limit=max_cells))


def open_workbook(data: bytes, **bounds):
    """The uploaded workbook ``data`` opened read-only (values, not formulas) once
    :func:`check_archive` found it within bounds; :class:`SheetRefused` otherwise."""
    check_archive(data, **bounds)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a file that is not .xlsx
        raise SheetRefused(NOT_XLSX) from exc
    if not workbook.worksheets:
        workbook.close()
        raise SheetRefused(NOT_XLSX)
    return workbook
