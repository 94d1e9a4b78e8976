"""The staff ticket queue costs a bounded number of statements, whatever the page's size:
the SLA policies of a page (and of every open ticket, for the overdue count) are read at
once, not two queries per ticket (bench/load.py's slowest page at 200 users)."""

from __future__ import annotations

from datetime import timedelta

from backend.core.db import commit
from backend.core.time import utcnow
from backend.tickets import services, sla
from backend.tickets.models import SlaPolicy, Ticket, TicketKind, Urgency
from backend.tickets.services import Actor
from tests.admin.conftest import login
from tests.helpers import counted_statements


def _tickets(world, count: int) -> None:
    kinds = [TicketKind.home_repair, TicketKind.complaint, TicketKind.report]
    for n in range(count):
        ticket = world.ticket(kinds[n % 3], Urgency.urgent if n % 2 else Urgency.normal)
        if n % 4 == 0:
            services.apply(Actor(staff=world.desk), ticket, "accept")
    commit()


def _queue_statements(client, path: str) -> int:
    client.get(path)  # warm: the session's first request reads what every page reads
    with counted_statements() as sent:
        assert client.get(path).status_code == 200
    return len(sent)


def test_the_queue_costs_the_same_statements_for_2_or_12_tickets(client, world):
    services.db.session.add(
        SlaPolicy(
            contract_id=world.contract.id,
            kind=TicketKind.home_repair,
            urgency=Urgency.normal,
            respond_minutes=15,
            resolve_minutes=240,
        )
    )
    _tickets(world, 2)
    login(client, world.desk)
    few = {p: _queue_statements(client, p) for p in ("/admin/tickets", "/admin/tickets?overdue=1")}

    _tickets(world, 10)
    many = {p: _queue_statements(client, p) for p in few}

    assert many == few
    assert max(many.values()) <= 20, many


def test_timings_of_a_page_are_the_timings_of_each_ticket(world):
    services.db.session.add(
        SlaPolicy(
            contract_id=world.contract.id,
            kind=TicketKind.complaint,
            urgency=Urgency.urgent,
            respond_minutes=5,
            resolve_minutes=None,
        )
    )
    _tickets(world, 6)
    now = utcnow() + timedelta(hours=3)
    tickets = services.db.session.scalars(services.with_details(services.sa.select(Ticket))).all()

    assert services.queue_timings(tickets, now) == {t.id: sla.timing(t, now) for t in tickets}
    assert {p.source for p in sla.policies_for(tickets).values()} == {"contract", "default"}
