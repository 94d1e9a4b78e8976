"""What the supervision screens of the panel read beside the dashboard service: the
estates and companies to filter by, the tickets behind a figure, an officer's view of one
ticket, and the rows of the exports not in ``exports`` (tickets behind a figure, 督办 orders).

Everything here is restricted to the staff member's jurisdiction (``backend.authz.scope``);
a ticket outside it is "not found".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from backend.authz import scope
from backend.core.time import local_today, month_start, to_local, utcnow
from backend.extensions import db
from backend.org.models import Company, Estate
from backend.supervision import credit
from backend.supervision.models import SupervisionOrder
from backend.tickets import sla
from backend.tickets.models import Ticket

#: how a period may be chosen on the dashboard (besides two dates)
PERIODS = {
    "12m": "近 12 个月",
    "month": "本月",
    "last_month": "上月",
    "30d": "近 30 天",
    "90d": "近 90 天",
    "year": "今年",
}


def period_bounds(period: str, today: date | None = None) -> tuple[date, date]:
    """The first and last day of a named period (``PERIODS``) ending today."""
    today = today or local_today()
    if period == "month":
        return today.replace(day=1), today
    if period == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    if period == "30d":
        return today - timedelta(days=29), today
    if period == "90d":
        return today - timedelta(days=89), today
    if period == "year":
        return today.replace(month=1, day=1), today
    # the last twelve months: this one and the eleven before it
    return month_start(today, -11), today


def companies_in_scope(staff) -> list[Company]:
    """The companies serving an estate of ``staff``'s jurisdiction, by name."""
    return list(db.session.scalars(credit.companies_in_scope(staff)))


def tickets_by_ids(ids: Sequence[int]) -> list[Ticket]:
    """The tickets ``ids`` (already checked to be in scope), in that order, with what a
    list shows."""
    if not ids:
        return []
    stmt = (
        sa.select(Ticket)
        .where(Ticket.id.in_(ids))
        .options(selectinload(Ticket.estate).selectinload(Estate.company))
        .options(selectinload(Ticket.events), selectinload(Ticket.unit))
    )
    found = {t.id: t for t in db.session.scalars(stmt)}
    return [found[i] for i in ids if i in found]


def officer_ticket(staff, ticket_id: int) -> Ticket:
    """Ticket ``ticket_id`` of ``staff``'s jurisdiction (any state, on the street office's
    list or not: an officer may look into any figure), else "not found"."""
    return scope.get_scoped(Ticket, ticket_id, staff)


def ticket_orders(staff, ticket_id: int) -> list[SupervisionOrder]:
    """The 督办 orders on a ticket that ``staff`` may read, oldest first."""
    from backend.supervision import orders

    stmt = orders.orders_query(staff, ticket_id=ticket_id).order_by(None)
    return list(db.session.scalars(stmt.order_by(SupervisionOrder.id)))


def duration_text(value: timedelta | float | None, *, minutes: bool = False) -> str:
    """A duration for people: ``35 分钟``, ``5.5 小时``, ``3.2 天`` (``minutes``: the value
    is a number of minutes)."""
    if value is None:
        return "—"
    total = float(value) if minutes else value.total_seconds() / 60
    if total < 1:
        return "不到 1 分钟"
    if total < 60:
        return f"{total:.0f} 分钟"
    if total < 48 * 60:
        return f"{total / 60:.1f} 小时"
    return f"{total / 1440:.1f} 天"


# --- Excel rows ------------------------------------------------------------------------------

TICKET_HEADERS = ["编号", "小区", "物业企业", "类型", "状态", "提交时间", "响应", "解决", "描述"]


def ticket_rows(tickets: Iterable[Ticket], now: datetime | None = None) -> Iterator[list]:
    now = now or utcnow()
    for t in tickets:
        timing = sla.timing(t, now)
        yield [
            f"T{t.id}",
            t.estate.name,
            t.estate.company.name if t.estate.company else "",
            t.kind.label,
            t.state.label,
            _local(t.created_at),
            duration_text(timing.response_time),
            duration_text(timing.resolution_time),
            t.description,
        ]


def _local(value: datetime | None) -> str:
    return to_local(value).strftime("%Y-%m-%d %H:%M") if value else ""


ORDER_HEADERS = [
    "工单",
    "小区",
    "物业企业",
    "下达时间",
    "办理期限",
    "督办要求",
    "状态",
    "回复时间",
    "回复内容",
]


def order_rows(stmt: sa.Select) -> Iterator[list]:
    """The rows of the 督办 orders of ``stmt`` (``orders.orders_query``)."""
    stmt = stmt.options(
        selectinload(SupervisionOrder.estate), selectinload(SupervisionOrder.company)
    )
    for o in db.session.scalars(stmt):
        yield [
            f"T{o.ticket_id}",
            o.estate.name,
            o.company.name,
            _local(o.issued_at),
            _local(o.deadline),
            o.instructions,
            o.status.label,
            _local(o.answered_at),
            o.answer,
        ]


# --- choices of the filing and credit forms ------------------------------------------------


def managers_in_scope(staff) -> list:
    """Project managers of the estates in ``staff``'s jurisdiction (for the credit page)."""
    from backend.supervision.models import ProjectManager

    stmt = scope.scoped(sa.select(ProjectManager), staff, ProjectManager.estate_id)
    return list(db.session.scalars(stmt.order_by(ProjectManager.name)))


def contracts_in_scope(staff) -> list:
    """Service contracts of the estates in scope (a company's own only), newest first."""
    from backend.org.models import ServiceContract

    stmt = scope.scoped(sa.select(ServiceContract), staff, ServiceContract.estate_id)
    if scope.is_company_staff(staff):
        stmt = stmt.where(ServiceContract.company_id == staff.company_id)
    return list(db.session.scalars(stmt.order_by(ServiceContract.starts_on.desc())))


def committees_in_scope(staff) -> list:
    """Owners' committees of the estates in scope, newest term first."""
    from backend.org.models import Committee

    stmt = scope.scoped(sa.select(Committee), staff, Committee.estate_id)
    return list(db.session.scalars(stmt.order_by(Committee.term_starts_on.desc())))


def streets_in_scope(staff) -> list:
    """Streets of the estates in scope (where a company may file itself)."""
    from backend.org.models import Street

    ids = scope.scoped(sa.select(Estate.street_id), staff, Estate.id)
    if staff.company_id:
        ids = ids.where(Estate.company_id == staff.company_id)
    stmt = sa.select(Street).where(Street.id.in_(ids)).order_by(Street.name)
    return list(db.session.scalars(stmt))


def rows(stmt: sa.Select) -> list:
    """The entities ``stmt`` selects (for a short list shown whole)."""
    return list(db.session.scalars(stmt))
