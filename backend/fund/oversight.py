"""The fund on the street's supervision dashboard (165号令 Art. 22–24: the authority reviews
uses; the street office supervises the committees and companies that apply): the balance of
the jurisdiction's accounts, uses by state, how long reviews take, reviews past their
deadline, emergencies whose disclosure is overdue, estates with accounts below the 续筹
threshold. Each figure names the filter of the fund's list that shows its cases
(:data:`LIST_FILTERS`). A review past its deadline can be 督办'd (:func:`supervise`).

The supervision feature reads :func:`figures` by its import path when the fund is installed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from backend.audit import services as audit
from backend.authz import scope
from backend.core.errors import Conflict, Invalid
from backend.core.time import to_local, utcnow
from backend.extensions import db
from backend.fund import uses
from backend.fund.models import FundAccount, FundEntry, FundUse, FundUseEvent, UseKind, UseState
from backend.fund.rules import rules_for
from backend.org.models import Estate
from backend.supervision.common import text

#: the fund list's filters a dashboard figure links to (``admin.fund`` query arguments)
LIST_FILTERS = {
    "state": "按状态",
    "overdue": "审核超期",
    "undisclosed": "应急使用逾期未公示",
    "supervised": "已督办",
    "emergency": "应急使用",
}
#: a 督办 of a fund review: the deadline at most this far ahead
MAX_DEADLINE = timedelta(days=30)


@dataclass
class FundFigures:
    """The fund's figures of an officer's jurisdiction (or one estate of it)."""

    balance_fen: int
    accounts: int
    by_state: list[tuple[UseState, int]]
    #: decided reviews (approved or returned) and their mean and longest time, in days
    reviews_decided: int
    review_days_mean: float | None
    review_days_max: float | None
    overdue_reviews: int
    supervised: int
    emergencies_open: int
    undisclosed_emergencies: int
    #: (estate, accounts below the 续筹 threshold), most first
    top_up_estates: list[tuple[Estate, int]] = field(default_factory=list)


def _estate_ids(staff, estate_id: int | None, company_id: int | None = None) -> list[int]:
    """The estates of ``staff``'s scope, narrowed to ``estate_id`` and to those
    ``company_id`` serves (as the dashboard's other cards narrow by company)."""
    return [
        e.id
        for e in scope.estates(staff)
        if (estate_id is None or e.id == estate_id)
        # 0: the self-managed estates (no company), as the dashboard's rollups count them
        and (company_id is None or (e.company_id or 0) == company_id)
    ]


def figures(
    staff,
    estate_id: int | None = None,
    now: datetime | None = None,
    *,
    company_id: int | None = None,
) -> FundFigures:
    """The fund's figures of ``staff``'s jurisdiction (narrowed to ``estate_id`` and to the
    estates ``company_id`` serves)."""
    scope.require(staff, "fund.read")
    now = now or utcnow()
    ids = _estate_ids(staff, estate_id, company_id)
    in_scope = FundUse.estate_id.in_(ids)
    balance, accounts = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(FundEntry.amount_fen), 0),
            sa.func.count(sa.distinct(FundEntry.account_id)),
        ).where(FundEntry.estate_id.in_(ids))
    ).one()
    counts = dict(
        db.session.execute(
            sa.select(FundUse.state, sa.func.count()).where(in_scope).group_by(FundUse.state)
        ).all()
    )
    by_state = [(state, counts.get(state, 0)) for state in UseState if counts.get(state)]
    days = review_days(ids)
    overdue = db.session.scalar(
        sa.select(sa.func.count()).select_from(uses.overdue_reviews(ids, now).subquery())
    )
    supervised = db.session.scalar(
        sa.select(sa.func.count()).select_from(supervised_uses(ids).subquery())
    )
    emergencies_open = db.session.scalar(
        sa.select(sa.func.count()).where(
            in_scope, FundUse.kind == UseKind.emergency, FundUse.state != UseState.closed
        )
    )
    return FundFigures(
        balance_fen=int(balance),
        accounts=int(accounts),
        by_state=by_state,
        reviews_decided=len(days),
        review_days_mean=round(sum(days) / len(days), 1) if days else None,
        review_days_max=round(max(days), 1) if days else None,
        overdue_reviews=overdue,
        supervised=supervised,
        emergencies_open=emergencies_open,
        undisclosed_emergencies=len(uses.undisclosed_emergencies(ids, now)),
        top_up_estates=top_up_estates(ids),
    )


def review_days(estate_ids: list[int]) -> list[float]:
    """Days from each submission to review to the decision that followed it (approved or
    returned; silence taken as approval counts too), for the uses of ``estate_ids``."""
    rows = db.session.execute(
        sa.select(FundUseEvent.use_id, FundUseEvent.action, FundUseEvent.created_at)
        .join(FundUse, FundUse.id == FundUseEvent.use_id)
        .where(
            FundUse.estate_id.in_(estate_ids),
            FundUseEvent.action.in_(("submit", "approve", "return")),
        )
        .order_by(FundUseEvent.use_id, FundUseEvent.id)
    ).all()
    out: list[float] = []
    started: dict[int, datetime] = {}
    for use_id, action, at in rows:
        if action == "submit":
            started[use_id] = at
        elif use_id in started:
            out.append((at - started.pop(use_id)).total_seconds() / 86400)
    return out


def top_up_estates(estate_ids: list[int]) -> list[tuple[Estate, int]]:
    """Estates with accounts below their city's 续筹 threshold (or overdrawn), with how many."""
    estates = list(db.session.scalars(sa.select(Estate).where(Estate.id.in_(estate_ids))))
    by_threshold: dict = {}
    for estate in estates:
        by_threshold.setdefault(rules_for(estate).top_up_threshold, []).append(estate.id)
    found: dict[int, int] = {}
    for threshold, ids in by_threshold.items():
        initial = sa.func.coalesce(
            sa.func.sum(
                sa.case(
                    (FundEntry.kind.in_(("initial_deposit", "opening")), FundEntry.amount_fen),
                    else_=0,
                )
            ),
            0,
        )
        total = sa.func.coalesce(sa.func.sum(FundEntry.amount_fen), 0)
        # threshold × initial, exactly: the threshold is a decimal share with 2 places
        hundredths = int(threshold * 100)
        flagged = (
            sa.select(FundAccount.estate_id.label("estate_id"))
            .join(FundEntry, FundEntry.account_id == FundAccount.id)
            .where(FundAccount.estate_id.in_(ids))
            .group_by(FundAccount.id, FundAccount.estate_id)
            .having(sa.or_(total < 0, sa.and_(initial > 0, total * 100 < initial * hundredths)))
            .subquery()
        )
        for estate_id, count in db.session.execute(
            sa.select(flagged.c.estate_id, sa.func.count()).group_by(flagged.c.estate_id)
        ):
            found[estate_id] = count
    named = {e.id: e for e in estates}
    return sorted(
        ((named[i], n) for i, n in found.items()), key=lambda pair: (-pair[1], pair[0].name)
    )


def supervised_uses(estate_ids) -> sa.Select:
    """Uses in review that an officer 督办'd while in this review (of ``estate_ids``, or
    of every estate for ``None``)."""
    stmt = sa.select(FundUse)
    if estate_ids is not None:
        stmt = stmt.where(FundUse.estate_id.in_(estate_ids))
    return stmt.where(
        FundUse.state == UseState.review,
        sa.exists().where(
            FundUseEvent.use_id == FundUse.id,
            FundUseEvent.action == "supervise",
            # this review's: a 督办 of an earlier review (returned, resubmitted) does not count
            FundUseEvent.created_at >= FundUse.review_started_at,
        ),
    )


def can_supervise(staff, use: FundUse, now: datetime | None = None) -> bool:
    """Whether ``staff`` may 督办 ``use`` now: an officer who may issue 督办 orders, on a
    review past its deadline."""
    now = now or utcnow()
    return (
        scope.can(staff, "supervision.order")
        and use.state == UseState.review
        and use.review_due_at is not None
        and use.review_due_at < now
    )


def supervise(
    officer, use: FundUse, instructions: str, deadline: datetime, now: datetime | None = None
) -> FundUseEvent:
    """督办 a review that missed its deadline: the officer's instructions and a new deadline
    go on the use's trail (the reviewer sees them at the top of their to-do list) and into
    the audit log; the dashboard counts the use as supervised until the review decides."""
    scope.require(officer, "supervision.order")
    now = now or utcnow()
    if use.state != UseState.review:
        raise Conflict(f"该申请当前为「{use.state.label}」，不在审核中")
    if use.review_due_at is None or use.review_due_at >= now:
        raise Conflict("审核尚未超过期限，不能督办")
    instructions = text(instructions, "instructions", "督办要求", max_length=400, multiline=True)
    if deadline.tzinfo is None:
        raise Invalid("期限须带时区", {"deadline": ["取值无效"]})
    if deadline <= now or deadline > now + MAX_DEADLINE:
        raise Invalid("办理期限须在今后 30 天内", {"deadline": ["须晚于现在，且在 30 天内"]})
    note = f"{instructions}（办理期限：{to_local(deadline):%Y-%m-%d %H:%M}）"
    event = FundUseEvent(
        use_id=use.id,
        action="supervise",
        from_state=str(use.state),
        to_state=str(use.state),
        actor_id=officer.id,
        note=note[:500],
        created_at=now,
    )
    db.session.add(event)
    db.session.flush()
    audit.record(
        officer,
        "fund_use.supervise",
        "fund_use",
        use.id,
        after={"instructions": instructions, "deadline": deadline.isoformat()},
        estate_id=use.estate_id,
    )
    return event


#: how the use list sorts (``admin.page.ListSpec``), by ``?sort=``
USE_SORTS = {
    "created": FundUse.created_at,
    "title": FundUse.title,
    "kind": FundUse.kind,
    "state": FundUse.state,
    "budget": FundUse.budget_fen,
    "paid": FundUse.paid_fen,
}


def listed_uses(
    staff,
    *,
    state: str | None = None,
    kind: UseKind | None = None,
    q: str = "",
    emergency: bool = False,
    overdue: bool = False,
    undisclosed: bool = False,
    supervised: bool = False,
    estate_id: int | None = None,
    company_id: int | None = None,
    now: datetime | None = None,
) -> sa.Select:
    """The uses in ``staff``'s scope behind a dashboard figure (newest first): of one
    state, emergencies, reviews past their deadline, emergencies whose disclosure is
    overdue, or reviews under 督办; narrowed to ``estate_id`` and to the estates
    ``company_id`` serves."""
    now = now or utcnow()
    stmt = uses.staff_uses(staff)
    if estate_id is not None:
        stmt = stmt.where(FundUse.estate_id == estate_id)
    if company_id is not None:
        stmt = stmt.where(FundUse.estate_id.in_(_estate_ids(staff, None, company_id)))
    if state is not None:
        if state not in UseState.__members__:
            raise Invalid("状态无效", {"state": ["取值不在允许范围内"]})
        stmt = stmt.where(FundUse.state == UseState(state))
    if kind is not None:
        stmt = stmt.where(FundUse.kind == kind)
    if q:
        stmt = stmt.where(FundUse.title.contains(q, autoescape=True))
    if emergency:
        stmt = stmt.where(FundUse.kind == UseKind.emergency, FundUse.state != UseState.closed)
    if overdue:
        stmt = stmt.where(FundUse.state == UseState.review, FundUse.review_due_at < now)
    if supervised:
        stmt = stmt.where(FundUse.id.in_(supervised_uses(None).with_only_columns(FundUse.id)))
    if undisclosed:
        late = [u.id for u in uses.undisclosed_emergencies(_all_ids(staff), now)]
        stmt = stmt.where(FundUse.id.in_(late))
    return stmt


def company_label(estates: list[Estate], company_id: int) -> str:
    """How the list names its company filter: the company serving one of ``estates`` (the
    reader's scope), 自管 for 0; a company serving none of them is not named."""
    if company_id == 0:
        return "物业企业：无（自管）"
    name = next((e.company.name for e in estates if e.company_id == company_id), None)
    return f"物业企业：{name}" if name else "物业企业"


def _all_ids(staff) -> list[int]:
    return [e.id for e in scope.estates(staff)]
