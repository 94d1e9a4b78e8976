"""The per-unit ledger: append-only entries, balances derived from them, 续筹 flags."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from backend.core.db import commit
from backend.core.errors import Invalid
from backend.fund import ledger
from backend.fund.models import EntryKind, FundEntry
from tests.conftest import STACK

DAY = date(2026, 3, 2)
THIRTY = Decimal("0.30")


def test_initial_deposit_is_area_times_rate_rounded_half_up_once(db, fund_world):
    a = fund_world.unit("89.47")
    b = fund_world.unit("120.05")
    assert ledger.post_initial_deposits(fund_world.estate.id, Decimal("123.45"), DAY) == 2
    # posting again writes nothing new
    assert ledger.post_initial_deposits(fund_world.estate.id, Decimal("123.45"), DAY) == 0
    commit()
    by_unit = {b.unit_id: b for b in ledger.balances(fund_world.estate.id).values()}
    # 89.47 × 123.45 = 11045.0715 → ¥11,045.07; 120.05 × 123.45 = 14820.1725 → ¥14,820.17
    assert by_unit[a.id].balance_fen == 1104507
    assert by_unit[b.id].balance_fen == 1482017
    assert by_unit[a.id].initial_fen == 1104507


def test_the_balance_is_the_sum_of_entries_after_any_history(db, fund_world):
    units = [fund_world.unit(f"{60 + n}.{n:02d}") for n in range(12)]
    ledger.post_initial_deposits(fund_world.estate.id, Decimal("80.00"), DAY)
    accounts = ledger.accounts_by_unit(u.id for u in units)
    rng = random.Random(20)
    expected = {u.id: 0 for u in units}
    for entry in db.session.scalars(sa.select(FundEntry)):
        expected[accounts_unit(accounts, entry.account_id)] += entry.amount_fen
    kinds = [EntryKind.top_up, EntryKind.interest, EntryKind.debit, EntryKind.transfer_out]
    for _ in range(150):
        unit = rng.choice(units)
        kind = rng.choice(kinds)
        fen = rng.randint(0, 50_000)
        ledger.post(accounts[unit.id], kind, fen, DAY)
        expected[unit.id] += -fen if kind in (EntryKind.debit, EntryKind.transfer_out) else fen
    for _ in range(3):
        ledger.split_debits(
            {u.id: u.area for u in units[:7]},
            rng.randint(1, 900_000),
            DAY,
            use_id=None,
            payment_id=None,
            estate_id=fund_world.estate.id,
        )
    commit()
    sums = dict(
        db.session.execute(
            sa.select(FundEntry.account_id, sa.func.sum(FundEntry.amount_fen)).group_by(
                FundEntry.account_id
            )
        ).all()
    )
    for balance in ledger.balances(fund_world.estate.id).values():
        assert balance.balance_fen == sums[balance.account_id]
    # the random postings above are in the sums too (debits split by area included)
    for unit in units[7:]:
        assert ledger.balance_of(accounts[unit.id]).balance_fen == expected[unit.id]


def accounts_unit(accounts, account_id):
    return next(uid for uid, a in accounts.items() if a.id == account_id)


def test_a_debit_that_overdraws_an_account_flags_it(db, fund_world):
    small = fund_world.unit("10.00")
    large = fund_world.unit("90.00")
    ledger.post_initial_deposits(fund_world.estate.id, Decimal("100.00"), DAY)  # 1000 / 9000 yuan
    ledger.split_debits(
        {small.id: small.area, large.id: large.area},
        1_100_00 * 10,  # ¥11,000: ¥1,100 and ¥9,900
        DAY,
        use_id=None,
        payment_id=None,
        estate_id=fund_world.estate.id,
    )
    commit()
    figures = {b.unit_id: b for b in ledger.balances(fund_world.estate.id).values()}
    assert figures[small.id].balance_fen == 100_000 - 110_000
    assert figures[small.id].overdrawn
    assert figures[small.id].needs_top_up(THIRTY)
    assert figures[large.id].overdrawn


def test_top_up_flag_is_below_the_share_of_the_initial_deposit_not_at_it(db, fund_world):
    at = fund_world.unit("100.00")
    below = fund_world.unit("100.00")
    ledger.post_initial_deposits(fund_world.estate.id, Decimal("100.00"), DAY)  # 1,000,000 fen
    accounts = ledger.accounts_by_unit([at.id, below.id])
    ledger.post(accounts[at.id], EntryKind.debit, 700_000, DAY)  # exactly 30% left
    ledger.post(accounts[below.id], EntryKind.debit, 700_001, DAY)  # one fen below
    commit()
    figures = {b.unit_id: b for b in ledger.balances(fund_world.estate.id).values()}
    assert figures[at.id].balance_fen == 300_000
    assert not figures[at.id].needs_top_up(THIRTY)
    assert figures[below.id].needs_top_up(THIRTY)
    assert not figures[below.id].overdrawn


def test_an_amount_must_be_a_non_negative_integer(db, fund_world):
    unit = fund_world.unit()
    ledger.open_accounts(fund_world.estate.id)
    account = ledger.accounts_by_unit([unit.id])[unit.id]
    for bad in (-1, 1.5, True):
        with pytest.raises(Invalid):
            ledger.post(account, EntryKind.top_up, bad, DAY)


def test_entries_cannot_be_changed_or_deleted_through_the_session(db, fund_world):
    unit = fund_world.unit()
    ledger.post_initial_deposits(fund_world.estate.id, Decimal("1.00"), DAY)
    commit()
    entry = db.session.scalars(sa.select(FundEntry)).one()
    entry.amount_fen = 1
    with pytest.raises(RuntimeError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.scalars(sa.select(FundEntry)).one())
    with pytest.raises(RuntimeError):
        db.session.flush()
    db.session.rollback()
    assert unit.id


@pytest.mark.skipif(STACK != "real", reason="the trigger is PostgreSQL's")
def test_postgres_refuses_a_direct_update_of_an_entry(db, fund_world):
    fund_world.unit()
    ledger.post_initial_deposits(fund_world.estate.id, Decimal("1.00"), DAY)
    commit()
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.text("UPDATE fund_entries SET amount_fen = 0"))
    db.session.rollback()
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.text("DELETE FROM fund_entries"))
    db.session.rollback()


def test_the_sign_of_an_entry_follows_its_kind_in_the_database(db, fund_world):
    unit = fund_world.unit()
    ledger.open_accounts(fund_world.estate.id)
    account = ledger.accounts_by_unit([unit.id])[unit.id]
    db.session.add(
        FundEntry(
            account_id=account.id,
            estate_id=account.estate_id,
            kind=EntryKind.debit,
            amount_fen=5,
            booked_on=DAY,
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
