"""Filings (备案) with the street office: companies, project managers, committees and
service contracts are entered, reviewed and listed; terms and contracts that end within
60 days are flagged (a to-do of the street office, and a daily job).

The subjects live where they belong: companies, committees and contracts in ``backend/org``
(which also records them), project managers here. A filing is the layer on top: who filed
what with which street, the review, and the date the filed term or contract ends.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app

from backend.audit import services as audit
from backend.authz import scope
from backend.core.db import transition
from backend.core.errors import Conflict, Forbidden, Invalid, NotFound
from backend.core.feature import ToDo
from backend.core.time import local_today, utcnow
from backend.extensions import db
from backend.org.models import (
    Committee,
    Company,
    Estate,
    FilingStatus,
    ServiceContract,
    Street,
)
from backend.supervision.common import NOT_FOUND, text
from backend.supervision.models import (
    Filing,
    FilingKind,
    FilingState,
    ProjectManager,
    SupervisionOrder,
)

#: terms and contracts are flagged this many days before they end
EXPIRY_NOTICE_DAYS = 60


def kinds_filed_by(actor) -> frozenset[FilingKind]:
    """The kinds ``actor`` may file (``filing.<kind>`` permissions: a company its own
    filings, a committee itself, officers any kind on someone's behalf)."""
    if not scope.can(actor, "filing.submit"):
        return frozenset()
    return frozenset(k for k in FilingKind if scope.can(actor, f"filing.{k.value}"))


def _may_file(actor, kind: FilingKind) -> None:
    scope.require(actor, "filing.submit")
    if kind not in kinds_filed_by(actor):
        raise Forbidden(f"您的角色不能提交{kind.label}备案")


def _submit(
    actor,
    kind: FilingKind,
    subject_id: int,
    street_id: int,
    estate_id: int | None,
    expires_on: date | None,
) -> Filing:
    """File (or file again, after a rejection) ``subject_id`` with ``street_id``."""
    filing = db.session.scalars(
        sa.select(Filing).where(
            Filing.kind == kind, Filing.subject_id == subject_id, Filing.street_id == street_id
        )
    ).first()
    now = utcnow()
    if filing is None:
        filing = Filing(
            kind=kind,
            subject_id=subject_id,
            street_id=street_id,
            estate_id=estate_id,
            expires_on=expires_on,
            submitted_by_id=actor.id,
            submitted_at=now,
        )
        db.session.add(filing)
    elif filing.state == FilingState.submitted:
        raise Conflict("已提交备案，等待审核")
    else:
        # a rejected filing is filed again; an approved one again when its dates changed
        filing.state = FilingState.submitted
        filing.expires_on = expires_on
        filing.submitted_by_id = actor.id
        filing.submitted_at = now
        filing.reviewed_by_id = filing.reviewed_at = None
        filing.review_note = ""
        filing.expiry_flagged_at = None
    db.session.flush()
    audit.record(
        actor,
        "filing.submit",
        "filing",
        filing.id,
        after={"kind": kind.value, "subject_id": subject_id},
        estate_id=estate_id,
    )
    return filing


def file_company(actor, company_id: int, street_id: int) -> Filing:
    """A company files itself with a street where it serves an estate."""
    _may_file(actor, FilingKind.company)
    if not scope.within_own(actor, company_id=company_id):
        raise NotFound("未找到该物业企业")
    if not scope.within_own(actor, street_id=street_id):
        raise NotFound(NOT_FOUND)
    company = db.session.get(Company, company_id)
    serves = db.session.scalar(
        sa.select(sa.exists().where(Estate.company_id == company_id, Estate.street_id == street_id))
    )
    if company is None or not serves:
        raise Invalid("该企业在此街道没有服务的小区", {"street_id": ["取值无效"]})
    return _submit(actor, FilingKind.company, company.id, street_id, None, None)


def file_manager(
    actor,
    estate_id: int,
    name: str,
    starts_on: date,
    phone: str = "",
    certificate_no: str = "",
    ends_on: date | None = None,
) -> tuple[ProjectManager, Filing]:
    """Record the estate's project manager (of the company serving it) and file it."""
    _may_file(actor, FilingKind.manager)
    estate = scope.get_scoped(Estate, estate_id, actor)
    if estate.company_id is None:
        raise Invalid("该小区没有物业企业", {"estate_id": ["无物业企业"]})
    if ends_on is not None and ends_on <= starts_on:
        raise Invalid("结束日期必须晚于开始日期", {"ends_on": ["须晚于开始日期"]})
    manager = ProjectManager(
        company_id=estate.company_id,
        estate_id=estate.id,
        name=text(name, "name", "姓名", max_length=60),
        phone=text(phone, "phone", "电话", max_length=20, required=False),
        certificate_no=text(
            certificate_no, "certificate_no", "证书编号", max_length=40, required=False
        ),
        starts_on=starts_on,
        ends_on=ends_on,
    )
    db.session.add(manager)
    db.session.flush()
    filing = _submit(actor, FilingKind.manager, manager.id, estate.street_id, estate.id, ends_on)
    return manager, filing


def file_contract(actor, contract_id: int) -> Filing:
    """File a service contract recorded in org (by its company, or entered by the office)."""
    _may_file(actor, FilingKind.contract)
    contract = scope.get_scoped(ServiceContract, contract_id, actor)
    if not scope.within_own(actor, company_id=contract.company_id):
        raise NotFound(NOT_FOUND)
    estate = db.session.get(Estate, contract.estate_id)
    return _submit(
        actor, FilingKind.contract, contract.id, estate.street_id, estate.id, contract.ends_on
    )


def file_committee(actor, committee_id: int) -> Filing:
    """File an owners' committee recorded in org (members and term) with its street."""
    _may_file(actor, FilingKind.committee)
    committee = scope.get_scoped(Committee, committee_id, actor)
    estate = db.session.get(Estate, committee.estate_id)
    return _submit(
        actor,
        FilingKind.committee,
        committee.id,
        estate.street_id,
        estate.id,
        committee.term_ends_on,
    )


def review(officer, filing_id: int, approve: bool, note: str = "") -> Filing:
    """Approve (已备案) or return (已退回, reason required) a filing waiting for review.
    An approved committee is marked filed in org too."""
    scope.require(officer, "filing.review")
    filing = filing_for(officer, filing_id)
    note = text(note, "note", "审核意见", max_length=500, multiline=True, required=not approve)
    state = FilingState.approved if approve else FilingState.rejected
    now = utcnow()
    if not transition(
        Filing,
        filing.id,
        Filing.state,
        FilingState.submitted,
        state=state,
        reviewed_by_id=officer.id,
        reviewed_at=now,
        review_note=note,
    ):
        raise Conflict("该备案不在待审核状态")
    db.session.refresh(filing)
    if approve and filing.kind == FilingKind.committee:
        committee = db.session.get(Committee, filing.subject_id)
        committee.filing_status, committee.filed_at = FilingStatus.filed, now
    db.session.flush()
    audit.record(
        officer,
        "filing.review",
        "filing",
        filing.id,
        after={"state": state.value, "note": note},
        estate_id=filing.estate_id,
    )
    return filing


# --- who sees what -----------------------------------------------------------------------------


def filings_query(
    staff,
    kind: FilingKind | None = None,
    state: FilingState | None = None,
) -> sa.Select:
    """Filings ``staff`` may read, newest first: those filed with an officer's street (or
    district); a company's own (itself, its managers, its contracts); a committee
    member's estate's."""
    stmt = _scoped(sa.select(Filing), staff)
    if kind is not None:
        stmt = stmt.where(Filing.kind == kind)
    if state is not None:
        stmt = stmt.where(Filing.state == state)
    return stmt.order_by(Filing.submitted_at.desc(), Filing.id.desc())


#: the filings list's sort keys (``admin.supervision.FILINGS``)
FILING_SORTS = {
    "id": Filing.id,
    "kind": Filing.kind,
    "state": Filing.state,
    "submitted": Filing.submitted_at,
    # filings without an end (a company's own) last either way
    "expires": lambda desc: (
        Filing.expires_on.is_(None),
        Filing.expires_on.desc() if desc else Filing.expires_on.asc(),
    ),
}


def _scoped(stmt: sa.Select, staff) -> sa.Select:
    if not (scope.can(staff, "supervision.read") or scope.can(staff, "filing.submit")):
        return stmt.where(sa.false())
    field = scope.bound_by(staff)
    if field is None:
        return stmt
    if field == "street_id":
        return stmt.where(Filing.street_id == staff.street_id)
    if field == "district":
        return stmt.where(
            Filing.street_id.in_(sa.select(Street.id).where(Street.district == staff.district))
        )
    if field == "company_id":
        # the company's own filings: itself, its managers and its contracts
        company = staff.company_id
        managers = sa.select(ProjectManager.id).where(ProjectManager.company_id == company)
        contracts = sa.select(ServiceContract.id).where(ServiceContract.company_id == company)
        return stmt.where(
            sa.or_(
                sa.and_(Filing.kind == FilingKind.company, Filing.subject_id == company),
                sa.and_(Filing.kind == FilingKind.manager, Filing.subject_id.in_(managers)),
                sa.and_(Filing.kind == FilingKind.contract, Filing.subject_id.in_(contracts)),
            )
        )
    if field == "estate_id":
        return stmt.where(Filing.estate_id == staff.estate_id)
    return stmt.where(sa.false())


def filing_for(staff, filing_id: int) -> Filing:
    filing = db.session.scalars(
        filings_query(staff).where(Filing.id == filing_id).order_by(None)
    ).first()
    if filing is None:
        raise NotFound(NOT_FOUND)
    return filing


def subject(filing: Filing):
    """The company, project manager, committee or contract a filing is about."""
    model = {
        FilingKind.company: Company,
        FilingKind.manager: ProjectManager,
        FilingKind.committee: Committee,
        FilingKind.contract: ServiceContract,
    }[filing.kind]
    return db.session.get(model, filing.subject_id)


def subject_label(filing: Filing) -> str:
    """How a filing's subject reads in a list (``公司名``, ``小区 · 公司``, …)."""
    found = subject(filing)
    if found is None:
        return f"#{filing.subject_id}"
    if filing.kind == FilingKind.manager:
        return f"{found.estate.name} · {found.name}"
    return str(found)


def expiring(staff, today: date | None = None, days: int = EXPIRY_NOTICE_DAYS) -> sa.Select:
    """Approved filings whose term or contract ends within ``days`` (or has ended and
    has not been filed again), soonest first."""
    today = today or local_today()
    return (
        filings_query(staff, state=FilingState.approved)
        .where(Filing.expires_on.is_not(None), Filing.expires_on <= today + timedelta(days=days))
        .order_by(None)
        .order_by(Filing.expires_on, Filing.id)
    )


def flag_expiring(today: date | None = None) -> int:
    """Mark approved filings ending within 60 days, once each (the daily job); returns how
    many were newly flagged."""
    today = today or local_today()
    return (
        db.session.execute(
            sa.update(Filing)
            .where(
                Filing.state == FilingState.approved,
                Filing.expires_on.is_not(None),
                Filing.expires_on <= today + timedelta(days=EXPIRY_NOTICE_DAYS),
                Filing.expiry_flagged_at.is_(None),
            )
            .values(expiry_flagged_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )


#: the panel pages the to-do lines link to (built by the panel; a line shows only when
#: its page exists)
TODO_ENDPOINTS = {
    "filings": "admin.supervision_filings",
    "expiring": "admin.supervision_expiring",
    "orders": "admin.supervision_orders",
}


def todo(staff) -> list[ToDo]:
    """What waits for ``staff``: filings to review and terms or contracts ending soon
    (officers who review), 督办 orders to answer (company, sent-back ones too) and answers
    to accept or send back (officers)."""
    items = []
    if scope.can(staff, "filing.review"):
        pending = _count(filings_query(staff, state=FilingState.submitted))
        if pending:
            items.append(ToDo("待审核备案", pending, TODO_ENDPOINTS["filings"]))
        ending = _count(expiring(staff))
        if ending:
            items.append(ToDo("60 天内到期的任期与合同", ending, TODO_ENDPOINTS["expiring"]))
    from backend.supervision import orders

    if scope.can(staff, "supervision.answer"):
        waiting = _count(
            scope.scoped(sa.select(SupervisionOrder), staff, SupervisionOrder.estate_id).where(
                SupervisionOrder.company_id == staff.company_id,
                SupervisionOrder.status.in_(orders.UNANSWERED),
            )
        )
        # the company admin's home shows it even at none: the company's standing with the
        # street office at a glance
        if waiting or scope.manages_company(staff):
            items.append(
                ToDo(
                    "待回复督办（含退回重办）",
                    waiting,
                    TODO_ENDPOINTS["orders"],
                    (("status", "unanswered"),),
                    urgent=True,
                )
            )
    if scope.can(staff, "supervision.order"):
        to_review = orders.awaiting_review_count(staff)
        if to_review:
            items.append(
                ToDo("待审核督办回复", to_review, TODO_ENDPOINTS["orders"], (("status", "review"),))
            )
    return [item for item in items if item.endpoint in current_app.view_functions]


def _count(stmt: sa.Select) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()))
