"""Who the fund tells what: the owners within a use's 列支范围 when it is put to them and
when their vote opens (message center, WeChat against each one's consent), and staff through
their to-do list (the applicant when the review decides, the reviewer, the bank)."""

from __future__ import annotations

import sqlalchemy as sa

from backend.accounts.models import Residency, ResidencyRole
from backend.authz import scope
from backend.core.time import to_local
from backend.extensions import db
from backend.fund.models import FundUse, FundUseUnit, UseKind, UseState
from backend.jobs import job


def scope_owners(use_id: int) -> list[int]:
    """Residents who currently own a unit within the use's 列支范围 (each once)."""
    return list(
        db.session.scalars(
            sa.select(Residency.resident_id)
            .join(FundUseUnit, FundUseUnit.unit_id == Residency.unit_id)
            .where(
                FundUseUnit.use_id == use_id,
                Residency.role == ResidencyRole.owner,
                Residency.is_current,
            )
            .distinct()
            .order_by(Residency.resident_id)
        )
    )


@job
def notify_scope_owners(use_id: int, event: str) -> int:
    """Tell the owners within the 列支范围 that the use was put to their vote
    (``publicised``) or that the vote opened (``voting``); safe to run twice only in that
    it tells nobody outside the scope. Returns how many were told."""
    from backend.notify import notify_resident
    from backend.votes.models import Motion

    use = db.session.get(FundUse, use_id)
    if use is None or use.motion_id is None:
        return 0
    motion = db.session.get(Motion, use.motion_id)
    residents = scope_owners(use_id)
    for resident_id in residents:
        if event == "publicised":
            notify_resident(
                resident_id, "vote_announced", estate_id=use.estate_id, motion_id=motion.id,
                title=motion.title, estate_name=use.estate.name,
                opens_on=to_local(motion.opens_at).date(),
                closes_on=to_local(motion.closes_at).date(),
            )  # fmt: skip
        else:
            notify_resident(
                resident_id, "vote_closing", estate_id=use.estate_id, motion_id=motion.id,
                title=motion.title, closes_at=motion.closes_at,
                hint="维修资金使用表决已开始，请投票",
            )  # fmt: skip
    return len(residents)


def todo(staff) -> list:
    """What waits for ``staff`` in the fund: returned applications (the applicant), reviews
    (the city's reviewer), payment orders (the bank), emergencies to disclose (committee)."""
    from backend.core.feature import ToDo
    from backend.fund import uses

    if not (scope.can(staff, "fund.read") or scope.can(staff, "fund.orders")):
        return []
    base = uses.staff_uses(staff).order_by(None)

    def count(*where) -> int:
        return db.session.scalar(
            sa.select(sa.func.count()).select_from(base.where(*where).subquery())
        )

    items = []
    if scope.can(staff, "fund.apply"):
        items.append(
            ToDo("退回的维修资金申请", count(FundUse.state == UseState.returned), "admin.fund")
        )
    reviewing = [
        use.id
        for use in db.session.scalars(base.where(FundUse.state == UseState.review))
        if scope.can(staff, uses.REVIEW_PERMISSIONS[uses.rules_for(use.estate).reviewer])
    ]
    if reviewing:
        items.append(ToDo("待审核的维修资金申请", len(reviewing), "admin.fund", urgent=True))
    if scope.can(staff, "fund.pay"):
        waiting = count(FundUse.state == UseState.bank_notified)
        items.append(ToDo("待划款的通知", waiting, "admin.fund_orders", urgent=True))
    if scope.can(staff, "fund.disclose"):
        emergencies = count(FundUse.kind == UseKind.emergency, FundUse.state == UseState.accepted)
        items.append(ToDo("待公示的应急使用", emergencies, "admin.fund", urgent=True))
    return items
