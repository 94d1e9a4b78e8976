"""SLA with a controlled clock: times come from the events, overdue tickets are flagged
once, overdue resolutions go to the street office, contracts and cities set the limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from backend.tickets import services, sla
from backend.tickets.models import SlaPolicy, TicketKind, TicketState, Urgency
from backend.tickets.services import Actor, QueueFilter

T0 = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


@pytest.fixture
def at_t0(monkeypatch):
    monkeypatch.setattr(services, "utcnow", lambda: T0)


def test_response_and_resolution_times_come_from_the_events(world, at_t0):
    ticket = world.ticket()
    desk = Actor(staff=world.desk)
    services.apply(desk, ticket, "accept", now=T0 + timedelta(minutes=20))
    services.apply(desk, ticket, "assign", assignee_id=world.tech.id, now=T0 + timedelta(hours=1))
    services.apply(Actor(staff=world.tech), ticket, "resolve", now=T0 + timedelta(hours=5))

    timing = sla.timing(ticket, T0 + timedelta(days=1))

    assert timing.response_time == timedelta(minutes=20)
    assert timing.resolution_time == timedelta(hours=5)
    assert not timing.overdue


def test_design_defaults(world, app):
    h = timedelta(hours=1)
    expect = {
        (TicketKind.home_repair, Urgency.urgent): (timedelta(minutes=30), 24 * h),
        (TicketKind.shared_repair, Urgency.normal): (2 * h, 72 * h),
        (TicketKind.complaint, Urgency.normal): (24 * h, timedelta(days=10)),
        (TicketKind.report, Urgency.normal): (24 * h, None),
    }
    for (kind, urgency), (respond, resolve) in expect.items():
        policy = sla.city_policy(kind, urgency)
        assert (policy.respond, policy.resolve) == (respond, resolve)


def test_urgent_repair_response_is_overdue_after_exactly_30_minutes(world, at_t0):
    ticket = world.ticket(urgency=Urgency.urgent)
    assert not sla.timing(ticket, T0 + timedelta(minutes=30)).response_overdue
    assert sla.timing(ticket, T0 + timedelta(minutes=30, seconds=1)).response_overdue


def test_overdue_response_alerts_the_company_once(world, at_t0):
    ticket = world.ticket(urgency=Urgency.urgent)
    late = T0 + timedelta(minutes=31)

    assert services.flag_overdue(late) == (1, 0)
    assert services.flag_overdue(late + timedelta(minutes=5)) == (0, 0)
    assert [e.action for e in ticket.events] == ["created", "response_overdue"]
    assert ticket.state == TicketState.submitted
    queue = services.staff_queue(world.desk, QueueFilter(overdue=True), now=late)
    assert [t.id for t in services.db.session.scalars(queue)] == [ticket.id]


def test_answered_ticket_is_not_response_overdue(world, at_t0):
    ticket = world.ticket(urgency=Urgency.urgent)
    services.apply(Actor(staff=world.desk), ticket, "accept", now=T0 + timedelta(minutes=29))
    assert services.flag_overdue(T0 + timedelta(hours=2)) == (0, 0)


def test_overdue_resolution_escalates_to_the_streets_list(world, at_t0):
    ticket = world.ticket()  # normal home repair: resolve within 72 h
    services.apply(Actor(staff=world.desk), ticket, "accept", now=T0 + timedelta(minutes=10))

    assert services.flag_overdue(T0 + timedelta(hours=72)) == (0, 0)
    late = T0 + timedelta(hours=72, minutes=1)
    assert services.flag_overdue(late) == (0, 1)
    assert services.flag_overdue(late + timedelta(hours=1)) == (0, 0)

    assert ticket.state == TicketState.escalated
    assert ticket.escalated_at == late
    street = services.db.session.scalars(services.staff_queue(world.street, QueueFilter()))
    assert [t.id for t in street] == [ticket.id]
    assert ticket.events[-1].action == "escalate" and ticket.events[-1].staff_id is None


def test_report_has_no_resolution_deadline(world, at_t0):
    ticket = world.ticket(TicketKind.report)
    services.apply(Actor(staff=world.desk), ticket, "accept", now=T0 + timedelta(hours=1))
    assert services.flag_overdue(T0 + timedelta(days=60)) == (0, 0)


def test_contract_overrides_the_city(world, at_t0):
    services.db.session.add(
        SlaPolicy(
            contract_id=world.contract.id,
            kind=TicketKind.home_repair,
            urgency=Urgency.normal,
            respond_minutes=15,
            resolve_minutes=240,
        )
    )
    ticket = world.ticket()

    policy = sla.policy_for(ticket)

    assert (policy.respond, policy.resolve, policy.source) == (
        timedelta(minutes=15),
        timedelta(hours=4),
        "contract",
    )
    assert sla.timing(ticket, T0 + timedelta(minutes=16)).response_overdue


def test_city_config_overrides_the_defaults(world, app, monkeypatch, at_t0):
    monkeypatch.setitem(app.config, "TICKET_SLA", {"complaint.normal": {"respond": 720}})
    policy = sla.city_policy(TicketKind.complaint, Urgency.normal)
    assert (policy.respond, policy.resolve, policy.source) == (
        timedelta(hours=12),
        timedelta(days=10),
        "city",
    )


def test_reopened_ticket_restarts_the_resolution_clock(world, at_t0):
    ticket = world.ticket()
    desk, tech = Actor(staff=world.desk), Actor(staff=world.tech)
    services.apply(desk, ticket, "accept", now=T0 + timedelta(minutes=5))
    services.apply(desk, ticket, "assign", assignee_id=world.tech.id, now=T0 + timedelta(hours=1))
    services.apply(tech, ticket, "resolve", now=T0 + timedelta(hours=70))
    reopened = T0 + timedelta(hours=71)
    services.apply(Actor(resident=world.resident), ticket, "reopen", note="没修好", now=reopened)

    assert not sla.timing(ticket, reopened + timedelta(hours=71)).resolution_overdue
    assert sla.timing(ticket, reopened + timedelta(hours=72, seconds=1)).resolution_overdue


def test_reopen_only_within_seven_days_of_resolution(world, at_t0):
    from backend.core.errors import Conflict

    ticket = world.ticket()
    desk = Actor(staff=world.desk)
    services.apply(desk, ticket, "accept", now=T0)
    services.apply(desk, ticket, "assign", assignee_id=world.tech.id, now=T0)
    services.apply(Actor(staff=world.tech), ticket, "resolve", now=T0)
    resident = Actor(resident=world.resident)

    with pytest.raises(Conflict, match="7 天"):
        services.apply(resident, ticket, "reopen", note="x", now=T0 + timedelta(days=7, seconds=1))
    services.apply(resident, ticket, "reopen", note="x", now=T0 + timedelta(days=7))
    assert ticket.state == TicketState.reopened
