"""Bank reconciliation lists every unmatched line; opening balances import row by row."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from backend.core.db import commit
from backend.fund import ledger, statements
from backend.fund.models import EntryKind, FundEntry
from backend.fund.sheets import ImportFailed

DAY = date(2026, 3, 2)


def xlsx(rows) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def csv_bytes(rows) -> io.BytesIO:
    text = "\n".join(",".join(str(c) for c in row) for row in rows)
    return io.BytesIO(text.encode("utf-8-sig"))


def line(n, day, fen, ref=""):
    return statements.BankLine(n, day, fen, ref)


def test_reconcile_matches_by_reference_then_by_date_and_amount_and_lists_the_rest():
    movements = [
        statements.Movement("PAY-1", DAY, -500_00, 40),  # a use's instalment, 40 debits
        statements.Movement("DEP-9", DAY, 900_00, 3),
        statements.Movement("", DAY, 12_34, 1),
        statements.Movement("", date(2026, 3, 3), 12_34, 1),  # not on the statement
        statements.Movement("INT-2", DAY, 7_00, 10),  # not on the statement
    ]
    lines = [
        line(2, DAY, -500_00, "PAY-1"),
        line(3, DAY, 901_00, "DEP-9"),  # amount differs
        line(4, DAY, 12_34),  # by date and amount
        line(5, DAY, 12_34),  # a second one: only one ledger movement
        line(6, DAY, 1_00, "NOPE"),
    ]
    result = statements.reconcile(lines, movements)
    assert [(bank.line, m.reference) for bank, m in result.matched] == [(2, "PAY-1"), (4, "")]
    assert [(bank.line, why) for bank, why in result.unmatched_bank] == [
        (3, "金额不符：分户账记为 ¥900.00"),
        (5, "分户账中没有同日同金额的记录"),
        (6, "分户账中没有此流水号"),
    ]
    assert [(m.booked_on, m.reference) for m in result.unmatched_ledger] == [
        (DAY, "INT-2"),
        (date(2026, 3, 3), ""),
    ]
    assert not result.balanced


def test_a_statement_file_is_reconciled_against_the_estates_ledger(db, fund_world):
    units = [fund_world.unit("50.00"), fund_world.unit("150.00")]
    ledger.post_initial_deposits(fund_world.estate.id, Decimal("10.00"), DAY, reference="DEP-1")
    ledger.split_debits(
        {u.id: u.area for u in units},
        300_00,
        DAY,
        use_id=None,
        payment_id=None,
        estate_id=fund_world.estate.id,
        reference="PAY-7",
    )
    commit()
    upload = csv_bytes(
        [
            ("日期", "金额", "流水号", "摘要"),
            ("2026-03-02", "2000.00", "DEP-1", "首期交存"),
            ("2026/3/2", "-300", "PAY-7", "划款"),
            ("2026-03-02", "55.10", "", "利息"),
        ]
    )
    result = statements.reconcile_statement(
        fund_world.committee, fund_world.estate.id, upload, "s.csv"
    )
    assert len(result.matched) == 2
    assert [(b.line, why) for b, why in result.unmatched_bank] == [
        (4, "分户账中没有同日同金额的记录")
    ]
    assert result.unmatched_ledger == []


def test_a_statement_with_bad_rows_lists_each_of_them(db, fund_world):
    upload = xlsx([("日期", "金额"), ("2026-13-01", "1.00"), ("2026-03-01", "1.234"), ("", "")])
    with pytest.raises(ImportFailed) as failed:
        statements.read_statement(upload, "s.xlsx")
    assert [row for row, _ in failed.value.row_errors] == [2, 3]


def test_opening_balances_import_and_become_the_balance(db, fund_world):
    a = fund_world.unit("80.00")
    b = fund_world.unit("90.00")
    upload = xlsx(
        [
            ("楼栋", "房号", "期初余额", "日期"),
            ("1幢", a.number, "12345.67", "2026-01-01"),
            ("1幢", b.number, 0.5, date(2026, 1, 1)),
        ]
    )
    assert (
        statements.import_openings(fund_world.committee, fund_world.estate.id, upload, "o.xlsx")
        == 2
    )
    commit()
    figures = {x.unit_id: x.balance_fen for x in ledger.balances(fund_world.estate.id).values()}
    assert figures == {a.id: 1234567, b.id: 50}


def test_opening_import_reports_every_bad_row_and_writes_nothing(db, fund_world):
    a = fund_world.unit("80.00")
    b = fund_world.unit("90.00")
    ledger.open_accounts(fund_world.estate.id)
    ledger.post(ledger.accounts_by_unit([b.id])[b.id], EntryKind.top_up, 1, DAY)
    commit()
    before = db.session.scalar(sa.select(sa.func.count()).select_from(FundEntry))
    upload = xlsx(
        [
            ("楼栋", "房号", "期初余额", "日期"),
            ("1幢", a.number, "100", "2026-01-01"),  # fine
            ("1幢", a.number, "100", "2026-01-01"),  # repeated
            ("9幢", "101", "100", "2026-01-01"),  # no such unit
            ("1幢", b.number, "100", "2026-01-01"),  # already has entries
            ("1幢", a.number + "x", "-5", "2026-01-01"),  # no such unit, bad amount
        ]
    )
    with pytest.raises(ImportFailed) as failed:
        statements.import_openings(fund_world.committee, fund_world.estate.id, upload, "o.xlsx")
    rows = [row for row, _ in failed.value.row_errors]
    assert rows == [3, 4, 5, 6, 6]
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FundEntry)) == before


def test_only_the_ledger_keepers_import(db, fund_world):
    from backend.core.errors import Forbidden

    with pytest.raises(Forbidden):
        statements.import_openings(fund_world.company, fund_world.estate.id, xlsx([]), "o.xlsx")
