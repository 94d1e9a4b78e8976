"""Tickets no resident reported: filed by staff (a patrol finding, the desk taking a call) or
from a partner's channel (12345, Open311, 网格). They have no resident: nobody is told as a
resident, nobody rates them, no resident sees them; the panel shows where they came from."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from backend.audit.models import AuditEntry
from backend.core.db import commit
from backend.core.errors import NotFound
from backend.extensions import db
from backend.notify.models import Notification
from backend.supervision import orders
from backend.tickets import services
from backend.tickets.models import Ticket, TicketKind, TicketSource, TicketState
from backend.tickets.services import Actor
from tests.admin.conftest import login


def _filed(world, source=TicketSource.staff, **kw) -> Ticket:
    fields = {
        "estate_id": world.estate.id,
        "kind": TicketKind.shared_repair,
        "description": "2幢楼道灯不亮",
        "location": "2幢一单元",
        "staff": world.desk,
    }
    fields.update(kw)
    ticket, created = services.file_ticket(source, **fields)
    assert created
    return ticket


def test_staff_files_a_ticket_without_a_resident(world):
    ticket = _filed(world)

    assert ticket.resident_id is None and ticket.filed_by_id == world.desk.id
    assert ticket.source == TicketSource.staff and ticket.state == TicketState.submitted
    created = ticket.events[0]
    assert created.action == "created" and created.staff_id == world.desk.id
    assert "物业工作人员" in ticket.reporter_label and world.desk.name in ticket.reporter_label
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "ticket.file"))
    assert entry.one().entity_id == str(ticket.id)


def test_its_progress_tells_no_resident_and_nobody_rates_it(world):
    ticket = _filed(world)
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Notification))
    services.apply(Actor(staff=world.desk), ticket, "accept")
    services.apply(Actor(staff=world.desk), ticket, "assign", assignee_id=world.tech.id)
    services.apply(Actor(staff=world.tech), ticket, "resolve", note="已换灯")
    services.apply(Actor(staff=world.desk), ticket, "close")

    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == before
    with pytest.raises(NotFound):
        services.rate(world.resident, ticket, 5)
    with pytest.raises(NotFound):
        services.resident_ticket(world.resident, ticket.id)
    assert ticket.id not in db.session.scalars(services.resident_tickets(world.resident)).all()
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.execute(sa.update(Ticket).where(Ticket.id == ticket.id).values(rating=5))


def test_a_partners_case_is_imported_once(world):
    first = _filed(world, source=TicketSource.hotline, source_ref="12345-2026-0001", staff=None)
    again, created = services.file_ticket(
        TicketSource.hotline,
        estate_id=world.estate.id,
        kind=TicketKind.shared_repair,
        description="2幢楼道灯不亮",
        location="2幢一单元",
        source_ref="12345-2026-0001",
    )
    other = _filed(world, source=TicketSource.open311, source_ref="12345-2026-0001", staff=None)

    assert not created and again.id == first.id and other.id != first.id
    assert first.filed_by_id is None and first.events[0].staff_id is None
    assert first.reporter_label == "12345 热线 12345-2026-0001"


def test_the_database_keeps_resident_and_source_together(world):
    ticket = world.ticket(kind=TicketKind.shared_repair)
    assert ticket.source == TicketSource.resident and ticket.resident_id is not None
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.execute(sa.update(Ticket).where(Ticket.id == ticket.id).values(resident_id=None))
    filed = _filed(world)
    with pytest.raises(sa.exc.IntegrityError), db.session.begin_nested():
        db.session.execute(
            sa.update(Ticket).where(Ticket.id == filed.id).values(resident_id=world.resident.id)
        )


def test_a_supervision_answer_on_a_filed_ticket_tells_nobody(world):
    ticket = _filed(world, kind=TicketKind.complaint)
    services.apply(services.SYSTEM, ticket, "escalate", note="超时")
    order = orders.issue_order(
        world.street, ticket.id, "请三日内处理", ticket.created_at.replace(year=2099)
    )
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Notification))

    orders.answer_order(world.desk, order.id, "已处理")

    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == before


def test_the_panel_shows_where_a_ticket_came_from(client, world):
    ticket = _filed(world, source=TicketSource.grid, source_ref="WG-7", staff=None)
    commit()
    login(client, world.desk)

    page = client.get(f"/admin/tickets/{ticket.id}").get_data(as_text=True)
    queue = client.get("/admin/tickets").get_data(as_text=True)

    assert '<dd id="ticket-source">网格员 WG-7</dd>' in page
    assert "网格员" in queue
