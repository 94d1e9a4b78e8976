"""Races only a real database shows: technicians taking one ticket, a double submission."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from backend.accounts.models import Resident, Staff, StaffRole
from backend.core.db import commit
from backend.extensions import db as _db
from backend.tickets import services
from backend.tickets.models import Ticket, TicketEvent, TicketKind
from backend.tickets.services import Actor
from tests.conftest import STACK
from tests.factories import StaffFactory
from tests.helpers import race

pytestmark = [
    pytest.mark.realstack,
    pytest.mark.skipif(STACK != "real", reason="real concurrency needs PostgreSQL"),
]


def test_concurrent_takes_of_one_ticket_let_exactly_one_succeed(app, world):
    ticket = world.ticket()
    services.apply(Actor(staff=world.desk), ticket, "accept")
    techs = [world.tech.id, world.tech2.id] + [
        StaffFactory(role=StaffRole.technician, company=world.estate.company).id for _ in range(4)
    ]
    ticket_id = ticket.id
    commit()

    def take(i: int) -> str:
        staff = _db.session.get(Staff, techs[i])
        mine = _db.session.get(Ticket, ticket_id)
        services.apply(Actor(staff=staff), mine, "take")
        return "took"

    outcomes = race(app, len(techs), take)

    assert sorted(outcomes) == ["refused"] * (len(techs) - 1) + ["took"]
    _db.session.expire_all()
    takes = _db.session.scalars(
        sa.select(TicketEvent).where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.action == "take"
        )
    ).all()
    assert len(takes) == 1
    assert _db.session.get(Ticket, ticket_id).assignee_id == takes[0].staff_id


def test_same_idempotency_key_at_once_gives_one_ticket(app, world):
    resident_id, unit_id = world.resident.id, world.residency.unit_id
    commit()

    def submit(_i: int) -> str:
        resident = _db.session.get(Resident, resident_id)
        ticket, created = services.create_ticket(
            resident,
            kind=TicketKind.home_repair,
            description="漏水",
            unit_id=unit_id,
            idempotency_key="same-key",
        )
        return f"{ticket.id}:{created}"

    outcomes = race(app, 5, submit)

    assert len({o.split(":")[0] for o in outcomes}) == 1
    assert sum(o.endswith("True") for o in outcomes) == 1
    assert _db.session.scalar(sa.select(sa.func.count(Ticket.id))) == 1


def test_two_technicians_taking_a_new_ticket_give_one_winner_and_a_clear_409(app, world):
    """接单 of a 待受理 ticket by several technicians at once: one takes it (accepted and
    assigned in one step), every other one is told 409 已被他人接单 and nothing else moves."""
    from backend.core.errors import Conflict

    ticket = world.ticket()
    techs = [world.tech.id, world.tech2.id] + [
        StaffFactory(role=StaffRole.technician, company=world.estate.company).id for _ in range(3)
    ]
    ticket_id = ticket.id
    commit()

    def take(i: int) -> str:
        staff = _db.session.get(Staff, techs[i])
        mine = _db.session.get(Ticket, ticket_id)
        try:
            services.apply(Actor(staff=staff), mine, "take")
        except Conflict as exc:
            return f"{exc.status} {exc.message}"
        return "took"

    outcomes = race(app, len(techs), take)

    assert sorted(outcomes) == [f"409 {services.TAKEN}"] * (len(techs) - 1) + ["took"]
    _db.session.expire_all()
    events = _db.session.scalars(
        sa.select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
    ).all()
    assert [e.action for e in events] == ["created", "take"]
    stored = _db.session.get(Ticket, ticket_id)
    assert stored.state.value == "assigned" and stored.assignee_id == events[-1].staff_id


def test_two_urges_at_once_count_once_and_the_other_is_told_to_wait(app, world):
    """催办 twice at the same moment (the resident and her son, or a double tap): one
    conditional UPDATE decides, so the ticket is urged once, the timeline has one urge, and
    the other is refused with 「已催办，请于 24 小时后再试」 (409)."""
    from backend.core.errors import Conflict

    ticket_id, resident_id = world.ticket().id, world.resident.id
    commit()

    def urge(_i: int) -> str:
        resident = _db.session.get(Resident, resident_id)
        mine = _db.session.get(Ticket, ticket_id)
        try:
            services.urge(resident, mine)
        except Conflict as refused:
            assert refused.status == 409
            return refused.message
        return "urged"

    outcomes = race(app, 4, urge)

    assert sorted(outcomes) == ["urged"] + ["已催办，请于 24 小时后再试"] * 3
    _db.session.expire_all()
    assert _db.session.get(Ticket, ticket_id).urge_count == 1
    urges = _db.session.scalars(
        sa.select(TicketEvent).where(
            TicketEvent.ticket_id == ticket_id, TicketEvent.action == "urge"
        )
    ).all()
    assert len(urges) == 1
