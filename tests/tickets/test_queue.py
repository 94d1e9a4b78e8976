"""The staff's ticket queue for the people who do the work (issue 19): keyword search,
sorting by due time, a view per role, page sizes, batch assignment, accept-and-assign in
one step, the technician's home page, and a bounded number of statements per page."""

from __future__ import annotations

from datetime import timedelta

from backend.core.db import commit
from backend.tickets import services
from backend.tickets.models import SlaPolicy, Ticket, TicketKind, TicketState, Urgency
from backend.tickets.services import Actor, QueueFilter
from tests.admin.conftest import login
from tests.helpers import counted_statements


def _ticket(world, **kw) -> Ticket:
    ticket = world.ticket(**kw)
    commit()
    return ticket


def _age(ticket: Ticket, **delta) -> None:
    services.db.session.execute(
        Ticket.__table__.update()
        .where(Ticket.id == ticket.id)
        .values(created_at=ticket.created_at - timedelta(**delta))
    )
    commit()


def _ids(staff, **f) -> list[int]:
    stmt = services.staff_queue(staff, QueueFilter(**f))
    return [t.id for t in services.db.session.scalars(stmt)]


def _assign(world, ticket, tech=None) -> None:
    desk = Actor(staff=world.desk)
    services.apply(desk, ticket, "accept")
    services.apply(desk, ticket, "assign", assignee_id=(tech or world.tech).id)
    commit()


def test_search_finds_a_ticket_by_number_unit_location_and_text(world):
    home = _ticket(world, description="卫生间地漏返水")
    shared = _ticket(world, kind=TicketKind.shared_repair, location="5幢地下车库入口")
    unit = home.unit

    assert _ids(world.desk, q=f"T{home.id}") == [home.id]
    # a bare number is a ticket number, or part of a unit's number
    assert shared.id in _ids(world.desk, q=str(shared.id))
    assert _ids(world.desk, q=unit.label) == [home.id]  # "1幢 201", as the tables write it
    assert _ids(world.desk, q=unit.number) == [home.id]
    assert _ids(world.desk, q="地下车库") == [shared.id]
    assert _ids(world.desk, q="地漏") == [home.id]
    assert _ids(world.desk, q="无此内容") == []
    assert _ids(world.other_desk, q=f"T{home.id}") == []  # search stays within scope


def test_search_treats_wildcards_as_text(world):
    _ticket(world, description="水管漏水")
    assert _ids(world.desk, q="%") == []
    assert _ids(world.desk, q="_") == []


def test_due_sort_puts_the_soonest_deadline_first(world):
    """A normal repair made 100 min ago is due in 20 min (2 h to respond); an urgent one
    made now is due in 30 min; a complaint made 23 h ago is due in 1 h."""
    old_normal = _ticket(world)
    _age(old_normal, minutes=100)
    urgent = _ticket(world, urgency=Urgency.urgent)
    complaint = _ticket(world, kind=TicketKind.complaint)
    _age(complaint, hours=23)
    report = _ticket(world, kind=TicketKind.report)  # 24 h to respond
    _assign(world, report)  # then no resolution limit: last

    order = _ids(world.desk, sort="due")
    assert order == [old_normal.id, urgent.id, complaint.id, report.id]
    assert _ids(world.desk, sort="priority")[0] == urgent.id
    assert _ids(world.desk, sort="created")[0] == report.id  # newest first


def test_due_sort_restarts_the_resolution_clock_at_a_reopening(world):
    """Made 71 h ago and reopened now, a repair has 72 h again: due after one made 70 h ago
    and still open (2 h left)."""
    waiting = _ticket(world)
    _assign(world, waiting)
    _age(waiting, hours=70)
    reopened = _ticket(world)
    _assign(world, reopened)
    _age(reopened, hours=71)
    services.apply(Actor(staff=world.tech), reopened, "resolve")
    services.apply(Actor(resident=world.resident), reopened, "reopen", note="还是漏水")
    commit()

    assert _ids(world.desk, sort="due") == [waiting.id, reopened.id]


def test_due_sort_follows_the_contracts_own_limits(world):
    """The contract gives normal repairs 10 minutes to respond: such a ticket made 5 min
    ago is due before an urgent one (30 min) made now."""
    services.db.session.add(
        SlaPolicy(
            contract_id=world.contract.id,
            kind=TicketKind.home_repair,
            urgency=Urgency.normal,
            respond_minutes=10,
            resolve_minutes=60,
        )
    )
    commit()
    normal = _ticket(world)
    _age(normal, minutes=5)
    urgent = _ticket(world, kind=TicketKind.shared_repair, urgency=Urgency.urgent)

    assert _ids(world.desk, sort="due") == [normal.id, urgent.id]


def test_each_role_lands_on_its_own_view(client, world):
    mine = _ticket(world)
    _assign(world, mine)
    others = _ticket(world)
    _assign(world, others, world.tech2)
    waiting = _ticket(world)

    login(client, world.tech)
    page = client.get("/admin/tickets").get_data(as_text=True)
    assert f'id="ticket-{mine.id}"' in page
    assert f'id="ticket-{others.id}"' not in page and f'id="ticket-{waiting.id}"' not in page
    assert '<option value="mine" selected>' in page

    login(client, world.desk)
    page = client.get("/admin/tickets").get_data(as_text=True)
    assert f'id="ticket-{waiting.id}"' in page and f'id="ticket-{mine.id}"' not in page
    every = client.get("/admin/tickets?view=all").get_data(as_text=True)
    assert all(f'id="ticket-{t.id}"' in every for t in (mine, others, waiting))


def test_page_size_is_chosen_from_the_offered_sizes(client, world):
    for _ in range(21):
        world.ticket()
    commit()
    login(client, world.desk)

    assert client.get("/admin/tickets").get_data(as_text=True).count('class="ticket-row') == 20
    page = client.get("/admin/tickets?per_page=50").get_data(as_text=True)
    assert page.count('class="ticket-row') == 21
    assert '<option value="50" selected>' in page
    odd = client.get("/admin/tickets?per_page=7").get_data(as_text=True)
    assert odd.count('class="ticket-row') == 20


def test_batch_assign_gives_the_chosen_tickets_to_one_technician(client, world):
    new = _ticket(world)
    accepted = _ticket(world)
    services.apply(Actor(staff=world.desk), accepted, "accept")
    closed = _ticket(world)
    services.apply(Actor(staff=world.desk), closed, "reject", note="重复提交")
    commit()
    login(client, world.desk)
    assert 'id="batch-assign"' in client.get("/admin/tickets").get_data(as_text=True)

    resp = client.post(
        "/admin/tickets/assign",
        data={
            "ticket_id": [str(new.id), str(accepted.id), str(closed.id), "999999"],
            "assignee_id": str(world.tech.id),
            "next": "/admin/tickets?view=all",
        },
    )

    assert resp.status_code == 302 and resp.headers["Location"] == "/admin/tickets?view=all"
    for ticket in (new, accepted, closed):
        services.db.session.refresh(ticket)
    assert new.state == accepted.state == TicketState.assigned
    assert new.assignee_id == accepted.assignee_id == world.tech.id
    assert [e.action for e in new.events] == ["created", "accept", "assign"]
    assert closed.state == TicketState.rejected and closed.assignee_id is None
    page = client.get("/admin/tickets?view=all").get_data(as_text=True)
    assert "已派单 2 个工单" in page
    assert f"工单 T{closed.id} 未派单" in page and "工单 T999999 未派单" in page


def test_batch_assign_refuses_another_companys_technician_and_moves_nothing(client, world):
    from tests.factories import StaffFactory

    ticket = _ticket(world)
    stranger = StaffFactory(role=world.tech.role, company=world.other_desk.company)
    commit()
    login(client, world.desk)

    client.post(
        "/admin/tickets/assign",
        data={"ticket_id": str(ticket.id), "assignee_id": str(stranger.id)},
    )

    services.db.session.refresh(ticket)
    assert ticket.state == TicketState.submitted and ticket.assignee_id is None
    assert [e.action for e in ticket.events] == ["created"]


def test_technicians_cannot_batch_assign(client, world):
    ticket = _ticket(world)
    login(client, world.tech)
    assert 'id="batch-assign"' not in client.get("/admin/tickets?view=all").get_data(as_text=True)

    client.post(
        "/admin/tickets/assign",
        data={"ticket_id": str(ticket.id), "assignee_id": str(world.tech.id)},
    )
    services.db.session.refresh(ticket)
    assert ticket.state == TicketState.submitted


def test_accept_and_assign_in_one_step(client, world):
    ticket = _ticket(world)
    login(client, world.desk)
    page = client.get(f"/admin/tickets/{ticket.id}").get_data(as_text=True)
    assert 'id="form-accept_assign"' in page

    resp = client.post(
        f"/admin/tickets/{ticket.id}/accept_assign",
        data={"assignee_id": str(world.tech2.id), "note": "今天下午上门"},
    )

    assert resp.status_code == 302
    services.db.session.refresh(ticket)
    assert ticket.state == TicketState.assigned and ticket.assignee_id == world.tech2.id
    assert [e.action for e in ticket.events] == ["created", "accept", "assign"]
    # without a technician nothing moves
    other = _ticket(world)
    resp = client.post(f"/admin/tickets/{other.id}/accept_assign", data={})
    assert resp.status_code == 422 and "请选择维修师傅" in resp.get_data(as_text=True)
    services.db.session.refresh(other)
    assert other.state == TicketState.submitted


def test_technicians_home_lists_their_tickets_due_soonest_first(client, world):
    later = _ticket(world)
    _assign(world, later)
    sooner = _ticket(world, urgency=Urgency.urgent)
    _assign(world, sooner)
    not_mine = _ticket(world)
    _assign(world, not_mine, world.tech2)
    login(client, world.tech)

    home = client.get("/admin/").get_data(as_text=True)

    assert home.index(f'id="agenda-{sooner.id}"') < home.index(f'id="agenda-{later.id}"')
    assert f'id="agenda-{not_mine.id}"' not in home
    assert 'id="todo-my_tickets">2<' in home


def test_closing_and_rejecting_ask_for_confirmation(client, world):
    ticket = _ticket(world)
    login(client, world.desk)
    page = client.get(f"/admin/tickets/{ticket.id}").get_data(as_text=True)
    assert 'id="form-reject"' in page and "确定驳回吗？" in page
    assert "confirm.js" in page


def test_the_queue_and_the_export_cost_the_same_statements_for_3_or_15_tickets(client, world):
    for _ in range(3):
        world.ticket()
    commit()
    login(client, world.admin)
    client.get("/admin/tickets?view=all&sort=due")  # warm: login, nav, first-use caches
    with counted_statements() as three:
        client.get("/admin/tickets?view=all&sort=due")
    with counted_statements() as three_export:
        client.get("/admin/tickets/export.xlsx?view=all")
    for _ in range(12):
        world.ticket()
    commit()
    with counted_statements() as fifteen:
        client.get("/admin/tickets?view=all&sort=due")
    with counted_statements() as fifteen_export:
        client.get("/admin/tickets/export.xlsx?view=all")

    assert len(fifteen) == len(three), "\n".join(fifteen)
    assert len(fifteen_export) == len(three_export), "\n".join(fifteen_export)


def test_a_technician_takes_a_new_ticket_in_one_step(client, world):
    """接单 of a 待受理 ticket: accepted and given to the technician at once (one event, the
    company's response), the resident told through the outbox."""
    import sqlalchemy as sa

    from backend.notify.models import Notification
    from backend.tickets import sla

    ticket = _ticket(world)
    login(client, world.tech)
    page = client.get(f"/admin/tickets/{ticket.id}").get_data(as_text=True)
    assert 'id="form-take"' in page

    resp = client.post(f"/admin/tickets/{ticket.id}/take", data={"note": ""})

    assert resp.status_code == 302
    services.db.session.refresh(ticket)
    assert ticket.state == TicketState.assigned and ticket.assignee_id == world.tech.id
    assert [e.action for e in ticket.events] == ["created", "take"]
    assert sla.responded_at(ticket.events) == ticket.events[-1].at
    told = services.db.session.scalars(
        sa.select(Notification).where(Notification.kind == "ticket_status_changed")
    ).all()
    assert [n.resident_id for n in told] == [world.resident.id]
    assert told[0].data["phrase3"]["value"] == "已派单"
    assert services.TAKEN_NEW in str(told[0].data)


def test_the_second_technician_to_take_a_ticket_is_told_it_is_taken(client, world):
    ticket = _ticket(world)
    services.apply(Actor(staff=world.tech), ticket, "take")
    commit()
    login(client, world.tech2)

    resp = client.post(f"/admin/tickets/{ticket.id}/take", data={"note": ""})

    assert resp.status_code == 409
    assert "已被他人接单" in resp.get_data(as_text=True)
    services.db.session.refresh(ticket)
    assert ticket.assignee_id == world.tech.id


def test_desk_and_other_companies_cannot_take(client, world):
    ticket = _ticket(world)
    login(client, world.desk)
    assert client.post(f"/admin/tickets/{ticket.id}/take", data={}).status_code == 403
    login(client, world.other_desk)
    assert client.post(f"/admin/tickets/{ticket.id}/take", data={}).status_code == 404
    services.db.session.refresh(ticket)
    assert ticket.state == TicketState.submitted


def test_the_technicians_home_shows_tickets_to_take(client, world):
    new = _ticket(world)
    accepted = _ticket(world)
    services.apply(Actor(staff=world.desk), accepted, "accept")
    taken = _ticket(world)
    services.apply(Actor(staff=world.tech2), taken, "take")
    commit()
    login(client, world.tech)

    page = client.get("/admin/").get_data(as_text=True)

    assert 'id="todo-tickets-unassigned">2<' in page
    assert f'id="takeable-{new.id}"' in page and f'id="takeable-{accepted.id}"' in page
    assert f'id="takeable-{taken.id}"' not in page
