"""督办 orders: an officer orders the company to handle a ticket by a deadline with
instructions; the company answers. Both are events on the ticket's timeline (the resident
sees them), the resident is told of the answer, and a missed deadline is marked by a job,
shown on the dashboard and written to the company's credit record."""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa

from backend.audit import services as audit
from backend.authz import scope
from backend.core.db import transition
from backend.core.errors import Conflict, Invalid, NotFound
from backend.core.time import to_local, utcnow
from backend.extensions import db
from backend.notify.services import notify_resident
from backend.org.models import Estate
from backend.supervision import credit
from backend.supervision.common import NOT_FOUND, text
from backend.supervision.models import CreditSource, OrderStatus, SupervisionOrder
from backend.tickets import services as tickets
from backend.tickets.models import FINAL_STATES, Ticket

log = logging.getLogger(__name__)

#: statuses in which the company has not answered yet (or must answer again)
UNANSWERED = (OrderStatus.open, OrderStatus.missed, OrderStatus.returned)
#: statuses in which an answer waits for the officer's review
AWAITING_REVIEW = (OrderStatus.answered, OrderStatus.answered_late)
#: statuses the deadline sweep marks missed once their deadline has passed
RUNNING = (OrderStatus.open, OrderStatus.returned)


def _when(value: datetime) -> str:
    return to_local(value).strftime("%Y-%m-%d %H:%M")


def issue_order(
    officer, ticket_id: int, instructions: str, deadline: datetime, now: datetime | None = None
) -> SupervisionOrder:
    """An officer orders the company serving the ticket's estate to handle it by
    ``deadline``; the order appears on the ticket's timeline as 「街道督办」."""
    scope.require(officer, "supervision.order")
    now = now or utcnow()
    ticket = scope.get_scoped(Ticket, ticket_id, officer)
    if ticket.state in FINAL_STATES:
        raise Conflict(f"工单已{ticket.state.label}，不能督办")
    instructions = text(instructions, "instructions", "督办要求", max_length=1000, multiline=True)
    if deadline.tzinfo is None:
        raise Invalid("期限须带时区", {"deadline": ["取值无效"]})
    if deadline <= now:
        raise Invalid("办理期限须晚于现在", {"deadline": ["须晚于现在"]})
    estate = db.session.get(Estate, ticket.estate_id)
    if estate.company_id is None:
        raise Conflict("该小区没有物业企业，无法督办")
    order = SupervisionOrder(
        ticket_id=ticket.id,
        estate_id=ticket.estate_id,
        company_id=estate.company_id,
        officer_id=officer.id,
        instructions=instructions,
        deadline=deadline,
        issued_at=now,
    )
    db.session.add(order)
    db.session.flush()
    tickets.record_event(
        ticket,
        "supervision_order",
        f"{instructions}（办理期限：{_when(deadline)}）",
        staff=officer,
        at=now,
    )
    audit.record(
        officer,
        "supervision.order",
        "supervision_order",
        order.id,
        after={"ticket_id": ticket.id, "deadline": deadline.isoformat()},
        estate_id=ticket.estate_id,
    )
    log.info("supervision order %s on ticket %s by %s", order.id, ticket.id, officer.id)
    return order


def answer_order(
    staff, order_id: int, answer: str, now: datetime | None = None
) -> SupervisionOrder:
    """The company answers an order (once). The answer goes on the ticket's timeline as
    「物业回复督办」 and the resident is told (message center, WeChat with consent). An
    answer after a missed deadline is still taken, and stays marked late."""
    scope.require(staff, "supervision.answer")
    now = now or utcnow()
    order = company_order(staff, order_id)
    answer = text(answer, "answer", "回复内容", max_length=1000, multiline=True)
    on_time = order.status == OrderStatus.open or (
        order.status == OrderStatus.returned and now <= order.deadline
    )
    status = OrderStatus.answered if on_time else OrderStatus.answered_late
    if order.status not in UNANSWERED or not transition(
        SupervisionOrder,
        order.id,
        SupervisionOrder.status,
        order.status,
        status=status,
        answer=answer,
        answered_at=now,
        answered_by_id=staff.id,
    ):
        raise Conflict("该督办已回复")
    db.session.refresh(order)
    ticket = db.session.get(Ticket, order.ticket_id)
    tickets.record_event(ticket, "supervision_answer", answer, staff=staff, at=now)
    if ticket.resident_id is not None:  # a ticket no resident reported has nobody to tell
        notify_resident(
            ticket.resident_id,
            "supervision_answered",
            estate_id=ticket.estate_id,
            ticket_id=ticket.id,
            ticket_no=f"T{ticket.id}",
            answer=answer,
            answered_by=staff.role.label,
            at=now,
        )
    audit.record(
        staff,
        "supervision.answer",
        "supervision_order",
        order.id,
        after={"status": status.value},
        estate_id=order.estate_id,
    )
    return order


def _reviewable(officer, order_id: int) -> SupervisionOrder:
    scope.require(officer, "supervision.order")
    order = db.session.scalars(
        orders_query(officer).where(SupervisionOrder.id == order_id).order_by(None)
    ).first()
    if order is None:
        raise NotFound(NOT_FOUND)
    if order.status not in AWAITING_REVIEW:
        raise Conflict(f"该督办当前为「{order.status.label}」，没有待审核的回复")
    return order


def accept_answer(
    officer, order_id: int, note: str = "", now: datetime | None = None
) -> SupervisionOrder:
    """The officer accepts the company's answer: the order is done (已认可). Only an
    answer waiting for review; the conditional update refuses a second review (409)."""
    now = now or utcnow()
    order = _reviewable(officer, order_id)
    note = text(note or "", "note", "审核意见", max_length=500, multiline=True, required=False)
    before = order.status
    if not transition(
        SupervisionOrder,
        order.id,
        SupervisionOrder.status,
        before,
        status=OrderStatus.accepted,
        review_note=note,
        reviewed_at=now,
        reviewed_by_id=officer.id,
    ):
        raise Conflict("该督办刚刚被审核，请刷新后重试")
    db.session.refresh(order)
    ticket = db.session.get(Ticket, order.ticket_id)
    tickets.record_event(ticket, "supervision_accept", note, staff=officer, at=now)
    audit.record(
        officer,
        "supervision.accept",
        "supervision_order",
        order.id,
        before={"status": before.value},
        after={"status": order.status.value},
        estate_id=order.estate_id,
    )
    return order


def return_answer(
    officer, order_id: int, reason: str, deadline: datetime, now: datetime | None = None
) -> SupervisionOrder:
    """The officer sends the company's answer back (退回重办) with a reason and a new
    deadline: the company must answer again, the order is on its to-do list again and the
    sweep marks it missed if the new deadline passes."""
    now = now or utcnow()
    order = _reviewable(officer, order_id)
    reason = text(reason, "note", "退回原因", max_length=500, multiline=True)
    if deadline.tzinfo is None:
        raise Invalid("期限须带时区", {"deadline": ["取值无效"]})
    if deadline <= now:
        raise Invalid("新的办理期限须晚于现在", {"deadline": ["须晚于现在"]})
    before = order.status
    if not transition(
        SupervisionOrder,
        order.id,
        SupervisionOrder.status,
        before,
        status=OrderStatus.returned,
        review_note=reason,
        reviewed_at=now,
        reviewed_by_id=officer.id,
        deadline=deadline,
    ):
        raise Conflict("该督办刚刚被审核，请刷新后重试")
    db.session.refresh(order)
    ticket = db.session.get(Ticket, order.ticket_id)
    tickets.record_event(
        ticket,
        "supervision_return",
        f"{reason}（新的办理期限：{_when(deadline)}）",
        staff=officer,
        at=now,
    )
    audit.record(
        officer,
        "supervision.return",
        "supervision_order",
        order.id,
        before={"status": before.value},
        after={"status": order.status.value, "deadline": deadline.isoformat()},
        estate_id=order.estate_id,
    )
    return order


def awaiting_review_count(officer) -> int:
    """How many answers in ``officer``'s jurisdiction wait for their review."""
    stmt = orders_query(officer).where(SupervisionOrder.status.in_(AWAITING_REVIEW))
    return db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()))


def mark_missed(now: datetime | None = None) -> int:
    """Mark the orders unanswered past their deadline as missed: an event on the ticket
    and a bad entry in the company's (and its project manager's) credit record. Safe to
    run twice (each order moves once). Returns how many were marked."""
    now = now or utcnow()
    due = db.session.scalars(
        sa.select(SupervisionOrder)
        .where(SupervisionOrder.status.in_(RUNNING), SupervisionOrder.deadline < now)
        .order_by(SupervisionOrder.id)
    ).all()
    marked = 0
    for order in due:
        if not transition(
            SupervisionOrder,
            order.id,
            SupervisionOrder.status,
            order.status,
            status=OrderStatus.missed,
            missed_at=now,
        ):
            continue  # answered meanwhile
        ticket = db.session.get(Ticket, order.ticket_id)
        tickets.record_event(
            ticket,
            "supervision_missed",
            f"物业未在期限（{_when(order.deadline)}）前回复督办",
            at=now,
        )
        day = to_local(now).date()
        manager = credit.manager_of(order.estate_id, day)
        credit.add_entry(
            order.company_id,
            CreditSource.supervision_missed,
            credit.POINTS["supervision_missed"],
            f"督办逾期未回复（工单 T{order.ticket_id}）",
            day,
            manager_id=manager.id if manager else None,
            order_id=order.id,
            ticket_id=order.ticket_id,
        )
        marked += 1
    return marked


# --- who sees what -----------------------------------------------------------------------------


def orders_query(
    staff,
    status: OrderStatus | None = None,
    ticket_id: int | None = None,
    street_id: int | None = None,
    statuses: tuple[OrderStatus, ...] | frozenset | None = None,
) -> sa.Select:
    """The orders ``staff`` may read, newest first: an officer's jurisdiction (of one
    street's estates if given), or the orders addressed to the staff member's company;
    ``statuses``: only those (the answers awaiting review, the orders awaiting an answer)."""
    stmt = scope.scoped(sa.select(SupervisionOrder), staff, SupervisionOrder.estate_id)
    if street_id is not None:
        stmt = stmt.where(
            SupervisionOrder.estate_id.in_(
                sa.select(Estate.id).where(Estate.street_id == street_id)
            )
        )
    if scope.is_company_staff(staff):
        stmt = stmt.where(SupervisionOrder.company_id == staff.company_id)
    if status is not None:
        stmt = stmt.where(SupervisionOrder.status == status)
    if statuses is not None:
        stmt = stmt.where(SupervisionOrder.status.in_(tuple(statuses)))
    if ticket_id is not None:
        stmt = stmt.where(SupervisionOrder.ticket_id == ticket_id)
    return stmt.order_by(SupervisionOrder.id.desc())


#: the orders list's sort keys (``admin.supervision.ORDERS``)
ORDER_SORTS = {
    "issued": SupervisionOrder.issued_at,
    "deadline": SupervisionOrder.deadline,
    "status": SupervisionOrder.status,
    "ticket": SupervisionOrder.ticket_id,
}


def order_for(staff, order_id: int) -> SupervisionOrder:
    """Order ``order_id`` if ``staff`` may read it, else "not found"."""
    order = db.session.scalars(
        orders_query(staff).where(SupervisionOrder.id == order_id).order_by(None)
    ).first()
    if order is None:
        raise NotFound(NOT_FOUND)
    return order


def company_order(staff, order_id: int) -> SupervisionOrder:
    """An order addressed to ``staff``'s company (company staff only)."""
    if not scope.is_company_staff(staff):
        raise NotFound(NOT_FOUND)
    return order_for(staff, order_id)
