"""seed-demo shows safety at once: a lift certificate expiring in 20 days, a month of
patrols with two missed points, and one open hazard on the street office's list."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from backend.accounts.models import Staff
from backend.core.time import local_today
from backend.demo import seed_demo
from backend.safety import patrols
from backend.safety.models import Equipment, PatrolCheck, PatrolRoute
from backend.tickets import services as tickets
from backend.tickets.models import OPEN_STATES, Ticket, TicketKind


def test_demo_has_patrols_with_missed_points_and_an_open_hazard(db):
    seed_demo()

    expiring = db.session.scalars(
        sa.select(Equipment).where(
            Equipment.certificate_expires_on == local_today() + timedelta(days=20)
        )
    ).all()
    assert len(expiring) == 1
    route = db.session.scalars(sa.select(PatrolRoute)).one()
    assert len(route.points) == 4
    admin = db.session.scalars(sa.select(Staff).where(Staff.username == "admin")).one()
    missed = db.session.execute(patrols.missed_query(admin)).all()
    assert len(missed) == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PatrolCheck)) > 100
    hazards = db.session.scalars(
        sa.select(Ticket).where(
            Ticket.kind == TicketKind.safety_hazard, Ticket.state.in_(OPEN_STATES)
        )
    ).all()
    assert len(hazards) == 1 and hazards[0].escalated_at is not None
    officer = db.session.scalars(sa.select(Staff).where(Staff.username == "wenxin.jiedao")).one()
    assert {t.label: t.count for t in tickets.todo(officer)}["待督办的安全隐患"] == 1
