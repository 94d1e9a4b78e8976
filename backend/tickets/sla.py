"""SLA: how fast a ticket must be answered and resolved, and what the events say it was.

Defaults are the design's (杭州市物业管理条例 Art. 50: a complaint is answered within ten
days); a city changes them with ``TICKET_SLA`` and a service contract with its own
:class:`SlaPolicy` rows. Response time (first staff action) and resolution time are
always derived from the ticket's events, never stored beside them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from backend.core.time import to_local
from backend.extensions import db
from backend.org.contracts import contract_in_force
from backend.tickets.models import (
    OPEN_STATES,
    SlaPolicy,
    Ticket,
    TicketEvent,
    TicketKind,
    TicketState,
    Urgency,
)

H = 60
#: (kind, urgency) → (respond, resolve) in minutes; None: no resolution deadline
DEFAULT_SLA: dict[tuple[TicketKind, Urgency], tuple[int, int | None]] = {
    (TicketKind.home_repair, Urgency.urgent): (30, 24 * H),
    (TicketKind.home_repair, Urgency.normal): (2 * H, 72 * H),
    (TicketKind.shared_repair, Urgency.urgent): (30, 24 * H),
    (TicketKind.shared_repair, Urgency.normal): (2 * H, 72 * H),
    # 杭州市物业管理条例 Art. 50: complaints are replied to within ten days
    (TicketKind.complaint, Urgency.urgent): (24 * H, 10 * 24 * H),
    (TicketKind.complaint, Urgency.normal): (24 * H, 10 * 24 * H),
    (TicketKind.report, Urgency.urgent): (24 * H, None),
    (TicketKind.report, Urgency.normal): (24 * H, None),
    # 消防法 Art. 18 and issue 23: a threat to life has the shortest limits (always urgent)
    (TicketKind.safety_hazard, Urgency.urgent): (15, 4 * H),
    (TicketKind.safety_hazard, Urgency.normal): (15, 4 * H),
}


@dataclass(frozen=True)
class Policy:
    respond: timedelta
    resolve: timedelta | None
    source: str  # "default", "city" or "contract"


def city_policy(kind: TicketKind, urgency: Urgency) -> Policy:
    """The city's limits: the defaults, overridden by ``TICKET_SLA``.

    ``TICKET_SLA`` maps ``"kind.urgency"`` to ``{"respond": minutes, "resolve": minutes}``.
    """
    respond, resolve = DEFAULT_SLA[(kind, urgency)]
    table = current_app.config.get("TICKET_SLA") or {}
    if isinstance(table, str):  # LINLI_TICKET_SLA='{"complaint.normal": {...}}'
        table = json.loads(table)
    override = table.get(f"{kind.value}.{urgency.value}")
    if override:
        respond = int(override.get("respond", respond))
        resolve = override.get("resolve", resolve)
        resolve = None if resolve is None else int(resolve)
        source = "city"
    else:
        source = "default"
    return Policy(timedelta(minutes=respond), _minutes(resolve), source)


def _minutes(value: int | None) -> timedelta | None:
    return None if value is None else timedelta(minutes=value)


def policy_for(ticket: Ticket) -> Policy:
    """The limits that bind ``ticket``: its estate's contract in force when it was made,
    else the city's."""
    contract = contract_in_force(ticket.estate_id, to_local(ticket.created_at).date())
    if contract is not None:
        row = db.session.scalars(
            sa.select(SlaPolicy).where(
                SlaPolicy.contract_id == contract.id,
                SlaPolicy.kind == ticket.kind,
                SlaPolicy.urgency == ticket.urgency,
            )
        ).first()
        if row is not None:
            return Policy(
                timedelta(minutes=row.respond_minutes), _minutes(row.resolve_minutes), "contract"
            )
    return city_policy(ticket.kind, ticket.urgency)


def policies_for(tickets) -> dict[int, Policy]:
    """:func:`policy_for` of many tickets (a queue page, every open ticket) in two queries
    whatever their number: the contracts of their estates, and those contracts' policies."""
    from backend.org.models import ServiceContract

    tickets = list(tickets)
    estate_ids = {t.estate_id for t in tickets}
    contracts: dict[int, list] = {}
    if estate_ids:
        for contract in db.session.scalars(
            sa.select(ServiceContract)
            .where(ServiceContract.estate_id.in_(estate_ids))
            .order_by(ServiceContract.id)
        ):
            contracts.setdefault(contract.estate_id, []).append(contract)
    in_force: dict[int, int | None] = {}
    for ticket in tickets:
        day = to_local(ticket.created_at).date()
        in_force[ticket.id] = next(
            (c.id for c in contracts.get(ticket.estate_id, ()) if c.starts_on <= day < c.ends_on),
            None,
        )
    rows: dict[tuple, SlaPolicy] = {}
    contract_ids = {c for c in in_force.values() if c is not None}
    if contract_ids:
        for row in db.session.scalars(
            sa.select(SlaPolicy).where(SlaPolicy.contract_id.in_(contract_ids))
        ):
            rows.setdefault((row.contract_id, row.kind, row.urgency), row)
    found = {}
    for ticket in tickets:
        row = rows.get((in_force[ticket.id], ticket.kind, ticket.urgency))
        if row is not None:
            found[ticket.id] = Policy(
                timedelta(minutes=row.respond_minutes), _minutes(row.resolve_minutes), "contract"
            )
        else:
            found[ticket.id] = city_policy(ticket.kind, ticket.urgency)
    return found


def timings(tickets, now: datetime) -> dict[int, Timing]:
    """:func:`timing` of each of ``tickets`` by id, their policies read at once (load their
    events with them: ``services.with_details``)."""
    tickets = list(tickets)
    policies = policies_for(tickets)
    return {t.id: timing(t, now, policies[t.id]) for t in tickets}


#: events by staff that are not the company's response to the resident: the 督办 cycle
#: (an officer's order, the company's answer to the officer, the officer's review); an
#: answer to the street office neither accepts nor assigns the ticket
NOT_A_RESPONSE = frozenset(
    {
        "supervision_order",
        "supervision_answer",
        "supervision_missed",
        "supervision_accept",
        "supervision_return",
    }
)


def responded_at(events: list[TicketEvent]) -> datetime | None:
    """When the company's staff first acted on the ticket (the response). Filing a ticket
    (a patrol finding, a call taken) is not its response: the clock runs from there."""
    return next(
        (
            e.at
            for e in events
            if e.staff_id is not None and e.action != "created" and e.action not in NOT_A_RESPONSE
        ),
        None,
    )


def resolved_at(events: list[TicketEvent]) -> datetime | None:
    """When the ticket was last resolved."""
    return next((e.at for e in reversed(events) if e.action == "resolve"), None)


def clock_start(ticket: Ticket, events: list[TicketEvent]) -> datetime:
    """Where the resolution clock starts: the last reopening, else the submission."""
    return next((e.at for e in reversed(events) if e.action == "reopen"), ticket.created_at)


@dataclass(frozen=True)
class Timing:
    """A ticket's timers, derived from its events at ``now``."""

    policy: Policy
    respond_due: datetime
    resolve_due: datetime | None
    response_time: timedelta | None
    resolution_time: timedelta | None
    response_overdue: bool
    resolution_overdue: bool

    @property
    def overdue(self) -> bool:
        return self.response_overdue or self.resolution_overdue


def timing(ticket: Ticket, now: datetime, policy: Policy | None = None) -> Timing:
    """Response and resolution time and overdue flags of ``ticket`` at ``now``."""
    policy = policy or policy_for(ticket)
    events = ticket.events
    first = responded_at(events)
    resolved = (
        resolved_at(events) if ticket.state in (TicketState.resolved, TicketState.closed) else None
    )
    respond_due = ticket.created_at + policy.respond
    start = clock_start(ticket, events)
    resolve_due = start + policy.resolve if policy.resolve is not None else None
    is_open = ticket.state in OPEN_STATES
    return Timing(
        policy=policy,
        respond_due=respond_due,
        resolve_due=resolve_due,
        response_time=first - ticket.created_at if first else None,
        resolution_time=resolved - ticket.created_at if resolved else None,
        response_overdue=first is None and is_open and now > respond_due,
        resolution_overdue=is_open and resolve_due is not None and now > resolve_due,
    )
