"""How the staff's ticket queue is searched and sorted, in SQL: a keyword (ticket number,
unit as the tables write it, location or text), a view per role (mine, unassigned, open)
and an order (due soonest, newest, most urgent). :func:`backend.tickets.services.staff_queue`
composes these; nothing here reads a row.

The due time sorted on is the deadline the ticket is working towards: the response limit
while it waits for acceptance (待受理), else the resolution limit (counted from the last
reopening), from the contract's own :class:`~backend.tickets.models.SlaPolicy` when it has
one, else the city's
(:func:`backend.tickets.sla.city_policy`). Tickets with no deadline (a report has no
resolution limit) sort last.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from backend.org.models import Building, ServiceContract, Unit
from backend.org.services import unit_words
from backend.tickets import sla
from backend.tickets.models import (
    OPEN_STATES,
    SlaPolicy,
    Ticket,
    TicketEvent,
    TicketKind,
    TicketState,
    Urgency,
)

#: the orders people choose, by the value of ``?sort=`` (the first is the default)
SORTS: dict[str, str] = {
    "created": "最新提交",
    "due": "到期时间（最早在前）",
    "priority": "紧急程度",
}
#: the queue's views, by the value of ``?view=``
VIEWS: dict[str, str] = {
    "open": "未完成",
    "unassigned": "未派单",
    "mine": "我的工单",
    "all": "全部",
}
#: the state in which the deadline that runs is the response (nobody has acted yet)
AWAITING_RESPONSE = (TicketState.submitted,)
#: a ticket number as people type it: "T123", "t123" or "123"
TICKET_NO = re.compile(r"[Tt]?(\d{1,9})")


class epoch_seconds(FunctionElement):
    """Seconds since 1970 of a (naive UTC) timestamp column, on SQLite and PostgreSQL."""

    type = sa.Float()
    inherit_cache = True


@compiles(epoch_seconds)
def _epoch_default(element, compiler, **kw):
    return f"EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})"


@compiles(epoch_seconds, "sqlite")
def _epoch_sqlite(element, compiler, **kw):
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS REAL)"


def _city_minutes(which: str) -> sa.Case:
    """The city's limit (``respond`` or ``resolve``, in minutes) of each ticket's kind
    and urgency, as a CASE over the two columns."""
    whens = []
    for kind in TicketKind:
        for urgency in Urgency:
            limit = getattr(sla.city_policy(kind, urgency), which)
            minutes = None if limit is None else int(limit.total_seconds() // 60)
            whens.append(((Ticket.kind == kind) & (Ticket.urgency == urgency), minutes))
    return sa.case(*whens, else_=None)


def _contract_row(column) -> sa.Select:
    """The contract's own limit for the ticket, if its estate's contract in force on the day
    the ticket was made has a policy row for its kind and urgency (correlated to Ticket)."""
    made_on = sa.func.date(Ticket.created_at)
    return (
        sa.select(column)
        .join(ServiceContract, ServiceContract.id == SlaPolicy.contract_id)
        .where(
            ServiceContract.estate_id == Ticket.estate_id,
            ServiceContract.starts_on <= made_on,
            ServiceContract.ends_on > made_on,
            SlaPolicy.kind == Ticket.kind,
            SlaPolicy.urgency == Ticket.urgency,
        )
        .limit(1)
        .correlate(Ticket)
    )


def due_key() -> sa.ColumnElement:
    """When the running deadline falls, in epoch seconds (NULL: none runs)."""
    respond = sa.func.coalesce(
        _contract_row(SlaPolicy.respond_minutes).scalar_subquery(), _city_minutes("respond")
    )
    # a contract row with no resolution limit means none, so the city's is taken only when
    # the contract has no row at all
    resolve = sa.case(
        (
            _contract_row(SlaPolicy.id).exists(),
            _contract_row(SlaPolicy.resolve_minutes).scalar_subquery(),
        ),
        else_=_city_minutes("resolve"),
    )
    # the resolution clock restarts when the resident reopens the ticket (sla.clock_start)
    reopened = (
        sa.select(sa.func.max(TicketEvent.at))
        .where(TicketEvent.ticket_id == Ticket.id, TicketEvent.action == "reopen")
        .correlate(Ticket)
        .scalar_subquery()
    )
    return sa.case(
        (
            Ticket.state.in_(AWAITING_RESPONSE),
            epoch_seconds(Ticket.created_at) + respond * 60,
        ),
        else_=epoch_seconds(sa.func.coalesce(reopened, Ticket.created_at)) + resolve * 60,
    )


def order(stmt: sa.Select, sort: str) -> sa.Select:
    """``stmt`` in the order ``sort`` names (:data:`SORTS`), ties newest first."""
    if sort == "due":
        key = due_key()
        return stmt.order_by(
            sa.case((Ticket.state.in_(OPEN_STATES), 0), else_=1),
            sa.case((key.is_(None), 1), else_=0),
            key,
            Ticket.id.desc(),
        )
    if sort == "priority":
        return stmt.order_by(
            sa.case((Ticket.urgency == Urgency.urgent, 0), else_=1), Ticket.id.desc()
        )
    return stmt.order_by(Ticket.id.desc())


def in_view(stmt: sa.Select, view: str, staff_id: int) -> sa.Select:
    """``stmt`` restricted to the view ``view`` names (:data:`VIEWS`)."""
    if view == "mine":
        return stmt.where(Ticket.assignee_id == staff_id, Ticket.state.in_(OPEN_STATES))
    if view == "unassigned":
        return stmt.where(Ticket.assignee_id.is_(None), Ticket.state.in_(OPEN_STATES))
    if view == "open":
        return stmt.where(Ticket.state.in_(OPEN_STATES))
    return stmt


def search(stmt: sa.Select, q: str) -> sa.Select:
    """``stmt`` restricted to tickets matching the keyword ``q``: its number ("T123"), its
    unit as the tables write it ("1幢 201", "201"), its location or its description."""
    q = " ".join((q or "").split())[:60]
    if not q:
        return stmt
    conditions = [
        Ticket.description.contains(q, autoescape=True),
        Ticket.location.contains(q, autoescape=True),
    ]
    number = TICKET_NO.fullmatch(q)
    if number:
        conditions.append(Ticket.id == int(number[1]))
    building, unit_number = unit_words(q)
    if unit_number:
        units = (
            sa.select(Unit.id)
            .join(Building, Building.id == Unit.building_id)
            .where(Unit.number.contains(unit_number, autoescape=True))
        )
        if building:
            units = units.where(Building.name.contains(building, autoescape=True))
        conditions.append(Ticket.unit_id.in_(units))
    return stmt.where(sa.or_(*conditions))
