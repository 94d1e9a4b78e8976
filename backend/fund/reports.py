"""Figures of the fund that add up: an estate's yearly statement (年度收支), from the ledger.

The statement has the board's money-statement shape (``backend/board/statements.py``):
opening balance, one line per kind of movement, totals, closing balance, every figure in
fen and each derived from the entries by the database, so it adds up by construction.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from backend.extensions import db
from backend.fund.models import EntryKind, FundEntry

#: the statement's lines, in order: (kind, label)
LINES = (
    (EntryKind.opening, "期初余额导入"),
    (EntryKind.initial_deposit, "首期交存"),
    (EntryKind.top_up, "续筹"),
    (EntryKind.interest, "利息分配"),
    (EntryKind.transfer_in, "转入"),
    (EntryKind.debit, "维修使用列支"),
    (EntryKind.transfer_out, "转出"),
)


def yearly_statement(estate_id: int, year: int) -> dict:
    """The estate's statement of ``year``: the balance on 1 January, each kind's income or
    expense booked in the year, and the balance on 31 December."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    opening = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(FundEntry.amount_fen), 0)).where(
            FundEntry.estate_id == estate_id, FundEntry.booked_on < first
        )
    )
    by_kind = dict(
        db.session.execute(
            sa.select(FundEntry.kind, sa.func.sum(FundEntry.amount_fen))
            .where(
                FundEntry.estate_id == estate_id,
                FundEntry.booked_on >= first,
                FundEntry.booked_on <= last,
            )
            .group_by(FundEntry.kind)
        ).all()
    )
    balance = int(opening)
    lines = []
    for kind, label in LINES:
        amount = int(by_kind.get(kind, 0))
        income, expense = (amount, 0) if amount >= 0 else (0, -amount)
        balance += income - expense
        lines.append(
            {"item": label, "income_fen": income, "expense_fen": expense, "balance_fen": balance}
        )
    return {
        "title": f"{year} 年住宅专项维修资金收支",
        "opening_balance_fen": int(opening),
        "lines": lines,
        "total_income_fen": sum(line["income_fen"] for line in lines),
        "total_expense_fen": sum(line["expense_fen"] for line in lines),
        "closing_balance_fen": balance,
    }


def years_with_entries(estate_id: int) -> list[int]:
    """The years in which the estate's ledger has entries, ascending (a year without any
    movement has no statement of its own: its balance is carried to the next one)."""
    days = db.session.scalars(
        sa.select(FundEntry.booked_on).where(FundEntry.estate_id == estate_id).distinct()
    )
    return sorted({day.year for day in days})
