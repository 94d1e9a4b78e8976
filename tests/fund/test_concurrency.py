"""Races only a real database shows: the same instalment recorded twice at once."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from backend.core.db import commit, rollback
from backend.core.errors import Conflict
from backend.extensions import db
from backend.fund import ledger, uses
from backend.fund.models import FundEntry, FundPayment, FundUse, UseKind, UseState
from tests.conftest import STACK

pytestmark = [
    pytest.mark.realstack,
    pytest.mark.skipif(STACK != "real", reason="real concurrency needs PostgreSQL"),
]


def test_two_recordings_of_one_instalment_at_once_give_one_payment_and_one_set_of_debits(
    app, fund_world
):
    units = [fund_world.unit("100.00") for _ in range(20)]
    ledger.post_initial_deposits(fund_world.estate.id, Decimal("100"), date(2026, 1, 5))
    use = FundUse(
        estate_id=fund_world.estate.id,
        kind=UseKind.ordinary,
        state=UseState.bank_notified,
        title="并发划款",
        budget_fen=10_000_00,
    )
    db.session.add(use)
    db.session.flush()
    from backend.fund.models import FundUseUnit

    db.session.add_all([FundUseUnit(use_id=use.id, unit_id=u.id) for u in units])
    commit()
    use_id, bank_id = use.id, fund_world.bank.id
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def record():
        with app.app_context():
            from backend.accounts.models import Staff

            bank = db.session.get(Staff, bank_id)
            row = db.session.get(FundUse, use_id)
            barrier.wait()
            try:
                uses.record_payment(
                    bank, row, instalment=1, amount_fen=5_000_00, paid_on=date(2026, 3, 1)
                )
                commit()
                outcomes.append("ok")
            except Conflict:
                rollback()
                outcomes.append("conflict")
            except Exception as exc:  # a database refusal surfaces here if not turned into 409
                rollback()
                outcomes.append(type(exc).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=record) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FundPayment)) == 1
    debits = db.session.scalar(
        sa.select(sa.func.sum(FundEntry.amount_fen)).where(FundEntry.use_id == use_id)
    )
    assert debits == -5_000_00
    assert db.session.get(FundUse, use_id).paid_fen == 5_000_00
