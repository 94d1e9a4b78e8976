"""Supervision figures of safety, per estate and company over a month: the on-time rate of
maintenance tasks and of patrol points, hazards found and fixed, certificates expiring or
expired. Each figure links to the list behind it (the panel's ``figures`` page).

- a task is **on time** when it was done by the end of its due day (Asia/Shanghai);
- a patrol point is **on time** when it was checked in its round (a point missed is not);
- the **on-time rate** is (tasks on time + points on time) ÷ (tasks due + points due),
  counting what fell due in the month up to yesterday (today's work is still open).

The monthly evaluation's safety component (``backend.supervision.evaluation``) reads
:func:`company_month`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app

from backend.authz import scope
from backend.core.time import SHANGHAI, local_today, month_end
from backend.extensions import db
from backend.org.models import Company, Estate
from backend.safety.models import (
    Equipment,
    PatrolCheck,
    PatrolPoint,
    PatrolRound,
    SafetyTask,
    TaskState,
)
from backend.tickets.models import Ticket, TicketKind, TicketState


@dataclass
class EstateFigures:
    estate_id: int
    estate: str
    company: str
    tasks_due: int = 0
    tasks_on_time: int = 0
    tasks_open: int = 0
    points_due: int = 0
    points_on_time: int = 0
    hazards: int = 0
    hazards_fixed: int = 0
    expiring: int = 0
    expired: int = 0

    @property
    def on_time_rate(self) -> Decimal | None:
        due = self.tasks_due + self.points_due
        if not due:
            return None
        return (Decimal(self.tasks_on_time + self.points_on_time) * 100 / due).quantize(
            Decimal("0.1")
        )


@dataclass
class Figures:
    month: date
    estates: list[EstateFigures] = field(default_factory=list)

    def by_company(self) -> list[EstateFigures]:
        """The estates' figures summed per company (``estate_id`` 0)."""
        totals: dict[str, EstateFigures] = {}
        for row in self.estates:
            total = totals.setdefault(row.company, EstateFigures(0, "", row.company))
            for name in NUMBERS:
                setattr(total, name, getattr(total, name) + getattr(row, name))
        return sorted(totals.values(), key=lambda r: r.company)


NUMBERS = (
    "tasks_due",
    "tasks_on_time",
    "tasks_open",
    "points_due",
    "points_on_time",
    "hazards",
    "hazards_fixed",
    "expiring",
    "expired",
)


def _window(month: date, today: date) -> tuple[date, date]:
    """The days of ``month`` that count: its first day up to yesterday (or its end)."""
    return month, min(month_end(month), today - timedelta(days=1))


def _end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=SHANGHAI)


def estate_figures(estate_ids: list[int], month: date, today: date | None = None) -> Figures:
    """The figures of ``estate_ids`` for ``month`` (its first day)."""
    from backend.safety.services import warning_horizon

    today = today or local_today()
    first, last = _window(month, today)
    estates = db.session.execute(
        sa.select(Estate.id, Estate.name, Estate.company_id).where(Estate.id.in_(estate_ids))
    ).all()
    rows: dict[int, EstateFigures] = {}
    companies = dict(db.session.execute(sa.select(Company.id, Company.name)).all())
    for estate_id, name, company_id in estates:
        rows[estate_id] = EstateFigures(estate_id, name, companies.get(company_id, "—"))
    ids = list(rows)
    if not ids:
        return Figures(month)
    if first <= last:
        for estate_id, due_on, state, done_at in db.session.execute(
            sa.select(
                SafetyTask.estate_id, SafetyTask.due_on, SafetyTask.state, SafetyTask.done_at
            ).where(SafetyTask.estate_id.in_(ids), SafetyTask.due_on.between(first, last))
        ):
            row = rows[estate_id]
            row.tasks_due += 1
            if state == TaskState.done and done_at is not None and done_at < _end_of(due_on):
                row.tasks_on_time += 1
            if state == TaskState.due:
                row.tasks_open += 1
        points = (
            sa.select(PatrolRound.estate_id, sa.func.count())
            .join(PatrolPoint, PatrolPoint.route_id == PatrolRound.route_id)
            .where(PatrolRound.estate_id.in_(ids), PatrolRound.due_on.between(first, last))
            .group_by(PatrolRound.estate_id)
        )
        for estate_id, count in db.session.execute(points):
            rows[estate_id].points_due = count
        checked = (
            sa.select(PatrolRound.estate_id, sa.func.count())
            .join(PatrolCheck, PatrolCheck.round_id == PatrolRound.id)
            .where(PatrolRound.estate_id.in_(ids), PatrolRound.due_on.between(first, last))
            .group_by(PatrolRound.estate_id)
        )
        for estate_id, count in db.session.execute(checked):
            rows[estate_id].points_on_time = count
    start = datetime.combine(month, time.min, tzinfo=SHANGHAI)
    hazards = (
        sa.select(
            Ticket.estate_id,
            sa.func.count(),
            sa.func.sum(
                sa.case((Ticket.state.in_((TicketState.resolved, TicketState.closed)), 1), else_=0)
            ),
        )
        .where(
            Ticket.estate_id.in_(ids),
            Ticket.kind == TicketKind.safety_hazard,
            Ticket.created_at >= start,
            Ticket.created_at < _end_of(month_end(month)),
        )
        .group_by(Ticket.estate_id)
    )
    for estate_id, count, fixed in db.session.execute(hazards):
        rows[estate_id].hazards, rows[estate_id].hazards_fixed = count, int(fixed or 0)
    horizon = warning_horizon(today, current_app.config["SAFETY_CERTIFICATE_WARNING_MONTHS"])
    certificates = (
        sa.select(
            Equipment.estate_id,
            sa.func.sum(sa.case((Equipment.certificate_expires_on < today, 1), else_=0)),
            sa.func.sum(sa.case((Equipment.certificate_expires_on >= today, 1), else_=0)),
        )
        .where(Equipment.estate_id.in_(ids), Equipment.certificate_expires_on <= horizon)
        .group_by(Equipment.estate_id)
    )
    for estate_id, expired, expiring in db.session.execute(certificates).all():
        rows[estate_id].expired, rows[estate_id].expiring = int(expired or 0), int(expiring or 0)
    return Figures(month, sorted(rows.values(), key=lambda r: (r.company, r.estate)))


def figures_for(staff, month: date, today: date | None = None) -> Figures:
    """The figures of the estates in ``staff``'s scope."""
    scope.require(staff, "safety.read")
    ids = scope.estate_ids(staff)
    return estate_figures(
        list(db.session.scalars(ids if ids is not None else sa.select(Estate.id))), month, today
    )


def company_month(company_id: int, month: date, today: date | None = None) -> tuple[int, int]:
    """(on time, due) of the company's estates in ``month``: the evaluation's safety part."""
    ids = list(db.session.scalars(sa.select(Estate.id).where(Estate.company_id == company_id)))
    totals = defaultdict(int)
    for row in estate_figures(ids, month, today or month_end(month) + timedelta(days=1)).estates:
        totals["on_time"] += row.tasks_on_time + row.points_on_time
        totals["due"] += row.tasks_due + row.points_due
    return totals["on_time"], totals["due"]
