"""seed-demo: 嘉绿景苑's fund with a completed use, a lift emergency and a use in voting."""

from __future__ import annotations

import sqlalchemy as sa

from backend.demo import seed_demo
from backend.fund import ledger, reports
from backend.fund.models import FundEntry, FundPayment, FundUse, UseKind, UseState


def test_demo_fund_shows_every_stage(db):
    seed_demo()
    found = {(u.kind, u.state): u for u in db.session.scalars(sa.select(FundUse))}
    done = found[(UseKind.ordinary, UseState.disclosed)]
    assert [p.instalment for p in done.payments] == [1, 2]
    assert (UseKind.emergency, UseState.accepted) in found  # awaiting disclosure
    assert (UseKind.ordinary, UseState.voting) in found
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FundPayment)) == 3
    estate_id = done.estate_id
    total = db.session.scalar(
        sa.select(sa.func.sum(FundEntry.amount_fen)).where(FundEntry.estate_id == estate_id)
    )
    assert sum(b.balance_fen for b in ledger.balances(estate_id).values()) == total
    years = reports.years_with_entries(estate_id)
    closing = reports.yearly_statement(estate_id, years[-1])["closing_balance_fen"]
    assert closing == total


def test_demo_interest_goes_through_the_one_split_and_the_completed_use_has_documents(db):
    from backend.fund import documents
    from backend.fund.models import EntryKind

    seed_demo()
    done = db.session.scalars(sa.select(FundUse).where(FundUse.state == UseState.disclosed)).first()
    kinds = [d.kind.value for d in documents.documents_of(done.id)]
    assert kinds == ["quote", "acceptance"]
    per_year = dict(
        db.session.execute(
            sa.select(FundEntry.reference, sa.func.count())
            .where(FundEntry.estate_id == done.estate_id, FundEntry.kind == EntryKind.interest)
            .group_by(FundEntry.reference)
        ).all()
    )
    assert set(per_year) == {"INT-2023", "INT-2024", "INT-2025"}
