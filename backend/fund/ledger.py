"""The per-unit ledger (分户账): accounts, append-only entries, derived balances.

A balance is the sum of an account's entries, computed by the database in one grouped
query; nothing stores or edits it. Every debit of a use is split by area through
:func:`backend.fund.money.split_by_area` and written in the caller's transaction.
Services flush, never commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from backend.core.errors import Invalid
from backend.core.time import utcnow
from backend.extensions import db
from backend.fees.money import charge_fen
from backend.fund.models import DEBIT_KINDS, EntryKind, FundAccount, FundEntry
from backend.fund.money import split_by_area
from backend.org.models import Unit


@dataclass(frozen=True)
class Balance:
    """An account's figures, derived from its entries."""

    account_id: int
    unit_id: int
    balance_fen: int
    #: 首期交存 plus opening balances (what 续筹 is measured against)
    initial_fen: int

    def needs_top_up(self, threshold: Decimal) -> bool:
        """Below ``threshold`` × the initial deposit (续筹), or overdrawn."""
        if self.balance_fen < 0:
            return True
        return self.initial_fen > 0 and self.balance_fen * 1 < threshold * self.initial_fen

    @property
    def overdrawn(self) -> bool:
        return self.balance_fen < 0


def unit_key(unit_id: int) -> str:
    """The key a unit has in a split (ties between equal remainders go by it, as strings)."""
    return f"{unit_id:09d}"


def open_accounts(estate_id: int) -> int:
    """Open an account for each unit of the estate that has none; how many were opened."""
    missing = db.session.scalars(
        sa.select(Unit.id).where(
            Unit.estate_id == estate_id,
            ~sa.exists().where(FundAccount.unit_id == Unit.id),
        )
    ).all()
    now = utcnow()
    if missing:
        db.session.execute(
            sa.insert(FundAccount),
            [{"estate_id": estate_id, "unit_id": uid, "opened_at": now} for uid in missing],
        )
    return len(missing)


def accounts_by_unit(unit_ids: Iterable[int]) -> dict[int, FundAccount]:
    """The accounts of ``unit_ids`` (units without one are missing from the result)."""
    ids = list(unit_ids)
    rows = db.session.scalars(sa.select(FundAccount).where(FundAccount.unit_id.in_(ids)))
    return {account.unit_id: account for account in rows}


def post(
    account: FundAccount,
    kind: EntryKind,
    amount_fen: int,
    booked_on: date,
    *,
    actor=None,
    memo: str = "",
    reference: str = "",
    use_id: int | None = None,
) -> FundEntry:
    """Append one entry; ``amount_fen`` is given as a magnitude, its sign follows ``kind``."""
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen < 0:
        raise Invalid("金额须为非负整数（分）")
    entry = FundEntry(
        account_id=account.id,
        estate_id=account.estate_id,
        kind=kind,
        amount_fen=-amount_fen if kind in DEBIT_KINDS else amount_fen,
        booked_on=booked_on,
        memo=memo,
        reference=reference,
        use_id=use_id,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def post_initial_deposits(
    estate_id: int, rate_yuan_per_m2: Decimal, booked_on: date, *, actor=None, reference=""
) -> int:
    """首期交存: each account of the estate without one gets ``area × rate`` (fen, half-up
    once, ``fees.money.charge_fen``; 165号令 Art. 7). Returns how many were posted."""
    open_accounts(estate_id)
    rows = db.session.execute(
        sa.select(FundAccount.id, Unit.area)
        .join(Unit, Unit.id == FundAccount.unit_id)
        .where(
            FundAccount.estate_id == estate_id,
            ~sa.exists().where(
                FundEntry.account_id == FundAccount.id,
                FundEntry.kind == EntryKind.initial_deposit,
            ),
        )
    ).all()
    _insert(
        [
            _row(
                account_id,
                estate_id,
                EntryKind.initial_deposit,
                charge_fen(Decimal(area), rate_yuan_per_m2),
                booked_on,
                actor,
                memo="首期交存",
                reference=reference,
            )
            for account_id, area in rows
        ]
    )
    return len(rows)


def split_debits(
    unit_areas: dict[int, Decimal],
    total_fen: int,
    booked_on: date,
    *,
    use_id: int,
    payment_id: int,
    estate_id: int,
    actor=None,
    reference: str = "",
    memo: str = "",
) -> dict[int, int]:
    """Debit ``total_fen`` from the accounts of ``unit_areas`` (unit id → area), split by
    area to the fen (:func:`split_by_area`), in bulk; unit id → fen debited.

    Every unit must have an account; a debit may take an account below zero, which then
    shows as overdrawn (and needing 续筹) in :func:`balances`.
    """
    shares = split_by_area(total_fen, {unit_key(uid): area for uid, area in unit_areas.items()})
    accounts = dict(
        db.session.execute(
            sa.select(FundAccount.unit_id, FundAccount.id).where(
                FundAccount.unit_id.in_(list(unit_areas))
            )
        ).all()
    )
    missing = set(unit_areas) - set(accounts)
    if missing:
        raise Invalid(f"列支范围内有 {len(missing)} 户尚未建立分户账")
    by_unit = {uid: shares[unit_key(uid)] for uid in unit_areas}
    _insert(
        [
            {
                **_row(
                    accounts[uid],
                    estate_id,
                    EntryKind.debit,
                    -fen,
                    booked_on,
                    actor,
                    memo=memo,
                    reference=reference,
                ),
                "use_id": use_id,
                "payment_id": payment_id,
            }
            for uid, fen in by_unit.items()
            if fen
        ]
    )
    return by_unit


def balances(estate_id: int, account_ids: Iterable[int] | None = None) -> dict[int, Balance]:
    """Every account of the estate (or just ``account_ids``) with its derived figures."""
    initial = sa.func.coalesce(
        sa.func.sum(
            sa.case(
                (
                    FundEntry.kind.in_([EntryKind.initial_deposit, EntryKind.opening]),
                    FundEntry.amount_fen,
                ),
                else_=0,
            )
        ),
        0,
    )
    stmt = (
        sa.select(
            FundAccount.id,
            FundAccount.unit_id,
            sa.func.coalesce(sa.func.sum(FundEntry.amount_fen), 0),
            initial,
        )
        .outerjoin(FundEntry, FundEntry.account_id == FundAccount.id)
        .where(FundAccount.estate_id == estate_id)
        .group_by(FundAccount.id, FundAccount.unit_id)
    )
    if account_ids is not None:
        stmt = stmt.where(FundAccount.id.in_(list(account_ids)))
    return {
        account_id: Balance(account_id, unit_id, int(total), int(first))
        for account_id, unit_id, total, first in db.session.execute(stmt)
    }


def balance_of(account: FundAccount) -> Balance:
    """One account's figures."""
    return balances(account.estate_id, [account.id])[account.id]


def _row(account_id, estate_id, kind, amount_fen, booked_on, actor, *, memo="", reference=""):
    return {
        "account_id": account_id,
        "estate_id": estate_id,
        "kind": kind,
        "amount_fen": amount_fen,
        "booked_on": booked_on,
        "memo": memo,
        "reference": reference,
        "use_id": None,
        "payment_id": None,
        "created_by_id": getattr(actor, "id", None),
        "created_at": utcnow(),
    }


def _insert(rows: list[dict]) -> None:
    if rows:
        db.session.execute(sa.insert(FundEntry), rows)


def allocate_interest(
    estate_id: int, total_fen: int, booked_on: date, *, reference: str, actor=None
) -> dict[int, int]:
    """Allocate the bank's interest on the estate's fund (``total_fen``) to its units'
    accounts, split by area to the fen through :func:`split_by_area` (the one money rule:
    the parts add up to the bank's figure exactly); unit id → fen credited.

    Interest belongs to the fund and is rolled into the owners' accounts (165号令 Art. 26:
    the fund's deposit interest is transferred into it). Every unit with an account takes
    part. ``reference`` is the bank's reference of the interest credit: the same reference
    is allocated once (409 the second time).
    """
    from backend.core.errors import Conflict

    if isinstance(total_fen, bool) or not isinstance(total_fen, int) or total_fen <= 0:
        raise Invalid("利息金额须为正整数（分）", {"amount": ["须为正数"]})
    reference = (reference or "").strip()
    if not reference or len(reference) > 60:
        raise Invalid("请填写银行结息流水号（最多 60 字）", {"reference": ["必填"]})
    already = db.session.scalar(
        sa.select(sa.func.count()).where(
            FundEntry.estate_id == estate_id,
            FundEntry.kind == EntryKind.interest,
            FundEntry.reference == reference,
        )
    )
    if already:
        raise Conflict(f"结息流水号 {reference} 已分配过")
    rows = db.session.execute(
        sa.select(FundAccount.id, FundAccount.unit_id, Unit.area)
        .join(Unit, Unit.id == FundAccount.unit_id)
        .where(FundAccount.estate_id == estate_id)
    ).all()
    usable = [(account_id, unit_id, area) for account_id, unit_id, area in rows if area > 0]
    if not usable:
        raise Invalid("本小区尚无可分配利息的分户账（须有面积）")
    shares = split_by_area(
        total_fen, {unit_key(unit_id): Decimal(area) for _, unit_id, area in usable}
    )
    by_unit = {unit_id: shares[unit_key(unit_id)] for _, unit_id, _ in usable}
    _insert(
        [
            _row(
                account_id,
                estate_id,
                EntryKind.interest,
                by_unit[unit_id],
                booked_on,
                actor,
                memo="利息分配",
                reference=reference,
            )
            for account_id, unit_id, _ in usable
            if by_unit[unit_id]
        ]
    )
    return by_unit
