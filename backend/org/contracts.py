"""Service contracts (物业服务合同): which company serves an estate, and when."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

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
    overlapping = db.session.scalar(
        sa.select(sa.func.count(ServiceContract.id)).where(
            ServiceContract.estate_id == estate.id,
            ServiceContract.starts_on < ends_on,
            ServiceContract.ends_on > starts_on,
        )
    )
    if overlapping:
        raise Conflict("与该小区已有的合同期限重叠", {"starts_on": ["合同期限重叠"]})
    contract = ServiceContract(
        estate_id=estate.id,
        company_id=company_id,
        starts_on=starts_on,
        ends_on=ends_on,
        service_level=service_level,
        fee_standard=fee_standard,
    )
    db.session.add(contract)
    before = {"company_id": estate.company_id, "management_mode": estate.management_mode.value}
    if starts_on <= local_today() < ends_on:
        estate.company_id = company_id
        estate.management_mode = ManagementMode.company
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


def apply_contracts(today: date | None = None) -> int:
    """Make each contracted estate served by the company whose contract is in force.

    Run daily: a contract signed ahead takes effect on its first day, and a company whose
    contract has ended loses the estate (and so its staff's access to it). Estates with no
    contract on record keep what they have. Returns how many estates changed hands.
    """
    today = today or local_today()
    in_force = (
        sa.select(ServiceContract.company_id)
        .where(
            ServiceContract.estate_id == Estate.id,
            ServiceContract.starts_on <= today,
            ServiceContract.ends_on > today,
        )
        .limit(1)
        .scalar_subquery()
    )
    contracted = sa.select(ServiceContract.estate_id)
    return db.session.execute(
        sa.update(Estate)
        .where(Estate.id.in_(contracted), Estate.company_id.is_distinct_from(in_force))
        .values(company_id=in_force)
        .execution_options(synchronize_session=False)
    ).rowcount
