"""Credit records (信用记录) of companies and their project managers: good and bad entries
with their source, a credit score over twelve months and its stars."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from backend.audit import services as audit
from backend.authz import scope
from backend.core.errors import Invalid, NotFound
from backend.core.time import local_today
from backend.extensions import db
from backend.org.models import Company, Estate
from backend.supervision.common import NOT_FOUND, text
from backend.supervision.models import CreditRecord, CreditSource, ProjectManager

#: a company's credit score starts here; entries of the last twelve months add to it
BASE_SCORE = 100
#: credit score → stars (the lowest score that earns them), shown on the boards
STARS = ((120, 5), (105, 4), (90, 3), (70, 2), (0, 1))
#: points of the entries the system writes (officers choose their own for the others)
POINTS = {
    "evaluation_excellent": 5,  # a month scored ≥ 90
    "evaluation_poor": -5,  # a month scored < 60
    "supervision_missed": -10,  # a 督办 deadline missed
}


def add_entry(
    company_id: int,
    source: CreditSource,
    points: int,
    reason: str,
    occurred_on: date,
    *,
    manager_id: int | None = None,
    evaluation_id: int | None = None,
    order_id: int | None = None,
    ticket_id: int | None = None,
    actor=None,
) -> CreditRecord:
    """Write one credit entry (the system's, or an officer's through :func:`record_entry`)."""
    entry = CreditRecord(
        company_id=company_id,
        manager_id=manager_id,
        source=source,
        points=points,
        reason=reason,
        occurred_on=occurred_on,
        evaluation_id=evaluation_id,
        order_id=order_id,
        ticket_id=ticket_id,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def record_entry(
    officer,
    company_id: int,
    source: CreditSource,
    points: int,
    reason: str,
    occurred_on: date | None = None,
    manager_id: int | None = None,
    ticket_id: int | None = None,
) -> CreditRecord:
    """An officer's entry: an award (good) or an upheld complaint (bad), for a company in
    their jurisdiction (one serving an estate there), optionally for its project manager."""
    scope.require(officer, "supervision.credit")
    company = company_in_scope(officer, company_id)
    if source not in (CreditSource.award, CreditSource.complaint_upheld, CreditSource.other):
        raise Invalid("该来源的记录由系统生成", {"source": ["取值无效"]})
    if not points or abs(points) > 50:
        raise Invalid("分值应为 -50 至 50 之间的非零整数", {"points": ["数值超出允许范围"]})
    if (source == CreditSource.award and points < 0) or (
        source == CreditSource.complaint_upheld and points > 0
    ):
        raise Invalid("表彰应为加分，投诉属实应为扣分", {"points": ["正负号与来源不符"]})
    if manager_id is not None:
        manager = db.session.get(ProjectManager, manager_id)
        if manager is None or manager.company_id != company.id:
            raise NotFound("未找到该项目经理", {"manager_id": ["不存在"]})
    reason = text(reason, "reason", "事由", max_length=500, multiline=True)
    entry = add_entry(
        company.id,
        source,
        points,
        reason,
        occurred_on or local_today(),
        manager_id=manager_id,
        ticket_id=ticket_id,
        actor=officer,
    )
    audit.record(
        officer,
        "credit.record",
        "credit_record",
        entry.id,
        after={"company_id": company.id, "source": source.value, "points": points},
    )
    return entry


def companies_in_scope(staff) -> sa.Select:
    """The companies serving an estate in ``staff``'s scope (their own, for company staff)."""
    stmt = sa.select(Company).where(
        Company.id.in_(scope.scoped(sa.select(Estate.company_id), staff, Estate.id))
    )
    return stmt.order_by(Company.name)


def company_in_scope(staff, company_id: int) -> Company:
    company = db.session.scalars(companies_in_scope(staff).where(Company.id == company_id)).first()
    if company is None:
        raise NotFound(NOT_FOUND)
    return company


@dataclass
class CreditSummary:
    company: Company
    score: int
    stars: int
    good: int
    bad: int


def summary(company_id: int, today: date | None = None) -> CreditSummary:
    """A company's credit score (``BASE_SCORE`` + the points of the last twelve months)."""
    today = today or local_today()
    since = today - timedelta(days=365)
    rows = db.session.execute(
        sa.select(CreditRecord.points).where(
            CreditRecord.company_id == company_id, CreditRecord.occurred_on > since
        )
    ).scalars()
    points = list(rows)
    score = BASE_SCORE + sum(points)
    return CreditSummary(
        company=db.session.get(Company, company_id),
        score=score,
        stars=stars(score),
        good=sum(1 for p in points if p > 0),
        bad=sum(1 for p in points if p < 0),
    )


def stars(score: int) -> int:
    """Credit stars (1–5) for a credit score."""
    return next((s for floor, s in STARS if score >= floor), 1)


def entries(
    staff,
    company_id: int | None = None,
    manager_id: int | None = None,
    source: CreditSource | None = None,
) -> sa.Select:
    """Credit entries of the companies in ``staff``'s scope, newest first (of one company,
    project manager, source, if given)."""
    stmt = sa.select(CreditRecord).where(
        CreditRecord.company_id.in_(companies_in_scope(staff).with_only_columns(Company.id))
    )
    if company_id is not None:
        stmt = stmt.where(CreditRecord.company_id == company_id)
    if manager_id is not None:
        stmt = stmt.where(CreditRecord.manager_id == manager_id)
    if source is not None:
        stmt = stmt.where(CreditRecord.source == source)
    return stmt.order_by(CreditRecord.occurred_on.desc(), CreditRecord.id.desc())


#: the credit entries list's sort keys (``admin.supervision.CREDIT``)
CREDIT_SORTS = {
    "occurred": CreditRecord.occurred_on,
    "company": sa.select(Company.name)
    .where(Company.id == CreditRecord.company_id)
    .scalar_subquery(),
    "source": CreditRecord.source,
    "points": CreditRecord.points,
}


def manager_of(estate_id: int, on: date) -> ProjectManager | None:
    """The estate's project manager on file on ``on``."""
    return db.session.scalars(
        sa.select(ProjectManager)
        .where(
            ProjectManager.estate_id == estate_id,
            ProjectManager.starts_on <= on,
            sa.or_(ProjectManager.ends_on.is_(None), ProjectManager.ends_on >= on),
        )
        .order_by(ProjectManager.starts_on.desc())
    ).first()
