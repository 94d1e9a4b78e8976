"""The bank's statement against the ledger (对账), and opening balances (期初余额) from Excel.

Reconciliation writes nothing: it reads the statement, groups the estate's ledger entries
the way the bank books them (one movement per bank reference; an entry without a
reference is its own movement) and lists every bank line matched, every bank line
unmatched with the reason, and every ledger movement the bank does not show.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from backend.audit import services as audit
from backend.authz import scope
from backend.extensions import db
from backend.fees.money import yuan
from backend.fund import ledger, sheets
from backend.fund.models import EntryKind, FundAccount, FundEntry
from backend.fund.sheets import ImportFailed
from backend.org.models import Building, Estate, Unit

STATEMENT_COLUMNS = {"booked_on": "日期", "amount": "金额", "reference": "流水号", "memo": "摘要"}
STATEMENT_REQUIRED = ("booked_on", "amount")


@dataclass(frozen=True)
class BankLine:
    """One line of the bank's statement: credits positive, debits negative (fen)."""

    line: int
    booked_on: date
    amount_fen: int
    reference: str = ""
    memo: str = ""


@dataclass(frozen=True)
class Movement:
    """Ledger entries the bank books as one movement (same reference, or one entry)."""

    reference: str
    booked_on: date
    amount_fen: int
    entries: int


@dataclass
class Reconciliation:
    """What a statement and the ledger agree on, and every line where they do not."""

    matched: list[tuple[BankLine, Movement]] = field(default_factory=list)
    #: (bank line, why it has no ledger counterpart)
    unmatched_bank: list[tuple[BankLine, str]] = field(default_factory=list)
    #: ledger movements within the statement's dates that the statement does not show
    unmatched_ledger: list[Movement] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return not self.unmatched_bank and not self.unmatched_ledger

    def summary(self) -> str:
        return (
            f"银行流水 {len(self.matched) + len(self.unmatched_bank)} 笔："
            f"已核对 {len(self.matched)} 笔，未匹配 {len(self.unmatched_bank)} 笔；"
            f"分户账中银行未记录 {len(self.unmatched_ledger)} 笔"
        )


def reconcile(lines: list[BankLine], movements: Iterable[Movement]) -> Reconciliation:
    """Match bank lines to ledger movements: by reference where the line has one (amounts
    must agree), else by date and amount, each movement used once. Pure."""
    result = Reconciliation()
    by_reference: dict[str, Movement] = {}
    unreferenced: dict[tuple[date, int], list[Movement]] = {}
    for movement in movements:
        if movement.reference:
            by_reference[movement.reference] = movement
        else:
            unreferenced.setdefault((movement.booked_on, movement.amount_fen), []).append(movement)
    used: set[int] = set()
    for line in lines:
        found = by_reference.get(line.reference) if line.reference else None
        if line.reference and found is not None:
            if id(found) in used:
                result.unmatched_bank.append((line, "流水号重复"))
            elif found.amount_fen != line.amount_fen:
                result.unmatched_bank.append(
                    (line, f"金额不符：分户账记为 {yuan(found.amount_fen)}")
                )
                used.add(id(found))
            else:
                result.matched.append((line, found))
                used.add(id(found))
            continue
        candidates = unreferenced.get((line.booked_on, line.amount_fen), [])
        if candidates:
            movement = candidates.pop(0)
            result.matched.append((line, movement))
            used.add(id(movement))
        elif line.reference:
            result.unmatched_bank.append((line, "分户账中没有此流水号"))
        else:
            result.unmatched_bank.append((line, "分户账中没有同日同金额的记录"))
    result.unmatched_ledger = [
        m
        for m in (*by_reference.values(), *(m for ms in unreferenced.values() for m in ms))
        if id(m) not in used
    ]
    result.unmatched_ledger.sort(key=lambda m: (m.booked_on, m.reference))
    return result


def ledger_movements(estate_id: int, first: date, last: date) -> list[Movement]:
    """The estate's ledger between ``first`` and ``last`` as the bank books it."""
    in_range = (
        FundEntry.estate_id == estate_id,
        FundEntry.booked_on >= first,
        FundEntry.booked_on <= last,
    )
    referenced = db.session.execute(
        sa.select(
            FundEntry.reference,
            sa.func.min(FundEntry.booked_on),
            sa.func.sum(FundEntry.amount_fen),
            sa.func.count(),
        )
        .where(*in_range, FundEntry.reference != "")
        .group_by(FundEntry.reference)
    ).all()
    single = db.session.execute(
        sa.select(FundEntry.booked_on, FundEntry.amount_fen).where(
            *in_range, FundEntry.reference == ""
        )
    ).all()
    return [Movement(ref, day, int(total), n) for ref, day, total, n in referenced] + [
        Movement("", day, int(amount), 1) for day, amount in single
    ]


def read_statement(stream: BinaryIO, filename: str) -> list[BankLine]:
    """The bank lines of an uploaded statement (.xlsx or .csv), or :class:`ImportFailed`
    listing every faulty row."""

    def body(lines, columns):
        rows: list[BankLine] = []
        errors: list[tuple[int, str]] = []
        for line, cells in sheets.data_lines(lines, columns):
            problems: list[str] = []
            day = sheets.cell_date(cells["booked_on"], problems)
            amount = sheets.cell_fen(cells["amount"], problems, "金额", signed=True)
            if problems:
                errors.extend((line, p) for p in problems)
                continue
            rows.append(
                BankLine(
                    line,
                    day,
                    amount,
                    sheets.cell_text(cells.get("reference"))[:60],
                    sheets.cell_text(cells.get("memo"))[:200],
                )
            )
        if not rows and not errors:
            errors.append((2, "表格中没有数据行"))
        if errors:
            raise ImportFailed(errors)
        return rows

    return sheets.read_table(stream, filename, STATEMENT_COLUMNS, STATEMENT_REQUIRED, body)


def reconcile_statement(actor, estate_id: int, stream: BinaryIO, filename: str) -> Reconciliation:
    """Read the bank's statement of an estate and reconcile it with the ledger (audited)."""
    scope.require(actor, "fund.ledger")
    estate = scope.get_scoped(Estate, estate_id, actor)
    lines = read_statement(stream, filename)
    first = min(line.booked_on for line in lines)
    last = max(line.booked_on for line in lines)
    result = reconcile(lines, ledger_movements(estate.id, first, last))
    audit.record(
        actor,
        "fund.reconcile",
        "estate",
        estate.id,
        after={
            "filename": filename,
            "from": first.isoformat(),
            "to": last.isoformat(),
            "matched": len(result.matched),
            "unmatched_bank": len(result.unmatched_bank),
            "unmatched_ledger": len(result.unmatched_ledger),
        },
        estate_id=estate.id,
    )
    return result


# --- opening balances ----------------------------------------------------------------------

OPENING_COLUMNS = {"building": "楼栋", "number": "房号", "balance": "期初余额", "booked_on": "日期"}
OPENING_REQUIRED = ("building", "number", "balance", "booked_on")


def import_openings(actor, estate_id: int, stream: BinaryIO, filename: str) -> int:
    """Import each unit's opening balance (期初余额, e.g. from the bank's old ledger) as an
    ``opening`` entry. Every faulty row is reported (unknown unit, bad amount or date, a row
    given twice, an account that already has entries) and then nothing is written."""
    scope.require(actor, "fund.ledger")
    estate = scope.get_scoped(Estate, estate_id, actor)
    units = {
        (building, number): unit_id
        for unit_id, building, number in db.session.execute(
            sa.select(Unit.id, Building.name, Unit.number)
            .join(Building, Building.id == Unit.building_id)
            .where(Unit.estate_id == estate.id)
        )
    }
    with_entries = set(
        db.session.scalars(
            sa.select(FundAccount.unit_id).where(
                FundAccount.estate_id == estate.id,
                sa.exists().where(FundEntry.account_id == FundAccount.id),
            )
        )
    )

    def body(lines, columns):
        rows: list[tuple[int, int, date]] = []
        errors: list[tuple[int, str]] = []
        first_seen: dict[int, int] = {}
        for line, cells in sheets.data_lines(lines, columns):
            problems: list[str] = []
            key = (sheets.cell_text(cells["building"]), sheets.cell_text(cells["number"]))
            unit_id = units.get(key)
            if unit_id is None:
                problems.append(f"本小区没有房屋 {key[0]} {key[1]}")
            elif unit_id in first_seen:
                problems.append(f"房屋 {key[0]} {key[1]} 与第 {first_seen[unit_id]} 行重复")
            elif unit_id in with_entries:
                problems.append(f"房屋 {key[0]} {key[1]} 的分户账已有记录，不能再导入期初余额")
            else:
                first_seen[unit_id] = line
            fen = sheets.cell_fen(cells["balance"], problems, "期初余额")
            day = sheets.cell_date(cells["booked_on"], problems)
            if problems:
                errors.extend((line, p) for p in problems)
            else:
                rows.append((unit_id, fen, day))
        if not rows and not errors:
            errors.append((2, "表格中没有数据行"))
        if errors:
            raise ImportFailed(errors)
        return rows

    rows = sheets.read_table(stream, filename, OPENING_COLUMNS, OPENING_REQUIRED, body)
    try:
        with db.session.begin_nested():
            ledger.open_accounts(estate.id)
            accounts = ledger.accounts_by_unit(unit_id for unit_id, _, _ in rows)
            for unit_id, fen, day in rows:
                ledger.post(
                    accounts[unit_id], EntryKind.opening, fen, day, actor=actor, memo="期初余额导入"
                )
            audit.record(
                actor,
                "fund.import_opening",
                "estate",
                estate.id,
                after={
                    "filename": filename,
                    "rows": len(rows),
                    "total_fen": sum(r[1] for r in rows),
                },
                estate_id=estate.id,
            )
    except IntegrityError as exc:
        raise ImportFailed([(0, "数据库拒绝写入（可能与同时进行的其他修改冲突），请重试")]) from exc
    return len(rows)


def allocate_interest(
    actor, estate_id: int, total_fen: int, booked_on: date, reference: str
) -> dict[int, int]:
    """The committee (or the platform) books the bank's interest on the estate's fund:
    split by area to every account (:func:`backend.fund.ledger.allocate_interest`), audited."""
    scope.require(actor, "fund.ledger")
    estate = scope.get_scoped(Estate, estate_id, actor)
    shares = ledger.allocate_interest(
        estate.id, total_fen, booked_on, reference=reference, actor=actor
    )
    audit.record(
        actor,
        "fund.interest",
        "estate",
        estate.id,
        after={
            "total_fen": total_fen,
            "units": len(shares),
            "reference": reference.strip(),
            "booked_on": booked_on.isoformat(),
        },
        estate_id=estate.id,
    )
    return shares
