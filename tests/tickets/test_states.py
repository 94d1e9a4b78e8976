"""The state machine: every allowed move works, every other move is refused unchanged."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from backend.core.errors import Conflict, Forbidden, Invalid
from backend.tickets import services
from backend.tickets.models import Ticket, TicketEvent, TicketKind, TicketState
from backend.tickets.services import SYSTEM, Actor
from backend.tickets.states import ACTIONS

S = TicketState

#: every allowed (state, action) → state of the design
ALLOWED = {
    (S.submitted, "accept"): S.accepted,
    (S.reopened, "accept"): S.accepted,
    (S.submitted, "reject"): S.rejected,
    (S.accepted, "reject"): S.rejected,
    (S.reopened, "reject"): S.rejected,
    (S.accepted, "assign"): S.assigned,
    (S.assigned, "assign"): S.assigned,
    (S.reopened, "assign"): S.assigned,
    (S.escalated, "assign"): S.assigned,
    (S.submitted, "take"): S.assigned,
    (S.accepted, "take"): S.assigned,
    (S.reopened, "take"): S.assigned,
    (S.escalated, "take"): S.assigned,
    (S.assigned, "start"): S.in_progress,
    (S.assigned, "resolve"): S.resolved,
    (S.in_progress, "resolve"): S.resolved,
    (S.escalated, "resolve"): S.resolved,
    (S.resolved, "close"): S.closed,
    (S.resolved, "reopen"): S.reopened,
    (S.closed, "reopen"): S.reopened,
    (S.submitted, "escalate"): S.escalated,
    (S.accepted, "escalate"): S.escalated,
    (S.assigned, "escalate"): S.escalated,
    (S.in_progress, "escalate"): S.escalated,
    (S.reopened, "escalate"): S.escalated,
    (S.submitted, "supervise"): S.escalated,
    (S.accepted, "supervise"): S.escalated,
    (S.assigned, "supervise"): S.escalated,
    (S.in_progress, "supervise"): S.escalated,
    (S.reopened, "supervise"): S.escalated,
}

ALL = [(state, action) for state in S for action in ACTIONS]


def _actor(world, action: str) -> Actor:
    if action in ("take", "start", "resolve"):
        return Actor(staff=world.tech)
    if action in ("reopen", "supervise"):
        return Actor(resident=world.resident)
    if action == "escalate":
        return SYSTEM
    return Actor(staff=world.desk)


def _ticket_in(world, state: S) -> Ticket:
    """A complaint put straight into ``state``, assigned to ``world.tech``, resolved just now
    if resolved or closed (so that a reopen is within its window)."""
    ticket = world.ticket(TicketKind.complaint)
    if state in (S.resolved, S.closed):
        services._record(ticket, "resolve", S.in_progress, S.resolved, staff_id=world.tech.id)
    services.db.session.execute(
        sa.update(Ticket)
        .where(Ticket.id == ticket.id)
        .values(state=state, assignee_id=world.tech.id)
    )
    services.db.session.refresh(ticket)
    return ticket


def _kwargs(world, action: str) -> dict:
    if action == "assign":
        return {"assignee_id": world.tech2.id}
    if action in ("reject", "reopen"):
        return {"note": "原因"}
    return {}


@pytest.mark.parametrize(("state", "action"), ALL, ids=[f"{s}-{a}" for s, a in ALL])
def test_every_transition_is_allowed_or_refused_as_designed(world, state, action):
    ticket = _ticket_in(world, state)
    events_before = len(ticket.events)

    if (state, action) in ALLOWED:
        event = services.apply(_actor(world, action), ticket, action, **_kwargs(world, action))
        assert ticket.state == ALLOWED[(state, action)]
        assert (event.from_state, event.to_state) == (state.value, ticket.state.value)
    else:
        with pytest.raises(Conflict):
            services.apply(_actor(world, action), ticket, action, **_kwargs(world, action))
        services.db.session.refresh(ticket)
        assert ticket.state == state
        assert len(ticket.events) == events_before


def test_reject_needs_a_reason(world):
    ticket = world.ticket()
    with pytest.raises(Invalid, match="原因"):
        services.apply(Actor(staff=world.desk), ticket, "reject", note="  ")
    assert ticket.state == S.submitted


@pytest.mark.parametrize(
    ("who", "action"),
    [
        ("tech", "accept"),
        ("street", "accept"),
        ("desk", "take"),
        ("resident", "accept"),
        ("desk", "reopen"),
        ("desk", "escalate"),
        ("tech", "close"),
    ],
)
def test_roles_may_only_do_their_own_actions(world, who, action):
    ticket = world.ticket()
    actor = (
        Actor(resident=world.resident) if who == "resident" else Actor(staff=getattr(world, who))
    )
    with pytest.raises(Forbidden):
        services.apply(actor, ticket, action, note="x")


def test_only_the_assigned_technician_starts_or_resolves(world):
    ticket = world.ticket()
    services.apply(Actor(staff=world.desk), ticket, "accept")
    services.apply(Actor(staff=world.desk), ticket, "assign", assignee_id=world.tech.id)

    with pytest.raises(Forbidden):
        services.apply(Actor(staff=world.tech2), ticket, "start")
    services.apply(Actor(staff=world.tech), ticket, "start")
    assert ticket.state == S.in_progress


def test_a_taken_ticket_cannot_be_taken_again(world):
    ticket = world.ticket()
    services.apply(Actor(staff=world.desk), ticket, "accept")
    # another technician takes it after this one read it as "accepted"
    services.db.session.execute(
        sa.update(Ticket)
        .where(Ticket.id == ticket.id)
        .values(state=S.assigned, assignee_id=world.tech.id)
        .execution_options(synchronize_session=False)
    )
    assert ticket.state == S.accepted

    with pytest.raises(Conflict, match="刷新"):
        services.apply(Actor(staff=world.tech2), ticket, "take")
    services.db.session.refresh(ticket)
    assert ticket.assignee_id == world.tech.id
    assert [e.action for e in ticket.events] == ["created", "accept"]


def test_only_the_residents_own_ticket_is_reopened(world):
    from tests.factories import ResidentFactory

    ticket = _ticket_in(world, S.resolved)
    with pytest.raises(Forbidden):
        services.apply(Actor(resident=ResidentFactory()), ticket, "reopen", note="不满意")


def test_assign_only_to_a_technician_of_the_estates_company(world):
    ticket = world.ticket()
    services.apply(Actor(staff=world.desk), ticket, "accept")
    from tests.factories import StaffFactory

    outsider = StaffFactory(role="technician", company=world.other_desk.company)
    for bad in (outsider.id, world.desk.id, None):
        with pytest.raises(Invalid):
            services.apply(Actor(staff=world.desk), ticket, "assign", assignee_id=bad)
    assert ticket.state == S.accepted


def test_supervision_is_for_complaints_only(world):
    ticket = world.ticket(TicketKind.shared_repair)
    with pytest.raises(Invalid, match="投诉"):
        services.apply(Actor(resident=world.resident), ticket, "supervise")


def test_events_are_append_only(world):
    ticket = world.ticket()
    services.db.session.commit()
    event = ticket.events[0]
    event.note = "改写"
    with pytest.raises(RuntimeError, match="append-only"):
        services.db.session.flush()
    services.db.session.rollback()
    assert (
        services.db.session.scalar(sa.select(TicketEvent.note).where(TicketEvent.id == event.id))
        != "改写"
    )
