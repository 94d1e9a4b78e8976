"""Tickets in the panel: the queue with filters and overdue marks, the detail with only the
allowed actions, assignment, a technician's after-photos, scope and the Excel export."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook

from backend.core.db import commit
from backend.tickets import services
from backend.tickets.models import Ticket, TicketKind, TicketState, Urgency
from backend.tickets.services import Actor
from tests.admin.conftest import login
from tests.media.conftest import jpeg


def _ticket(world, **kw) -> Ticket:
    ticket = world.ticket(**kw)
    commit()
    return ticket


def test_queue_lists_tickets_in_scope_and_marks_overdue(client, world):
    late = _ticket(world, urgency=Urgency.urgent)
    late_id = late.id
    late.created_at = late.created_at - timedelta(hours=1)  # urgent: 30 min to respond
    services.db.session.execute(
        Ticket.__table__.update().where(Ticket.id == late_id).values(created_at=late.created_at)
    )
    fresh = _ticket(world, kind=TicketKind.complaint)
    commit()
    login(client, world.desk)

    page = client.get("/admin/tickets").get_data(as_text=True)
    overdue_only = client.get("/admin/tickets?overdue=1").get_data(as_text=True)
    complaints = client.get("/admin/tickets?kind=complaint").get_data(as_text=True)

    assert f'id="ticket-{late_id}" class="ticket-row overdue"' in page
    assert f'id="ticket-{fresh.id}" class="ticket-row"' in page
    assert f"ticket-{late_id}" in overdue_only and f"ticket-{fresh.id}" not in overdue_only
    assert f"ticket-{fresh.id}" in complaints and f"ticket-{late_id}" not in complaints


def test_overdue_tickets_head_the_to_do_list_and_the_queue(client, world):
    late = _ticket(world, urgency=Urgency.urgent)
    services.db.session.execute(
        Ticket.__table__.update()
        .where(Ticket.id == late.id)
        .values(created_at=late.created_at - timedelta(hours=1))  # urgent: 30 min to respond
    )
    _ticket(world, kind=TicketKind.complaint)
    commit()
    services.flag_overdue(notify=False)  # the periodic sweep records the response alert
    commit()
    login(client, world.desk)

    home = client.get("/admin/").get_data(as_text=True)
    assert 'class="stat stat-attention stat-urgent"' in home
    assert 'id="todo-tickets-1">1<' in home and 'href="/admin/tickets?overdue=1"' in home
    assert 'id="todo-tickets-submitted">2<' in home  # both wait for acceptance
    queue = client.get("/admin/tickets").get_data(as_text=True)
    assert 'id="overdue-banner"' in queue and "1 个工单已超时" in queue

    login(client, world.other_desk)  # another company: nothing overdue of theirs
    home = client.get("/admin/").get_data(as_text=True)
    assert 'id="todo-tickets-1">0<' in home
    assert 'id="overdue-banner"' not in client.get("/admin/tickets").get_data(as_text=True)


def test_other_companys_staff_get_404(client, world):
    ticket = _ticket(world)
    login(client, world.other_desk)

    assert client.get(f"/admin/tickets/{ticket.id}").status_code == 404
    assert client.post(f"/admin/tickets/{ticket.id}/accept").status_code == 404
    assert f"ticket-{ticket.id}" not in client.get("/admin/tickets").get_data(as_text=True)
    services.db.session.refresh(ticket)
    assert ticket.state == TicketState.submitted


def test_detail_shows_only_the_allowed_actions(client, world):
    ticket = _ticket(world)
    login(client, world.desk)

    page = client.get(f"/admin/tickets/{ticket.id}").get_data(as_text=True)

    assert 'id="form-accept"' in page and 'id="form-reject"' in page
    assert 'id="form-assign"' not in page and 'id="form-resolve"' not in page


def test_desk_accepts_and_assigns_then_technician_resolves_with_after_photos(client, world, app):
    ticket = _ticket(world)
    login(client, world.desk)
    client.post(f"/admin/tickets/{ticket.id}/accept", data={"note": "已受理"})
    resp = client.post(
        f"/admin/tickets/{ticket.id}/assign", data={"assignee_id": str(world.tech.id)}
    )
    assert resp.status_code == 302
    client.post("/admin/logout")

    login(client, world.tech)
    mine = client.get("/admin/tickets/mine").get_data(as_text=True)
    assert f"my-ticket-{ticket.id}" in mine
    resp = client.post(
        f"/admin/tickets/{ticket.id}/resolve",
        data={
            "note": "已更换阀门",
            "photos": [
                (io.BytesIO(jpeg((200, 150))), "after1.jpg"),
                (io.BytesIO(jpeg((150, 200), color=(0, 0, 200))), "after2.jpg"),
            ],
        },
        content_type="multipart/form-data",
    )

    assert resp.status_code == 302
    services.db.session.expire_all()
    ticket = services.db.session.get(Ticket, ticket.id)
    assert ticket.state == TicketState.resolved
    assert len(ticket.events[-1].photos) == 2
    detail = client.get(f"/admin/tickets/{ticket.id}").get_data(as_text=True)
    assert detail.count('alt="照片') == 2


def test_hostile_after_photo_changes_nothing(client, world):
    ticket = _ticket(world)
    services.apply(Actor(staff=world.desk), ticket, "accept")
    services.apply(Actor(staff=world.desk), ticket, "assign", assignee_id=world.tech.id)
    commit()
    login(client, world.tech)

    resp = client.post(
        f"/admin/tickets/{ticket.id}/resolve",
        data={"note": "好了", "photos": [(io.BytesIO(b"<svg/>"), "x.svg")]},
        content_type="multipart/form-data",
    )

    assert resp.status_code == 422
    assert "只支持" in resp.get_data(as_text=True)
    services.db.session.expire_all()
    assert services.db.session.get(Ticket, ticket.id).state == TicketState.assigned


def test_reject_without_reason_is_refused_on_the_page(client, world):
    ticket = _ticket(world)
    login(client, world.desk)
    resp = client.post(f"/admin/tickets/{ticket.id}/reject", data={"note": ""})
    assert resp.status_code == 422
    assert "驳回须填写原因" in resp.get_data(as_text=True)


def test_street_officer_sees_only_escalated_tickets(client, world):
    quiet = _ticket(world)
    escalated = _ticket(world, kind=TicketKind.complaint)
    services.apply(Actor(resident=world.resident), escalated, "supervise", note="请督办")
    commit()
    login(client, world.street)

    page = client.get("/admin/tickets").get_data(as_text=True)

    assert f"ticket-{escalated.id}" in page and f"ticket-{quiet.id}" not in page
    assert client.get(f"/admin/tickets/{quiet.id}").status_code == 404
    detail = client.get(f"/admin/tickets/{escalated.id}").get_data(as_text=True)
    assert "form-accept" not in detail and "form-note" not in detail


def test_export_has_the_filtered_tickets(client, world):
    repair = _ticket(world)
    _ticket(world, kind=TicketKind.complaint, description='=HYPERLINK("x")')
    login(client, world.desk)

    resp = client.get("/admin/tickets/export.xlsx?kind=home_repair")
    every = client.get("/admin/tickets/export.xlsx")

    assert resp.status_code == 200
    rows = list(load_workbook(io.BytesIO(resp.data)).active.values)
    assert rows[0][0] == "编号" and [r[0] for r in rows[1:]] == [repair.id]
    sheet = load_workbook(io.BytesIO(every.data)).active
    cells = [r[7] for r in list(sheet.values)[1:]]
    # shown as typed, as text: never a formula (tests/security/test_spreadsheets.py)
    assert '=HYPERLINK("x")' in cells
    assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]


def test_technician_cannot_export(client, world):
    login(client, world.tech)
    assert client.get("/admin/tickets/export.xlsx").status_code == 403


def test_reject_is_a_danger_button_and_accept_the_primary_one(client, world):
    """Issue 19: 驳回 (it ends the resident's ticket) is not styled as the main action."""
    ticket = _ticket(world)
    login(client, world.desk)
    page = client.get(f"/admin/tickets/{ticket.id}").get_data(as_text=True)
    assert 'class="btn btn-danger" id="do-reject"' in page
    assert 'class="btn btn-primary" id="do-accept"' in page
