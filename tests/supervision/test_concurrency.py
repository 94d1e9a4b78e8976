"""Races only a real database shows: many tickets of one estate and day changing at once
(they share rollup rows), and a note and a rating of one ticket at the same moment."""

from __future__ import annotations

import pytest

from backend.accounts.models import Resident, Staff
from backend.core.db import commit
from backend.extensions import db as _db
from backend.supervision import rollups
from backend.tickets import services
from backend.tickets.models import Ticket
from backend.tickets.services import Actor
from tests.conftest import STACK
from tests.helpers import race

pytestmark = [
    pytest.mark.realstack,
    pytest.mark.skipif(STACK != "real", reason="real concurrency needs PostgreSQL"),
]


def test_concurrent_changes_sharing_rollup_rows_all_count(app, world):
    tickets = [world.ticket().id for _ in range(8)]
    desk_id = world.desk.id
    commit()

    def accept(i: int) -> str:
        ticket = _db.session.get(Ticket, tickets[i])
        services.apply(Actor(staff=_db.session.get(Staff, desk_id)), ticket, "accept")
        return "accepted"

    assert race(app, len(tickets), accept) == ["accepted"] * len(tickets)
    _db.session.expire_all()
    stored = rollups.stored()
    assert stored == rollups.recompute()
    assert {row["responded"] for row in stored.values()} == {8}


def test_a_note_and_a_rating_of_one_ticket_at_once_both_count(app, world):
    ticket = world.ticket()
    desk = Actor(staff=world.desk)
    services.apply(desk, ticket, "accept")
    services.apply(desk, ticket, "assign", assignee_id=world.tech.id)
    services.apply(Actor(staff=world.tech), ticket, "resolve")
    ticket_id, resident_id, desk_id = ticket.id, world.resident.id, world.desk.id
    commit()

    def act(i: int) -> str:
        mine = _db.session.get(Ticket, ticket_id)
        if i == 0:
            services.rate(_db.session.get(Resident, resident_id), mine, 4)
        else:
            services.add_note(_db.session.get(Staff, desk_id), mine, "已回访")
        return "done"

    assert race(app, 2, act) == ["done", "done"]
    _db.session.expire_all()
    assert rollups.stored() == rollups.recompute()
