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


def test_demo_open311_partners(db):
    from backend.open311 import services
    from backend.open311.models import ServiceRequest

    seed_demo()
    partner = services.partner_for("o311_demo_hotline_wenxin")
    assert partner is not None and partner.name == "西湖区12345热线"
    requests = db.session.scalars(sa.select(ServiceRequest)).all()
    assert {r.service_code for r in requests} == {"shared_repair", "safety"}
    assert all(r.ticket_id for r in requests)
