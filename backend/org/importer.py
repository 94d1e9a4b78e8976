"""Excel import of buildings, units and owners of record (房屋及业主名册导入).

The whole file is checked before anything is written: every problem is reported with its
spreadsheet row, and a file with any problem writes nothing. The writes themselves run in
a savepoint, so a database constraint that refuses a row also leaves nothing behind.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, BinaryIO

import sqlalchemy as sa
from flask import current_app
from openpyxl.utils import get_column_letter
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from backend.audit import services as audit
from backend.authz import scope
from backend.core import sheets
from backend.core.area import AreaError, parse_area
from backend.core.errors import Invalid
from backend.core.phone import is_mobile, normalize_phone
from backend.core.text import TextRefused, clean_text
from backend.extensions import db
from backend.org.models import (
    MAX_UNIT_AREA,
    MIN_UNIT_AREA,
    AreaSource,
    Building,
    Estate,
    OwnerRecord,
    Unit,
)

if TYPE_CHECKING:
    from backend.accounts.models import Staff

#: the columns of the sheet: field → header (Chinese, as people type them)
COLUMNS = {
    "building": "楼栋",
    "number": "房号",
    "floor": "楼层",
    "area": "面积",
    "area_source": "面积来源",
    "developer_held": "开发商持有",
    "owner_names": "业主姓名",
    "owner_phones": "业主手机",
}
REQUIRED = ("building", "number", "area", "area_source")
SHEET_TITLE = "房屋"

AREA_SOURCES = {
    "不动产登记": AreaSource.registry,
    "不动产登记面积": AreaSource.registry,
    "登记": AreaSource.registry,
    "登记面积": AreaSource.registry,
    "registry": AreaSource.registry,
    "测绘": AreaSource.survey,
    "测绘面积": AreaSource.survey,
    "实测": AreaSource.survey,
    "survey": AreaSource.survey,
    "合同": AreaSource.contract,
    "合同面积": AreaSource.contract,
    "contract": AreaSource.contract,
}
YES = {"是", "y", "yes", "true", "1", "√"}
NO = {"否", "n", "no", "false", "0", "×", ""}

#: owners in one cell are separated by 、 ; or , (full- or half-width)
OWNER_SEPARATORS = re.compile(r"[、;；,，]")
#: a header may carry a unit or a note in brackets: "面积（m²）", "楼层 (选填)"
HEADER_NOTE = re.compile(r"[（(【\[].*?[）)】\]]\s*\*?$|\*$")
AREA_UNITS = re.compile(r"(㎡|m²|m2|平方米|平米)$", re.IGNORECASE)
CENT = Decimal("0.01")
MAX_NAME = 40
MAX_OWNER_NAME = 60
MIN_FLOOR, MAX_FLOOR = -10, 200
#: refuse archives that would unpack to more than this (an .xlsx "zip bomb")

NOT_XLSX = sheets.NOT_XLSX
UNREADABLE = "表格内容无法读取，请用 Excel 或 WPS 重新保存为 .xlsx 后再导入"
#: columns read from each row; headers further right are ignored like any unknown column
MAX_COLUMNS = 64


class ImportFailed(Invalid):
    """The file has problems; nothing was written.

    ``row_errors`` lists ``(row, message)``: the spreadsheet row (1 is the header row,
    0 the file as a whole) and what is wrong there, in Chinese.
    """

    def __init__(self, row_errors: list[tuple[int, str]]):
        self.row_errors = sorted(row_errors, key=lambda e: e[0])
        first_row, first_message = self.row_errors[0]
        where = f"第 {first_row} 行" if first_row else ""
        message = (
            f"导入失败：{where}{first_message}，共 {len(self.row_errors)} 处错误，未写入任何数据"
        )
        super().__init__(
            message, {"rows": [{"row": row, "message": text} for row, text in self.row_errors]}
        )


@dataclass
class ImportReport:
    """What an import did."""

    buildings_created: int = 0
    units_created: int = 0
    #: existing units named in the file (their values were rewritten from it)
    units_updated: int = 0
    owners_created: int = 0
    #: data rows read (blank rows are skipped)
    rows: int = 0
    #: of the updated units, those where something actually changed
    units_changed: int = 0
    owners_removed: int = 0
    #: each changed existing unit, before and after (for the audit log)
    changes: dict[str, dict] = field(default_factory=dict, repr=False)

    def summary(self) -> str:
        """The report in one Chinese sentence."""
        return (
            f"共读取 {self.rows} 行：新建楼栋 {self.buildings_created} 栋，"
            f"新建房屋 {self.units_created} 户，更新房屋 {self.units_updated} 户"
            f"（其中 {self.units_changed} 户有变化），"
            f"新增业主 {self.owners_created} 人，移除业主 {self.owners_removed} 人"
        )


@dataclass
class _Row:
    """One checked row of the sheet."""

    line: int
    building: str
    number: str
    floor: int | None
    area: Decimal
    area_source: AreaSource
    #: ``None`` when the column is absent (keep what is stored)
    developer_held: bool | None
    #: ``None`` when the owner columns are absent (keep the stored owners)
    owners: list[tuple[str, str]] | None = field(default=None)


# --- reading ---------------------------------------------------------------------------------


def import_units(
    actor: Staff, estate_id: int, stream: BinaryIO, *, filename: str | None = None
) -> ImportReport:
    """Import buildings, units and owners of record of an estate from an .xlsx file.

    Buildings are created when missing. A unit already in the estate (same building and
    number) is updated: area, area source, floor and developer flag; if the file has the
    owner columns, the unit's owners of record become exactly the file's (an empty cell
    means no owner of record). Any problem raises :class:`ImportFailed` listing every
    faulty row, and nothing is written. Flushes, never commits.
    """
    scope.require(actor, "org.import")
    estate = scope.get_scoped(Estate, estate_id, actor)
    rows = read_rows(stream)

    report = ImportReport(rows=len(rows))
    try:
        with db.session.begin_nested():
            _write(estate, rows, report)
            audit.record(
                actor,
                "org.import",
                "estate",
                estate.id,
                before={unit: c["before"] for unit, c in report.changes.items()} or None,
                after={
                    **{k: v for k, v in asdict(report).items() if k != "changes"},
                    "filename": filename or _stream_name(stream),
                    "units": {unit: c["after"] for unit, c in report.changes.items()},
                },
                estate_id=estate.id,
            )
            db.session.flush()
    except IntegrityError as exc:
        current_app.logger.warning(
            "unit import into estate %s refused by the database: %s", estate.id, exc.orig
        )
        raise ImportFailed([(0, "数据库拒绝写入（可能与同时进行的其他修改冲突），请重试")]) from exc
    return report


def read_rows(stream: BinaryIO) -> list[_Row]:
    """The checked data rows of the file's first sheet, or :class:`ImportFailed`."""
    return read_sheet(stream, _read_header, _read_body)


def read_sheet(stream: BinaryIO, read_header, read_body):
    """Open an uploaded .xlsx and read its first sheet: ``read_header(row)`` gives
    ``(columns, errors)`` from the header row, ``read_body(lines, columns)`` the checked
    rows (spreadsheet row 2 on). Anything wrong is :class:`ImportFailed`.

    Work is bounded by the sheet's row numbers, not by its non-blank rows: openpyxl fills
    every missing row up to the last one, so a tiny file whose only row is numbered
    20,000,000 would otherwise cost minutes. Reading stops one row past the limit.
    """
    data = stream.read()
    workbook = _open_workbook(data)
    max_rows = current_app.config["IMPORT_MAX_ROWS"]
    try:
        sheet = workbook.worksheets[0]
        lines = sheet.iter_rows(max_row=max_rows + 2, max_col=MAX_COLUMNS, values_only=True)
        header = next(lines, None)
        columns, errors = read_header(header)
        if errors:
            raise ImportFailed(errors)
        return read_body(lines, columns)
    except ImportFailed:
        raise
    except Exception as exc:  # the sheet's XML: undefined entities, expansion limits, junk
        current_app.logger.info("unreadable sheet in an import: %r", exc)
        raise ImportFailed([(0, UNREADABLE)]) from exc
    finally:
        workbook.close()


def _open_workbook(data: bytes):
    """The one reader (backend/core/sheets.py), its refusals as this importer's errors."""
    try:
        return sheets.open_workbook(data, max_cells=_max_cells())
    except sheets.SheetRefused as exc:
        raise ImportFailed([(0, str(exc))]) from exc


def _max_cells() -> int:
    # a full sheet of the most rows and columns read, and as many shared strings
    return (current_app.config["IMPORT_MAX_ROWS"] + 2) * MAX_COLUMNS


def _header_name(value) -> str:
    text = _text(value)
    return HEADER_NOTE.sub("", text).strip()


def _read_header(header: tuple | None) -> tuple[dict[str, int], list[tuple[int, str]]]:
    columns, errors = header_columns(header, COLUMNS, REQUIRED)
    if columns and ("owner_names" in columns) != ("owner_phones" in columns):
        errors.append((1, "“业主姓名”和“业主手机”两列须同时提供"))
    return columns, errors


def header_columns(
    header: tuple | None, names: dict[str, str], required: tuple[str, ...]
) -> tuple[dict[str, int], list[tuple[int, str]]]:
    """Where each of ``names`` (field → Chinese header) is in the header row; errors for a
    missing required column, a column given twice or an empty header row."""
    if header is None or not any(_text(v) for v in header):
        expected = "、".join(names.values())
        return {}, [(1, f"表格为空：第 1 行应为表头（{expected}）")]
    by_header = {name: key for key, name in names.items()}
    columns: dict[str, int] = {}
    errors: list[tuple[int, str]] = []
    for index, value in enumerate(header):
        key = by_header.get(_header_name(value))
        if key is None:
            continue  # other columns (remarks, ids from another system) are ignored
        if key in columns:
            errors.append((1, f"表头“{names[key]}”出现了两次"))
        columns[key] = index
    missing = [names[key] for key in required if key not in columns]
    if missing:
        errors.append((1, f"缺少必需的列：{'、'.join(missing)}"))
    return columns, errors


def data_lines(lines: Iterable[tuple], columns: dict[str, int]):
    """``(row number, {field: cell})`` of each non-blank data row, bounded by row number."""
    max_rows = current_app.config["IMPORT_MAX_ROWS"]
    for line, values in enumerate(lines, start=2):
        if line > max_rows + 1:
            # counted by row number, blank rows included: the sheet's size is what costs
            raise ImportFailed([(line, f"数据超过 {max_rows} 行的上限，请拆分文件后分批导入")])
        cells = {key: values[i] if i < len(values) else None for key, i in columns.items()}
        if any(_text(v) != "" for v in cells.values()):
            yield line, cells


def _read_body(lines: Iterable[tuple], columns: dict[str, int]) -> list[_Row]:
    rows: list[_Row] = []
    errors: list[tuple[int, str]] = []
    first_seen: dict[tuple[str, str], int] = {}
    count = 0
    for line, cells in data_lines(lines, columns):
        count += 1
        row, row_errors = _read_row(line, cells, columns)
        errors.extend(row_errors)
        key = (_text(cells["building"]), _text(cells["number"]))
        if all(key):
            if key in first_seen:
                errors.append((line, f"房屋 {key[0]} {key[1]} 与第 {first_seen[key]} 行重复"))
                continue
            first_seen[key] = line
        if row is not None:
            rows.append(row)
    if count == 0 and not errors:
        errors.append((2, "表格中没有数据行"))
    if errors:
        raise ImportFailed(errors)
    return rows


def _read_row(line: int, cells: dict, columns: dict) -> tuple[_Row | None, list[tuple[int, str]]]:
    errors: list[str] = []
    building = _text(cells["building"])
    number = _text(cells["number"])
    if not building:
        errors.append("缺少楼栋")
    elif len(building) > MAX_NAME:
        errors.append(f"楼栋名称过长（最多 {MAX_NAME} 个字）")
    else:
        _check_text("楼栋名称", building, errors)
    if not number:
        errors.append("缺少房号")
    elif len(number) > MAX_NAME:
        errors.append(f"房号过长（最多 {MAX_NAME} 个字）")
    else:
        _check_text("房号", number, errors)
    floor = _floor(cells.get("floor"), errors)
    area = _area(cells["area"], errors)
    source = _area_source(cells["area_source"], errors)
    developer_held = None
    if "developer_held" in columns:
        developer_held = _yes_no(cells["developer_held"], errors)
    owners = None
    if "owner_names" in columns:
        owners = _owners(cells["owner_names"], cells["owner_phones"], errors)
    if errors:
        return None, [(line, message) for message in errors]
    return _Row(line, building, number, floor, area, source, developer_held, owners), []


def _check_text(label: str, text: str, errors: list[str]) -> bool:
    """Whether ``text`` may be stored; if not, say why in ``errors``."""
    try:
        clean_text(text)
    except TextRefused as exc:
        errors.append(f"{label}{exc.message}")
        return False
    return True


def _text(value) -> str:
    """A cell as trimmed text (numbers without a spurious ``.0``)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\u3000", " ").strip()


def _floor(value, errors: list[str]) -> int | None:
    text = _text(value)
    if not text:
        return None
    if isinstance(value, bool) or not re.fullmatch(r"-?\d+", text):
        errors.append(f"楼层“{text}”应为整数")
        return None
    floor = int(text)
    if not MIN_FLOOR <= floor <= MAX_FLOOR:
        errors.append(f"楼层 {floor} 不合理")
        return None
    return floor


def _area(value, errors: list[str]) -> Decimal | None:
    """The area as an exact decimal of at most two places."""
    if isinstance(value, bool):
        errors.append("面积不是数字")
        return None
    # repr() of a float is the shortest text that reads back as the same float: a typed
    # 89.37 stays "89.37", while a value with more places shows its extra digits
    text = repr(value) if isinstance(value, float) else AREA_UNITS.sub("", _text(value)).strip()
    if not text:
        errors.append("缺少面积")
        return None
    try:
        area = parse_area(text)
    except AreaError as error:
        if error.reason == "places":
            errors.append(f"面积 {text} 超过两位小数")
        else:
            errors.append(f"面积“{_text(value)}”不是数字")
        return None
    if area.adjusted() > 6:
        # far beyond any unit (and beyond what quantize can handle)
        errors.append(f"面积 {text} 平方米不合理（应在 {MIN_UNIT_AREA}–{MAX_UNIT_AREA} 之间）")
        return None
    area = area.quantize(CENT)
    if area <= 0:
        errors.append("面积必须大于 0")
        return None
    if not MIN_UNIT_AREA <= area <= MAX_UNIT_AREA:
        errors.append(f"面积 {area} 平方米不合理（应在 {MIN_UNIT_AREA}–{MAX_UNIT_AREA} 之间）")
        return None
    return area


def _area_source(value, errors: list[str]) -> AreaSource | None:
    text = _text(value)
    if not text:
        errors.append("缺少面积来源")
        return None
    source = AREA_SOURCES.get(text.lower())
    if source is None:
        errors.append(f"面积来源“{text}”无法识别，应为 不动产登记、测绘 或 合同")
    return source


def _yes_no(value, errors: list[str]) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in YES:
        return True
    if text in NO:
        return False
    errors.append(f"开发商持有“{_text(value)}”应填 是 或 否")
    return None


def _split(value) -> list[str]:
    return [part.strip() for part in OWNER_SEPARATORS.split(_text(value)) if part.strip()]


def _owners(names_cell, phones_cell, errors: list[str]) -> list[tuple[str, str]] | None:
    names = _split(names_cell)
    phones = [normalize_phone(p) for p in _split(phones_cell)]
    ok = True
    for name in names:
        if len(name) > MAX_OWNER_NAME:
            errors.append(f"业主姓名“{name[:10]}…”过长")
            ok = False
        elif not _check_text("业主姓名", name, errors):
            ok = False
    for phone in phones:
        if not is_mobile(phone):
            errors.append(f"业主手机“{phone}”格式不正确，应为 11 位大陆手机号")
            ok = False
    if len(names) != len(phones):
        errors.append(f"业主姓名 {len(names)} 个、业主手机 {len(phones)} 个，数量不一致")
        ok = False
    owners = list(zip(names, phones, strict=False))
    if ok and len(set(owners)) != len(owners):
        errors.append("同一业主（姓名和手机相同）填写了两次")
        ok = False
    return owners if ok else None


# --- writing ---------------------------------------------------------------------------------


def _write(estate: Estate, rows: list[_Row], report: ImportReport) -> None:
    buildings = {
        b.name: b
        for b in db.session.scalars(sa.select(Building).where(Building.estate_id == estate.id))
    }
    units = {
        (unit.building.name, unit.number): unit
        for unit in db.session.scalars(
            sa.select(Unit)
            .where(Unit.estate_id == estate.id)
            .options(selectinload(Unit.owners), selectinload(Unit.building))
        )
    }
    top_floor: dict[str, int] = {}
    for row in rows:
        if row.floor is not None:
            top_floor[row.building] = max(top_floor.get(row.building, row.floor), row.floor)
    for name in dict.fromkeys(row.building for row in rows):
        if name not in buildings:
            buildings[name] = Building(estate_id=estate.id, name=name, floors=top_floor.get(name))
            db.session.add(buildings[name])
            report.buildings_created += 1
        elif top_floor.get(name, 0) > (buildings[name].floors or 0):
            buildings[name].floors = top_floor[name]
    db.session.flush()

    for row in rows:
        unit = units.get((row.building, row.number))
        if unit is None:
            _create_unit(estate, buildings[row.building], row, report)
        else:
            _update_unit(unit, row, report)
    db.session.flush()


def _create_unit(estate: Estate, building: Building, row: _Row, report: ImportReport) -> None:
    unit = Unit(
        building_id=building.id,
        estate_id=estate.id,
        number=row.number,
        floor=row.floor,
        area=row.area,
        area_source=row.area_source,
        developer_held=bool(row.developer_held),
    )
    unit.owners = [OwnerRecord(name=name, phone=phone) for name, phone in row.owners or []]
    db.session.add(unit)
    report.units_created += 1
    report.owners_created += len(unit.owners)


def _update_unit(unit: Unit, row: _Row, report: ImportReport) -> None:
    report.units_updated += 1
    before = _unit_record(unit)
    changed = False
    values = {"floor": row.floor, "area": row.area, "area_source": row.area_source}
    if row.developer_held is not None:
        values["developer_held"] = row.developer_held
    for name, value in values.items():
        if getattr(unit, name) != value:
            setattr(unit, name, value)
            changed = True
    if row.owners is not None:
        wanted = dict.fromkeys(row.owners)
        # keep the records that stay (re-adding one would collide with the unique key)
        keep = [o for o in unit.owners if (o.name, o.phone) in wanted]
        kept = {(o.name, o.phone) for o in keep}
        added = [OwnerRecord(name=n, phone=p) for n, p in wanted if (n, p) not in kept]
        removed = len(unit.owners) - len(keep)
        if added or removed:
            unit.owners = keep + added
            report.owners_created += len(added)
            report.owners_removed += removed
            changed = True
    if changed:
        report.units_changed += 1
        report.changes[f"{row.building} {row.number}"] = {
            "before": before,
            "after": _unit_record(unit),
        }


def _unit_record(unit: Unit) -> dict:
    return {
        "floor": unit.floor,
        "area": str(unit.area),
        "area_source": unit.area_source.value,
        "developer_held": unit.developer_held,
        "owners": [f"{o.name} {o.phone}" for o in unit.owners],
    }


def _stream_name(stream) -> str | None:
    name = getattr(stream, "filename", None) or getattr(stream, "name", None)
    return str(name).rsplit("/", 1)[-1] if isinstance(name, str) and name else None


# --- template --------------------------------------------------------------------------------

_NOTES = [
    ("楼栋", "必填", "楼栋名称，如“1幢”“2号楼”。不存在的楼栋会自动新建。", "1幢"),
    ("房号", "必填", "楼栋内的房号（室号），如“1101”“2-301”。同一楼栋内不可重复。", "1101"),
    ("楼层", "选填", "整数，地下室填负数。", "11"),
    (
        "面积",
        "必填",
        f"建筑面积（平方米），最多两位小数，应在 {MIN_UNIT_AREA}–{MAX_UNIT_AREA} 之间。",
        "89.37",
    ),
    (
        "面积来源",
        "必填",
        "不动产登记、测绘 或 合同。按法释〔2020〕17号第八条，优先用不动产登记面积，"
        "未登记的用测绘面积，仍无的用合同面积。",
        "不动产登记",
    ),
    ("开发商持有", "选填", "是 或 否：开发商尚未出售或尚未交付的房屋填“是”。", "否"),
    (
        "业主姓名",
        "选填",
        "登记在册的业主；多人用“、”“；”或“，”分隔。填写了业主列时，该房屋的业主名册以文件为准"
        "（留空表示无登记业主）；不想改动业主名册请删去这两列。",
        "张伟、王芳",
    ),
    ("业主手机", "选填", "11 位手机号，个数和顺序与业主姓名一致。", "13800000001、13800000002"),
]


def _column_range(letter: str) -> str:
    return f"{letter}2:{letter}20001"


def template_workbook() -> bytes:
    """A blank import template: the header row on the first sheet, explanations and an
    example row on the sheet "说明"."""
    headers = list(COLUMNS.values())
    letters = {key: get_column_letter(i + 1) for i, key in enumerate(COLUMNS)}
    # text columns, so that Excel keeps leading zeros and does not show phones as 1.38E+10
    formats = {letters[key]: "@" for key in ("building", "number", "owner_phones")}
    formats[letters["area"]] = "0.00"
    units = sheets.Sheet(
        SHEET_TITLE,
        headers,
        widths=[28 if name.startswith("业主") else 14 for name in headers],
        formats=formats,
        freeze_header=True,
        header_fill="DDEBF7",
        choices=[
            (
                ("不动产登记", "测绘", "合同"),
                f"{letters['area_source']}2:{letters['area_source']}20001",
            ),
            (("是", "否"), f"{letters['developer_held']}2:{letters['developer_held']}20001"),
        ],
    )
    notes = sheets.Sheet(
        "说明",
        ["列名", "是否必填", "说明", "示例"],
        [
            *(list(row) for row in _NOTES),
            [],
            ["示例行（请在“房屋”工作表中填写，第一行为表头，表头顺序可调整）"],
            headers,
            [example for *_, example in _NOTES],
            [],
            ["文件有任何一处错误时不会写入任何数据，并会列出每个出错的行号。"],
        ],
        widths=(12, 10, 70, 28),
        header_fill="DDEBF7",
        wrap_columns=(3,),
    )
    return sheets.write_bytes(units, notes)
