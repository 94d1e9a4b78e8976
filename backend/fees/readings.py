"""Meter readings (抄表) of metered fee items: entered one by one in the panel or imported
from Excel; the bill of a period is then consumption × price (``charge_fen``).

A reading's previous value is the unit's last reading before the period; only the first
reading of a meter states it. A reading below the previous one is refused. An import is
checked whole: every faulty row is reported by its row number and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, BinaryIO

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from backend.audit import services as audit
from backend.authz import scope
from backend.core import sheets
from backend.core.errors import Conflict, Invalid, NotFound
from backend.extensions import db
from backend.fees.models import FeeBasis, FeeItem, MeterReading
from backend.org import importer
from backend.org.importer import ImportFailed
from backend.org.models import Building, Unit

if TYPE_CHECKING:
    from backend.accounts.models import Staff

#: the largest value a meter shows (the column holds 10 digits before the point)
MAX_READING = Decimal("9999999999.99")
CENT = Decimal("0.01")

COLUMNS = {
    "building": "楼栋",
    "number": "房号",
    "current": "本期读数",
    "previous": "上期读数",
}
REQUIRED = ("building", "number", "current")
BELOW_PREVIOUS = "本期读数 {current} 小于上期读数 {previous}"
FIRST_READING = "该房屋尚无上期读数，首次抄表请填写上期读数"


def metered_item(staff: Staff, item_id: int) -> FeeItem:
    """A metered fee item in ``staff``'s scope (another basis is refused)."""
    item = scope.get_scoped(FeeItem, item_id, staff)
    if item.basis != FeeBasis.metered:
        raise Invalid("该收费项目不按用量计费，无需抄表")
    return item


def parse_reading(value, label: str = "读数") -> Decimal:
    """A meter value: a number ≥ 0 with at most two decimals, or :class:`ValueError` with
    the Chinese reason."""
    if isinstance(value, bool):
        raise ValueError(f"{label}不是数字")
    text = repr(value) if isinstance(value, float) else str(value if value is not None else "")
    text = text.strip().replace(",", "")
    if not text:
        raise ValueError(f"缺少{label}")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{label}“{text}”不是数字") from None
    if not number.is_finite() or number.adjusted() > 10:
        raise ValueError(f"{label}“{text}”不合理")
    if number != number.quantize(CENT):
        raise ValueError(f"{label} {text} 超过两位小数")
    if number < 0 or number > MAX_READING:
        raise ValueError(f"{label} {text} 不合理")
    return number.quantize(CENT)


def last_readings(item_id: int, unit_ids: list[int], period: date) -> dict[int, Decimal]:
    """Each unit's last reading (its current value) before ``period``."""
    if not unit_ids:
        return {}
    latest = (
        sa.select(MeterReading.unit_id, sa.func.max(MeterReading.period).label("period"))
        .where(
            MeterReading.fee_item_id == item_id,
            MeterReading.unit_id.in_(unit_ids),
            MeterReading.period < period,
        )
        .group_by(MeterReading.unit_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(MeterReading.unit_id, MeterReading.current)
        .join(
            latest,
            sa.and_(
                latest.c.unit_id == MeterReading.unit_id, latest.c.period == MeterReading.period
            ),
        )
        .where(MeterReading.fee_item_id == item_id)
    )
    return dict(rows.all())


def _previous(
    known: Decimal | None, stated: Decimal | None, current: Decimal
) -> tuple[Decimal | None, str]:
    """The previous value of a reading, or ``None`` and why it cannot be recorded."""
    previous = known if known is not None else stated
    if previous is None:
        return None, FIRST_READING
    if current < previous:
        return None, BELOW_PREVIOUS.format(current=current, previous=previous)
    return previous, ""


def _taken(item_id: int, unit_ids: list[int], period: date) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(MeterReading.unit_id).where(
                MeterReading.fee_item_id == item_id,
                MeterReading.unit_id.in_(unit_ids),
                MeterReading.period == period,
            )
        )
    )


def record_reading(
    staff: Staff,
    item_id: int,
    unit_id: int,
    period: date,
    current: Decimal,
    previous: Decimal | None = None,
) -> MeterReading:
    """Record a unit's reading of a metered item for ``period`` (its previous value is the
    last reading before; ``previous`` is used for a meter's first reading only)."""
    scope.require(staff, "fees.manage")
    item = metered_item(staff, item_id)
    unit = scope.get_scoped(Unit, unit_id, staff)
    if unit.estate_id != item.estate_id:
        raise NotFound("未找到该房屋")
    if _taken(item.id, [unit.id], period):
        raise Conflict("该房屋本期已有读数", {"current": ["该房屋本期已有读数"]})
    known = last_readings(item.id, [unit.id], period).get(unit.id)
    value, problem = _previous(known, previous, current)
    if value is None:
        raise Invalid(problem, {"current" if known is not None else "previous": [problem]})
    reading = _add(item, unit.id, period, value, current, staff)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError:
        raise Conflict("该房屋本期已有读数") from None
    audit.record(
        staff,
        "meter.reading",
        "meter_reading",
        reading.id,
        after={
            "fee_item": item.name,
            "unit_id": unit.id,
            "period": f"{period:%Y-%m}",
            "previous": str(value),
            "current": str(current),
        },
        estate_id=item.estate_id,
    )
    return reading


def _add(item, unit_id, period, previous, current, staff) -> MeterReading:
    reading = MeterReading(
        fee_item_id=item.id,
        unit_id=unit_id,
        period=period,
        previous=previous,
        current=current,
        recorded_by_id=staff.id,
    )
    db.session.add(reading)
    return reading


def readings_query(
    staff: Staff, item: FeeItem, period: date, building_id: int | None = None
) -> sa.Select:
    """The readings of ``item`` for ``period``, by building and unit number (of one
    building if given)."""
    stmt = (
        sa.select(MeterReading)
        .join(Unit, Unit.id == MeterReading.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .where(MeterReading.fee_item_id == item.id, MeterReading.period == period)
        .options(joinedload(MeterReading.unit).joinedload(Unit.building))
        .order_by(Building.name, Unit.number)
    )
    if building_id is not None:
        stmt = stmt.where(Unit.building_id == building_id)
    return scope.scoped(stmt, staff, Unit.estate_id)


#: the readings list's sort keys (``admin.fees.READINGS``)
READING_SORTS = {
    "unit": (
        sa.func.length(Building.name),
        Building.name,
        sa.func.length(Unit.number),
        Unit.number,
    ),
    "previous": MeterReading.previous,
    "current": MeterReading.current,
    "consumption": MeterReading.current - MeterReading.previous,
}


def unit_by_number(staff: Staff, item_id: int, building_id: int, number: str) -> int:
    """The id of the unit ``number`` of a building of the item's estate."""
    item = metered_item(staff, item_id)
    unit_id = db.session.scalar(
        sa.select(Unit.id)
        .join(Building, Building.id == Unit.building_id)
        .where(
            Building.id == building_id,
            Building.estate_id == item.estate_id,
            Unit.number == (number or "").strip(),
        )
    )
    if unit_id is None:
        raise Invalid("该楼栋没有这个房号", {"number": ["该楼栋没有这个房号"]})
    return unit_id


# --- Excel import ----------------------------------------------------------------------------


@dataclass
class _Line:
    line: int
    building: str
    number: str
    current: Decimal
    previous: Decimal | None


@dataclass
class ReadingImport:
    """What an import of readings did."""

    period: str
    created: int


def import_readings(staff: Staff, item_id: int, period: date, stream: BinaryIO) -> ReadingImport:
    """Import a period's readings of a metered item from an .xlsx file (楼栋, 房号, 本期读数,
    上期读数 for a first reading). Any faulty row raises :class:`ImportFailed` listing every
    one by its row number, and nothing is written. Flushes, never commits."""
    scope.require(staff, "fees.manage")
    item = metered_item(staff, item_id)
    lines, errors = importer.read_sheet(
        stream,
        lambda header: importer.header_columns(header, COLUMNS, REQUIRED),
        _read_lines,
    )
    units = {
        (b, n): uid
        for uid, b, n in db.session.execute(
            sa.select(Unit.id, Building.name, Unit.number)
            .join(Building, Building.id == Unit.building_id)
            .where(Unit.estate_id == item.estate_id)
        )
    }
    found = {}
    for row in lines:
        unit_id = units.get((row.building, row.number))
        if unit_id is None:
            errors.append((row.line, f"本小区没有房屋 {row.building} {row.number}"))
        else:
            found[row.line] = unit_id
    taken = _taken(item.id, list(found.values()), period)
    known = last_readings(item.id, list(found.values()), period)
    values = []
    for row in lines:
        unit_id = found.get(row.line)
        if unit_id is None:
            continue
        if unit_id in taken:
            errors.append((row.line, f"房屋 {row.building} {row.number} 本期已有读数"))
            continue
        previous, problem = _previous(known.get(unit_id), row.previous, row.current)
        if previous is None:
            errors.append((row.line, problem))
            continue
        values.append((unit_id, previous, row.current))
    if errors:
        raise ImportFailed(errors)
    try:
        with db.session.begin_nested():
            for unit_id, previous, current in values:
                _add(item, unit_id, period, previous, current, staff)
            db.session.flush()
    except sa.exc.IntegrityError as exc:
        raise ImportFailed([(0, "数据库拒绝写入（可能与同时进行的录入冲突），请重试")]) from exc
    audit.record(
        staff,
        "meter.import",
        "fee_item",
        item.id,
        after={"period": f"{period:%Y-%m}", "created": len(values)},
        estate_id=item.estate_id,
    )
    return ReadingImport(period=f"{period:%Y-%m}", created=len(values))


def _read_lines(lines, columns: dict[str, int]) -> tuple[list[_Line], list[tuple[int, str]]]:
    """The well-formed rows, and the problems of the others (checked further together)."""
    rows: list[_Line] = []
    errors: list[tuple[int, str]] = []
    first_seen: dict[tuple[str, str], int] = {}
    for line, cells in importer.data_lines(lines, columns):
        problems: list[str] = []
        building = importer._text(cells["building"])
        number = importer._text(cells["number"])
        if not building:
            problems.append("缺少楼栋")
        if not number:
            problems.append("缺少房号")
        current = previous = None
        if not importer._text(cells["current"]) and building and number:
            continue  # a unit of the pre-filled template left blank: not read this period
        try:
            current = parse_reading(cells["current"], "本期读数")
        except ValueError as exc:
            problems.append(str(exc))
        if importer._text(cells.get("previous")):
            try:
                previous = parse_reading(cells["previous"], "上期读数")
            except ValueError as exc:
                problems.append(str(exc))
        if building and number:
            if (building, number) in first_seen:
                problems.append(
                    f"房屋 {building} {number} 与第 {first_seen[building, number]} 行重复"
                )
            else:
                first_seen[building, number] = line
        if problems:
            errors.extend((line, p) for p in problems)
        else:
            rows.append(_Line(line, building, number, current, previous))
    if not rows and not errors:
        raise ImportFailed([(2, "表格中没有数据行")])
    return rows, errors


def template_workbook() -> bytes:
    """A blank readings template: the header row and an example."""
    readings = sheets.Sheet(
        "抄表",
        list(COLUMNS.values()),
        widths=(14, 14, 14, 14),
        formats={"A": "@", "B": "@", "C": "0.00", "D": "0.00"},
    )
    notes = sheets.Sheet(
        "说明",
        rows=[
            ["楼栋、房号：须为本小区已有的房屋；本期读数：最多两位小数，不得小于上期读数。"],
            ["上期读数：仅在该房屋首次抄表时填写，其后自动取上一期的本期读数。"],
            ["文件有任何一处错误时不会写入任何数据，并会列出每个出错的行号。"],
            ["示例", "1幢", "1101", "1256.50", "1230.00"],
        ],
    )
    return sheets.write_bytes(readings, notes)


def prefilled_workbook(staff: Staff, item_id: int, period: date) -> bytes:
    """The readings template of ``item_id`` for ``period`` with every unit it bills listed
    (its buildings, else the whole estate), by building and number, and each unit's
    previous reading filled in; units already read for the period are left out. Rows whose
    本期读数 stays blank are skipped on import."""
    item = metered_item(staff, item_id)
    stmt = (
        sa.select(Unit.id, Building.name, Unit.number)
        .join(Building, Building.id == Unit.building_id)
        .where(Unit.estate_id == item.estate_id)
        .order_by(Building.name, Unit.number)
    )
    if item.buildings:
        stmt = stmt.where(Building.id.in_([b.id for b in item.buildings]))
    units = db.session.execute(stmt).all()
    ids = [u.id for u in units]
    taken = _taken(item.id, ids, period)
    known = last_readings(item.id, ids, period)
    rows = [
        [building, number, None, known.get(unit_id)]
        for unit_id, building, number in units
        if unit_id not in taken
    ]
    readings = sheets.Sheet(
        f"抄表 {period:%Y-%m}",
        list(COLUMNS.values()),
        rows,
        widths=(14, 14, 14, 14),
        formats={"A": "@", "B": "@", "C": "0.00", "D": "0.00"},
    )
    notes = sheets.Sheet(
        "说明",
        rows=[
            [f"{item.name}：{period:%Y年%m月} 抄表，已列出本小区应抄的 {len(rows)} 户。"],
            [
                "填写「本期读数」（最多两位小数，不得小于上期读数）；本期未抄的房屋留空，导入时跳过。"
            ],
            ["「上期读数」已按上一期读数填好；首次抄表的房屋须填写上期读数。"],
            ["本期已录入读数的房屋未列出。文件有任何一处错误时不会写入任何数据。"],
        ],
    )
    return sheets.write_bytes(readings, notes)
