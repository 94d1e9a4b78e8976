"""seed-demo: 文新街道's committee of three and cases in the main states."""

from __future__ import annotations

import sqlalchemy as sa

from backend.demo import seed_demo
from backend.mediation.models import CaseState, MediationCase, MediationCommittee


def test_demo_mediation(db):
    seed_demo()
    committee = db.session.scalars(sa.select(MediationCommittee)).one()
    assert len(committee.members) == 3
    states = {c.state for c in db.session.scalars(sa.select(MediationCase))}
    assert {CaseState.requested, CaseState.in_session, CaseState.in_effect} <= states
    assert CaseState.consented in states  # the overdue one
    effect = db.session.scalars(
        sa.select(MediationCase).where(MediationCase.state == CaseState.in_effect)
    ).one()
    assert effect.confirmation_reminded_at is not None
