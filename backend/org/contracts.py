"""Service contracts (物业服务合同): which company serves an estate, and when."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from backend.audit import services as audit
from backend.authz import scope
from backend.core.errors import Conflict, Invalid, NotFound
from backend.core.time import local_today
from backend.extensions import db
from backend.org.models import Company, Estate, ManagementMode, ServiceContract


def sign_contract(
    actor,
    estate_id: int,
    company_id: int,
    starts_on: date,
    ends_on: date,
    service_level: str = "",
    fee_standard: str = "",
) -> ServiceContract:
    """Record a contract; if it is in force today the company now serves the estate.

    Contracts of one estate may not overlap: one management area (物业管理区域) is served
    by one property service company at a time.
    """
    scope.require(actor, "org.govern")
    estate = scope.get_scoped(Estate, estate_id, actor)
    if db.session.get(Company, company_id) is None:
        raise NotFound("未找到该物业企业", {"company_id": ["不存在"]})
    if ends_on <= starts_on:
        raise Invalid("合同结束日期必须晚于开始日期", {"ends_on": ["须晚于开始日期"]})
    # the same rule as the exclusion constraint on PostgreSQL, which also settles races
    overlapping = db.session.scalar(
        sa.select(sa.func.count(ServiceContract.id)).where(
            ServiceContract.estate_id == estate.id,
            ServiceContract.starts_on < ends_on,
            ServiceContract.ends_on > starts_on,
        )
    )
    if overlapping:
        raise _overlap()
    contract = ServiceContract(
        estate_id=estate.id,
        company_id=company_id,
        starts_on=starts_on,
        ends_on=ends_on,
        service_level=service_level,
        fee_standard=fee_standard,
    )
    before = {"company_id": estate.company_id, "management_mode": estate.management_mode.value}
    try:
        with db.session.begin_nested():
            db.session.add(contract)
    except IntegrityError as exc:
        # a concurrent filing for the same estate and period committed first
        raise _overlap() from exc
    serve_by_contract(estate)
    db.session.flush()
    audit.record(
        actor,
        "contract.sign",
        "service_contract",
        contract.id,
        before=before,
        after={
            "company_id": company_id,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
        },
        estate_id=estate.id,
    )
    return contract


def _overlap() -> Conflict:
    return Conflict("与该小区已有的合同期限重叠", {"starts_on": ["合同期限重叠"]})


def contract_in_force(estate_id: int, today: date) -> ServiceContract | None:
    """The estate's contract in force on ``today`` (from its first day, until its end date)."""
    return db.session.scalars(
        sa.select(ServiceContract).where(
            ServiceContract.estate_id == estate_id,
            ServiceContract.starts_on <= today,
            ServiceContract.ends_on > today,
        )
    ).first()


def serve_by_contract(estate: Estate, today: date | None = None) -> bool:
    """Make the estate served as its contract in force says; the one place this is decided.

    A contract in force makes its company serve the estate, managed by a company
    (物业企业), whatever the estate was before (self-managed, held by a state company). With
    none in force, a company whose contract has ended loses the estate (and its staff their
    access) and the management mode stays as it was; a company serving without a contract
    on record (filed before the platform) keeps it until a contract comes into force.
    Returns whether anything changed.
    """
    today = today or local_today()
    contract = contract_in_force(estate.id, today)
    if contract is not None:
        serving = (contract.company_id, ManagementMode.company)
    elif estate.company_id is not None and db.session.scalar(
        sa.select(
            sa.exists().where(
                ServiceContract.estate_id == estate.id,
                ServiceContract.company_id == estate.company_id,
                ServiceContract.ends_on <= today,
            )
        )
    ):
        serving = (None, estate.management_mode)
    else:
        return False
    if (estate.company_id, estate.management_mode) == serving:
        return False
    estate.company_id, estate.management_mode = serving
    return True


def apply_contracts(today: date | None = None) -> int:
    """Make each contracted estate served as its contract in force says (``serve_by_contract``).

    Run daily: a contract signed ahead takes effect on its first day, and a company whose
    contract has ended loses the estate (and so its staff's access to it). Estates with no
    contract on record keep what they have. Returns how many estates changed.
    """
    today = today or local_today()
    contracted = db.session.scalars(
        sa.select(Estate)
        .where(Estate.id.in_(sa.select(ServiceContract.estate_id)))
        .order_by(Estate.id)
    )
    changed = sum(serve_by_contract(estate, today) for estate in contracted)
    db.session.flush()
    return changed
