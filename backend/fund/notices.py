"""Who the fund tells what: the owners within a use's 列支范围 when it is put to them and
when their vote opens (message center, WeChat against each one's consent), and staff through
their to-do list (the applicant when the review decides, the reviewer, the bank)."""

from __future__ import annotations

import sqlalchemy as sa

from backend.accounts.models import Residency, ResidencyRole
from backend.authz import scope
from backend.core.time import to_local, utcnow
from backend.extensions import db
from backend.fund.models import FundUse, FundUseEvent, FundUseUnit, UseKind, UseState
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


#: the moves of a use its owners are told of (the action → the progress as a short phrase)
PROGRESS = {
    "submit": "应急维修",  # an emergency filed: posted at once (165号令 Art. 24)
    "approve": "审核同意",
    "return": "审核退回",
    "pay": "已划款",
    "disclose": "已公示结算",
}


def tells_owners(use: FundUse, action: str) -> bool:
    """Whether the owners within the 列支范围 are told of ``action`` on ``use``."""
    if action == "submit":
        return use.kind == UseKind.emergency
    return action in PROGRESS


@job
def notify_use_progress(use_id: int, event_id: int) -> int:
    """Tell the owners within the use's 列支范围 (the applicants of an owners' use among
    them) that it moved on: the review decided (approved, returned, or silence taken as
    approval), an instalment was paid, the final account was disclosed, or an emergency
    was filed. Stored in each one's message center and sent on WeChat against their consent
    (``notify_resident``). Safe to run twice: an owner already told of this event is not
    told again. Returns how many were told."""
    from backend.notify import notify_resident
    from backend.notify.models import Notification

    use = db.session.get(FundUse, use_id)
    event = db.session.get(FundUseEvent, event_id)
    if use is None or event is None or event.use_id != use_id:
        return 0
    progress = PROGRESS.get(event.action)
    if progress is None:
        return 0
    page = f"pages/fund/use?id={use_id}&event={event_id}"
    told = set(
        db.session.scalars(
            sa.select(Notification.resident_id).where(
                Notification.kind == "fund_use_progress", Notification.page == page
            )
        )
    )
    note = event.note if event.action in ("return", "approve", "pay") else ""
    count = 0
    for resident_id in scope_owners(use_id):
        if resident_id in told:
            continue
        notify_resident(
            resident_id, "fund_use_progress", estate_id=use.estate_id, use_id=use.id,
            event_id=event.id, title=use.title, progress=progress, note=note,
            at=event.created_at,
        )  # fmt: skip
        count += 1
    return count


def reviews_waiting(staff, base: sa.Select | None = None) -> list[int]:
    """The uses in ``staff``'s scope (or in ``base``) under review that ``staff``'s role
    reviews by the rules of their estate's city; a fixed number of statements whatever
    the number of uses (the estates and streets are read at once)."""
    from sqlalchemy.orm import selectinload

    from backend.fund import uses
    from backend.org.models import Street

    if base is None:
        base = uses.staff_uses(staff).order_by(None)
    waiting = db.session.scalars(
        base.where(FundUse.state == UseState.review).options(selectinload(FundUse.estate))
    ).all()
    street_ids = {use.estate.street_id for use in waiting}
    if street_ids:  # into the identity map: rules_for reads each use's street from it
        db.session.scalars(sa.select(Street).where(Street.id.in_(street_ids))).all()
    return [
        use.id
        for use in waiting
        if scope.can(staff, uses.REVIEW_PERMISSIONS[uses.rules_for(use.estate).reviewer])
    ]


def todo(staff) -> list:
    """What waits for ``staff`` in the fund: returned applications (the applicant), reviews
    (the city's reviewer), payment orders (the bank), emergencies to disclose (committee)."""
    from backend.core.feature import ToDo
    from backend.fund import oversight, uses

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
            ToDo(
                "退回的维修资金申请",
                count(FundUse.state == UseState.returned),
                "admin.fund",
                (("state", UseState.returned.value),),
            )
        )
    reviewing = reviews_waiting(staff, base)
    if reviewing:
        items.append(
            ToDo(
                "待审核的维修资金申请",
                len(reviewing),
                "admin.fund",
                (("state", UseState.review.value),),
                urgent=True,
            )
        )
        supervised = db.session.scalar(
            sa.select(sa.func.count()).select_from(
                oversight.supervised_uses(None).where(FundUse.id.in_(reviewing)).subquery()
            )
        )
        if supervised:
            items.append(ToDo("被督办的维修资金审核", supervised, "admin.fund", urgent=True))
    if scope.can(staff, "supervision.order"):
        # the officers: reviews past their deadline, to 督办
        overdue = count(FundUse.state == UseState.review, FundUse.review_due_at < utcnow())
        items.append(
            ToDo("审核超期的维修资金申请", overdue, "admin.fund", args=(("overdue", "1"),))
        )
    if scope.can(staff, "fund.apply"):
        to_accept = count(FundUse.state == UseState.paid)
        items.append(
            ToDo(
                "已划款待验收的维修资金申请",
                to_accept,
                "admin.fund",
                (("state", UseState.paid.value),),
            )
        )
    if scope.can(staff, "fund.pay"):
        waiting = count(FundUse.state == UseState.bank_notified)
        items.append(ToDo("待划款的通知", waiting, "admin.fund_orders", urgent=True))
    if scope.can(staff, "fund.disclose"):
        emergencies = count(FundUse.kind == UseKind.emergency, FundUse.state == UseState.accepted)
        items.append(ToDo("待公示的应急使用", emergencies, "admin.fund", urgent=True))
    return items
