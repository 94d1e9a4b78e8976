"""The overdue list: open tickets of the jurisdiction that are on the street office's list
(escalated) or were flagged late, with their ages, sortable, and its Excel export."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from backend.authz import scope
from backend.core.errors import Invalid
from backend.core.time import to_local, utcnow
from backend.extensions import db
from backend.org.models import Estate
from backend.supervision.models import SupervisionOrder, TicketFact
from backend.supervision.orders import UNANSWERED
from backend.tickets import sla
from backend.tickets.models import OPEN_STATES, Ticket

#: at most this many rows are listed or exported at once (filter by estate first)
MAX_ROWS = 5000
SORTS = {
    "age": "提交至今",
    "late": "超时时长",
    "escalated": "上报时间",
    "estate": "小区",
    "company": "物业企业",
}


@dataclass
class OverdueRow:
    ticket_id: int
    estate_id: int
    estate: str
    company_id: int | None
    company: str
    kind: str
    kind_label: str
    urgency_label: str
    state_label: str
    created_at: datetime
    escalated_at: datetime | None
    #: hours since submission
    age_hours: float
    #: hours past the deadline that binds now (resolution, else response); 0 if none passed
    late_hours: float
    open_orders: int
    #: the state of the ticket's latest 督办 order (待回复, 已回复, …), "" if none
    order_state: str = ""

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def overdue_tickets(
    staff,
    *,
    sort: str = "age",
    descending: bool = True,
    estate_id: int | None = None,
    company_id: int | None = None,
    street_id: int | None = None,
    now: datetime | None = None,
) -> list[OverdueRow]:
    """The open tickets in ``staff``'s scope that were escalated to the street office or
    flagged late, with their ages at ``now``, sorted by ``sort`` (``SORTS``)."""
    scope.require(staff, "supervision.read")
    if sort not in SORTS:
        raise Invalid("排序方式无效", {"sort": ["取值不在允许范围内"]})
    now = now or utcnow()
    stmt = overdue_query(staff, street_id)
    if estate_id is not None:
        stmt = stmt.where(Ticket.estate_id == estate_id)
    if company_id is not None:
        served = sa.select(TicketFact.ticket_id).where(TicketFact.company_id == company_id)
        stmt = stmt.where(Ticket.id.in_(served))
    tickets = db.session.scalars(
        stmt.options(selectinload(Ticket.events), selectinload(Ticket.estate))
        .order_by(Ticket.id)
        .limit(MAX_ROWS)
    ).all()
    ids = [t.id for t in tickets]
    open_orders = _open_orders(ids)
    latest = _latest_order_states(ids)
    rows = [_row(t, now, open_orders.get(t.id, 0), latest.get(t.id, "")) for t in tickets]
    key = {
        "age": lambda r: r.age_hours,
        "late": lambda r: r.late_hours,
        "escalated": lambda r: r.escalated_at or datetime.min.replace(tzinfo=now.tzinfo),
        "estate": lambda r: r.estate,
        "company": lambda r: r.company,
    }[sort]
    return sorted(rows, key=key, reverse=descending)


def overdue_query(staff, street_id: int | None = None) -> sa.Select:
    """The tickets of the overdue list (open, escalated or flagged late) in ``staff``'s
    scope, of one street's estates if given: what the list shows and the homes count."""
    late = sa.select(TicketFact.ticket_id).where(TicketFact.overdue.is_(True))
    stmt = sa.select(Ticket).where(
        Ticket.state.in_(OPEN_STATES),
        sa.or_(Ticket.escalated_at.is_not(None), Ticket.id.in_(late)),
    )
    if street_id is not None:
        stmt = stmt.where(Ticket.estate_id.in_(of_street(street_id)))
    return scope.scoped(stmt, staff, Ticket.estate_id)


def of_street(street_id: int) -> sa.Select:
    """The ids of the estates of one street."""
    return sa.select(Estate.id).where(Estate.street_id == street_id)


def _open_orders(ticket_ids: list[int]) -> dict[int, int]:
    if not ticket_ids:
        return {}
    stmt = (
        sa.select(SupervisionOrder.ticket_id, sa.func.count())
        .where(
            SupervisionOrder.ticket_id.in_(ticket_ids),
            SupervisionOrder.status.in_(UNANSWERED),
        )
        .group_by(SupervisionOrder.ticket_id)
    )
    return {ticket_id: count for ticket_id, count in db.session.execute(stmt)}


def _latest_order_states(ticket_ids: list[int]) -> dict[int, str]:
    """The label of each ticket's latest 督办 order's status."""
    if not ticket_ids:
        return {}
    latest = (
        sa.select(sa.func.max(SupervisionOrder.id))
        .where(SupervisionOrder.ticket_id.in_(ticket_ids))
        .group_by(SupervisionOrder.ticket_id)
    )
    stmt = sa.select(SupervisionOrder.ticket_id, SupervisionOrder.status).where(
        SupervisionOrder.id.in_(latest)
    )
    return {ticket_id: status.label for ticket_id, status in db.session.execute(stmt)}


def _row(ticket: Ticket, now: datetime, open_orders: int, order_state: str = "") -> OverdueRow:
    timing = sla.timing(ticket, now)
    # not answered yet: late since the response deadline, else since the resolution's
    due = timing.respond_due if timing.response_time is None else timing.resolve_due
    company = ticket.estate.company
    return OverdueRow(
        ticket_id=ticket.id,
        estate_id=ticket.estate_id,
        estate=ticket.estate.name,
        company_id=company.id if company else None,
        company=company.name if company else "",
        kind=ticket.kind.value,
        kind_label=ticket.kind.label,
        urgency_label=ticket.urgency.label,
        state_label=ticket.state.label,
        created_at=ticket.created_at,
        escalated_at=ticket.escalated_at,
        age_hours=_hours(now - ticket.created_at),
        late_hours=max(_hours(now - due), 0.0) if due is not None else 0.0,
        open_orders=open_orders,
        order_state=order_state,
    )


def _hours(delta) -> float:
    return round(delta.total_seconds() / 3600, 1)


# --- Excel --------------------------------------------------------------------------------------

OVERDUE_HEADERS = [
    "工单编号",
    "小区",
    "物业企业",
    "类型",
    "紧急程度",
    "状态",
    "提交时间",
    "上报街道时间",
    "提交至今（小时）",
    "超时（小时）",
    "未结督办",
]


def _time(value: datetime | None) -> str:
    return to_local(value).strftime("%Y-%m-%d %H:%M") if value else ""


def overdue_rows(rows: list[OverdueRow]) -> Iterator[list]:
    for r in rows:
        yield [
            f"T{r.ticket_id}",
            r.estate,
            r.company,
            r.kind_label,
            r.urgency_label,
            r.state_label,
            _time(r.created_at),
            _time(r.escalated_at),
            r.age_hours,
            r.late_hours,
            r.open_orders,
        ]


def export_overdue(staff, **options):
    """The overdue list as an .xlsx file (rewound temporary file, for ``send_file``)."""
    from backend.core.sheets import write_xlsx

    scope.require(staff, "supervision.export")
    return write_xlsx("超时工单", OVERDUE_HEADERS, overdue_rows(overdue_tickets(staff, **options)))
