"""A use of the fund (使用申请) as a state machine of conditional updates.

Ordinary use (165号令 Art. 22/23, 民法典 Art. 278):
draft → proposed → publicised (plan on the board; the owners' vote announced) → voting →
passed | failed → review → approved | returned → bank_notified → paid (instalments) →
accepted → disclosed → closed.

Emergency use (165号令 Art. 24): the vote is skipped, the review is not: draft → review
(posted on the board at once) → … → paid → accepted → disclosed → closed. It can only be
closed once disclosed (民法典 Art. 281).

Every move is one conditional ``UPDATE`` (``core/db.py transition``): two people acting at
once cannot both move a use. Every move appends a :class:`FundUseEvent` and an audit entry.
Who may do what is a permission (``backend/fund/feature.py``); reviewing needs the permission
of the reviewer the city's rules name (``fund.review_street`` / ``_bureau`` / ``_committee``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from backend.audit import services as audit
from backend.authz import scope
from backend.core import board_hook
from backend.core.db import defer, transition
from backend.core.errors import Conflict, Forbidden, Invalid, NotFound
from backend.core.time import SHANGHAI, utcnow
from backend.extensions import db
from backend.fees.money import yuan
from backend.fund import ledger, notices
from backend.fund.models import FundPayment, FundUse, FundUseEvent, FundUseUnit, UseKind, UseState
from backend.fund.rules import rules_for
from backend.org.models import Estate, Unit

log = logging.getLogger(__name__)

#: the board's generated section that shows uses (backend/board/sections.toml)
BOARD_SECTION = "fund_uses"
#: 民法典 Art. 278 item (5): use of the maintenance fund (majority class)
USE_ITEM = 5
S = UseState
ORDINARY, EMERGENCY = UseKind.ordinary, UseKind.emergency


@dataclass(frozen=True)
class Action:
    """A move of a use: from which states (per kind) to which, under which permission.

    ``permission`` ``None``: the reviewer's permission named by the city's rules.
    """

    code: str
    label: str
    sources: dict
    target: UseState | None
    permission: str | None


def _both(*states):
    return {ORDINARY: frozenset(states), EMERGENCY: frozenset(states)}


ACTIONS: dict[str, Action] = {
    a.code: a
    for a in (
        Action("propose", "提出方案", {ORDINARY: frozenset({S.draft})}, S.proposed, "fund.apply"),
        # the committee puts the plan to the owners: on the board, the vote announced
        Action(
            "publicise",
            "公示并发布表决",
            {ORDINARY: frozenset({S.proposed})},
            S.publicised,
            "fund.vote",
        ),
        Action(
            "open_vote", "开始表决", {ORDINARY: frozenset({S.publicised})}, S.voting, "fund.vote"
        ),
        # passed or failed, as the vote's tally says
        Action("count", "计票", {ORDINARY: frozenset({S.voting})}, None, "fund.vote"),
        Action(
            "submit",
            "提交审核",
            {
                ORDINARY: frozenset({S.passed, S.returned}),
                EMERGENCY: frozenset({S.draft, S.returned}),
            },
            S.review,
            "fund.apply",
        ),
        Action("approve", "审核同意", _both(S.review), S.approved, None),
        Action("return", "退回", _both(S.review), S.returned, None),
        # the reviewing authority notifies the fund's bank (165号令 Art. 22)
        Action("notify_bank", "通知银行划款", _both(S.approved), S.bank_notified, None),
        Action("pay", "登记划款", _both(S.bank_notified, S.paid), S.paid, "fund.pay"),
        Action("accept", "竣工验收", _both(S.paid), S.accepted, "fund.apply"),
        Action("disclose", "公示结算", _both(S.accepted), S.disclosed, "fund.disclose"),
        Action("close", "结案", _both(S.disclosed), S.closed, "fund.apply"),
        # an ordinary use may be dropped before money moves; an emergency never is closed
        # without its disclosure
        Action(
            "withdraw",
            "撤回",
            {ORDINARY: frozenset({S.draft, S.proposed, S.returned, S.failed})},
            S.closed,
            "fund.apply",
        ),
    )
}

#: states in which the bank holds a payment order for a use
ORDERED = (S.bank_notified, S.paid, S.accepted, S.disclosed, S.closed)

REVIEW_PERMISSIONS = {
    "street": "fund.review_street",
    "bureau": "fund.review_bureau",
    "committee": "fund.review_committee",
}


# --- reading -------------------------------------------------------------------------------


def staff_uses(staff) -> sa.Select:
    """Uses in ``staff``'s scope: the estate's for the committee, what a company applied for,
    the jurisdiction's for street and bureau, the orders addressed to the bank."""
    if not (scope.can(staff, "fund.read") or scope.can(staff, "fund.orders")):
        raise Forbidden("您的角色没有此项权限")
    stmt = scope.scoped(sa.select(FundUse), staff, FundUse.estate_id)
    if scope.can(staff, "fund.own_applications"):
        stmt = stmt.where(FundUse.company_id == staff.company_id)
    if not scope.can(staff, "fund.read"):
        # the bank: payment orders only, once the reviewer notified it
        stmt = stmt.where(FundUse.state.in_(ORDERED))
    return stmt.order_by(FundUse.id.desc())


def staff_use(staff, use_id: int) -> FundUse:
    """One use in ``staff``'s scope, else 404."""
    use = db.session.scalars(staff_uses(staff).where(FundUse.id == use_id)).first()
    if use is None:
        raise NotFound("未找到该维修资金使用申请，或不在您的管辖范围内")
    return use


def unit_ids_of(use: FundUse) -> list[int]:
    """The 列支范围: the units that pay for the use."""
    return list(
        db.session.scalars(
            sa.select(FundUseUnit.unit_id)
            .where(FundUseUnit.use_id == use.id)
            .order_by(FundUseUnit.unit_id)
        )
    )


def allowed_actions(staff, use: FundUse) -> list[Action]:
    """The moves ``staff`` may make on ``use`` now (what the screen offers)."""
    return [a for a in ACTIONS.values() if _refusal(staff, use, a) is None]


def _permission(use: FundUse, action: Action) -> str:
    if action.permission is not None:
        return action.permission
    return REVIEW_PERMISSIONS[rules_for(use.estate).reviewer]


def _refusal(staff, use: FundUse, action: Action) -> str | None:
    """Why ``staff`` may not make ``action`` on ``use`` now (None: they may)."""
    sources = action.sources.get(use.kind, frozenset())
    if use.state not in sources:
        return f"该申请当前为「{use.state.label}」，不能{action.label}"
    if staff is not None and not scope.can(staff, _permission(use, action)):
        return f"您的角色不能{action.label}"
    return None


# --- writing -------------------------------------------------------------------------------


def create_use(
    actor,
    estate_id: int,
    *,
    title: str,
    unit_ids: list[int],
    budget_fen: int,
    items: str = "",
    contractor: str = "",
    kind: UseKind = ORDINARY,
    emergency_category: str = "",
    ticket_id: int | None = None,
) -> FundUse:
    """Draft a use with its plan and its 列支范围 (``unit_ids``, units of the estate)."""
    scope.require(actor, "fund.apply")
    estate = scope.get_scoped(Estate, estate_id, actor)
    kind = UseKind(kind)
    title = (title or "").strip()
    if not title or len(title) > 100:
        raise Invalid("请填写标题（最多 100 字）", {"title": ["必填，最多 100 字"]})
    if isinstance(budget_fen, bool) or not isinstance(budget_fen, int) or budget_fen <= 0:
        raise Invalid("预算须为正整数（分）", {"budget_fen": ["须为正整数"]})
    ids = sorted(set(unit_ids))
    if not ids:
        raise Invalid("请选择列支范围（分摊的房屋）", {"unit_ids": ["至少一户"]})
    found = db.session.scalar(
        sa.select(sa.func.count()).where(Unit.id.in_(ids), Unit.estate_id == estate.id)
    )
    if found != len(ids):
        raise Invalid("列支范围中有不属于本小区的房屋", {"unit_ids": ["须为本小区的房屋"]})
    if kind == EMERGENCY:
        categories = rules_for(estate).emergency_categories
        if emergency_category not in categories:
            raise Invalid("请选择应急情形", {"emergency_category": list(categories)})
        if ticket_id is not None and not _ticket_of_estate(ticket_id, estate.id):
            raise Invalid("工单不存在或不属于本小区", {"ticket_id": ["须为本小区的工单"]})
    else:
        # an emergency often starts as a ticket; an ordinary plan does not
        emergency_category, ticket_id = "", None
    use = FundUse(
        estate_id=estate.id,
        kind=kind,
        state=S.draft,
        title=title,
        items=items or "",
        budget_fen=budget_fen,
        contractor=contractor or "",
        emergency_category=emergency_category,
        ticket_id=ticket_id,
        applicant_id=actor.id,
        company_id=actor.company_id if scope.can(actor, "fund.own_applications") else None,
    )
    db.session.add(use)
    db.session.flush()
    db.session.execute(sa.insert(FundUseUnit), [{"use_id": use.id, "unit_id": uid} for uid in ids])
    _event(use, "create", "", S.draft, actor, "")
    audit.record(
        actor,
        "fund_use.create",
        "fund_use",
        use.id,
        after={"title": title, "kind": kind.value, "budget_fen": budget_fen, "units": len(ids)},
        estate_id=estate.id,
    )
    return use


def _ticket_of_estate(ticket_id: int, estate_id: int) -> bool:
    from backend.tickets.models import Ticket

    if isinstance(ticket_id, bool) or not isinstance(ticket_id, int):
        return False
    return (
        db.session.scalar(
            sa.select(sa.func.count()).where(Ticket.id == ticket_id, Ticket.estate_id == estate_id)
        )
        == 1
    )


def act(actor, use: FundUse, code: str, *, now: datetime | None = None, note: str = "") -> FundUse:
    """Make move ``code`` on ``use`` as ``actor`` (``None``: the clock). Refused with 403
    (permission) or 409 (state, or someone else moved it first)."""
    action = ACTIONS.get(code)
    if action is None:
        raise NotFound("没有这项操作")
    if code == "pay":
        raise Invalid("划款请用登记划款（record_payment）")
    now = now or utcnow()
    refusal = _refusal(actor, use, action)
    if refusal is not None:
        in_state = use.state in action.sources.get(use.kind, frozenset())
        raise (Forbidden if in_state else Conflict)(refusal)
    handler = _HANDLERS.get(code)
    values: dict = {}
    target = action.target
    if handler is not None:
        target, values = handler(actor, use, now)
    if code == "return" and not note.strip():
        raise Invalid("退回须写明理由", {"note": ["必填"]})
    _move(actor, use, code, target, note, at=now, **values)
    return use


def _move(
    actor, use: FundUse, code: str, target: UseState, note: str = "", *, at=None, **values
) -> None:
    source = use.state
    if not transition(FundUse, use.id, FundUse.state, source, state=target, **values):
        raise Conflict("该申请已被他人处理，请刷新后重试")
    db.session.refresh(use)
    event = _event(use, code, source, target, actor, note, at)
    if notices.tells_owners(use, code):
        defer(notices.notify_use_progress, use.id, event.id)
    if actor is not None:
        audit.record(
            actor,
            "fund_use.move",
            "fund_use",
            use.id,
            before={"state": source.value},
            after={"state": target.value, "action": code, "note": note},
            estate_id=use.estate_id,
        )
    board_hook.source_changed(use.estate_id, BOARD_SECTION)
    log.info("fund use %s: %s → %s (%s)", use.id, source, target, code)


def _event(use, code, source, target, actor, note, at=None) -> FundUseEvent:
    event = FundUseEvent(
        use_id=use.id,
        action=code,
        from_state=str(source),
        to_state=str(target),
        actor_id=getattr(actor, "id", None),
        note=(note or "")[:500],
        created_at=at or utcnow(),
    )
    db.session.add(event)
    db.session.flush()
    return event


def _publicise(actor, use, now):
    """Post the plan and announce the owners' vote whose electorate is the 列支范围."""
    from backend.votes import motions as vote_motions

    rules = rules_for(use.estate)
    days = max(rules.publicity_days, vote_motions.notice_days(use.estate, False))
    opens_at = now + timedelta(days=days)
    motion = vote_motions.create_motion(
        actor,
        use.estate_id,
        item=USE_ITEM,
        title=f"使用维修资金：{use.title}"[:100],
        body=_plan_text(use),
        opens_at=opens_at,
        closes_at=opens_at + timedelta(days=VOTE_DAYS),
    )
    vote_motions.announce(actor, motion, now=now, notify=False, unit_ids=unit_ids_of(use))
    # the owners of the 列支范围, not the whole estate, are told (after commit)
    defer(notices.notify_scope_owners, use.id, "publicised")
    return S.publicised, {"motion_id": motion.id, "publicised_at": now}


#: how long the owners' vote on a use stays open
VOTE_DAYS = 14


def _open_vote(actor, use, now):
    from backend.votes import motions as vote_motions
    from backend.votes.models import Motion, MotionState

    motion = db.session.get(Motion, use.motion_id)
    if motion.state == MotionState.announced:
        vote_motions.open_voting(actor, motion, now=now)
    if motion.state != MotionState.open:
        raise Conflict(f"表决当前为「{motion.state.label}」，不能开始")
    defer(notices.notify_scope_owners, use.id, "voting")
    return S.voting, {}


def _count(actor, use, now):
    from backend.votes import motions as vote_motions
    from backend.votes import publication as vote_publication
    from backend.votes.models import Motion, MotionState

    motion = db.session.get(Motion, use.motion_id)
    if motion.state == MotionState.open:
        vote_motions.close_voting(actor, motion, now=now)
    if motion.state == MotionState.closed:
        vote_publication.publish(actor, motion, now=now, notify=actor is not None)
    if motion.state != MotionState.published:
        raise Conflict(f"表决当前为「{motion.state.label}」，不能计票")
    return (S.passed if motion.passed else S.failed), {}


def _submit(actor, use, now):
    rules = rules_for(use.estate)
    days = (
        rules.emergency_review_working_days if use.kind == EMERGENCY else rules.review_working_days
    )
    return S.review, {"review_started_at": now, "review_due_at": rules.add_working_days(now, days)}


def _disclose(actor, use, now):
    return S.disclosed, {"disclosed_at": now}


_HANDLERS = {
    "publicise": _publicise,
    "open_vote": _open_vote,
    "count": _count,
    "submit": _submit,
    "disclose": _disclose,
}


def _plan_text(use: FundUse) -> str:
    lines = [f"维修项目：{use.items}" if use.items else "", f"预算：{yuan(use.budget_fen)}"]
    if use.contractor:
        lines.append(f"施工单位：{use.contractor}")
    lines.append(f"列支范围：{len(unit_ids_of(use))} 户，按专有部分面积分摊")
    return "\n".join(line for line in lines if line)


def record_payment(
    actor,
    use: FundUse,
    *,
    instalment: int,
    amount_fen: int,
    paid_on: date,
    bank_reference: str = "",
) -> FundPayment:
    """The bank records instalment ``instalment`` of a use: the payment and, in the same
    transaction, the debits split by area over the 列支范围. The same instalment recorded
    twice (even at once) is refused by the database's unique constraint (409)."""
    action = ACTIONS["pay"]
    refusal = _refusal(actor, use, action)
    if refusal is not None:
        in_state = use.state in action.sources.get(use.kind, frozenset())
        raise (Forbidden if in_state else Conflict)(refusal)
    if isinstance(instalment, bool) or not isinstance(instalment, int) or instalment < 1:
        raise Invalid("期数须为正整数", {"instalment": ["须为正整数"]})
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise Invalid("金额须为正整数（分）", {"amount_fen": ["须为正整数"]})
    if any(p.instalment == instalment for p in use.payments):
        # said plainly here; two recordings at once are settled by the unique constraint below
        raise Conflict(f"第 {instalment} 期划款已登记")
    if use.paid_fen + amount_fen > use.budget_fen:
        raise Invalid("累计划款不能超过核准的预算", {"amount_fen": ["超过预算"]})
    source = use.state
    payment = FundPayment(
        use_id=use.id,
        instalment=instalment,
        amount_fen=amount_fen,
        paid_on=paid_on,
        bank_reference=(bank_reference or "")[:60],
        recorded_by_id=getattr(actor, "id", None),
    )
    try:
        with db.session.begin_nested():
            db.session.add(payment)
            db.session.flush()
    except IntegrityError:
        raise Conflict(f"第 {instalment} 期划款已登记") from None
    # the paid total moves by one conditional update from the value this request read
    if not transition(
        FundUse,
        use.id,
        FundUse.paid_fen,
        use.paid_fen,
        paid_fen=use.paid_fen + amount_fen,
        state=S.paid,
    ):
        raise Conflict("该申请已被他人处理，请刷新后重试")
    db.session.refresh(use)
    areas = dict(
        db.session.execute(
            sa.select(Unit.id, Unit.area)
            .join(FundUseUnit, FundUseUnit.unit_id == Unit.id)
            .where(FundUseUnit.use_id == use.id)
        ).all()
    )
    ledger.split_debits(
        {uid: Decimal(area) for uid, area in areas.items()},
        amount_fen,
        paid_on,
        use_id=use.id,
        payment_id=payment.id,
        estate_id=use.estate_id,
        actor=actor,
        reference=payment.bank_reference or f"FUND-{use.id}-{instalment}",
        memo=f"维修资金使用 {use.id} 第 {instalment} 期",
    )
    event = _event(use, "pay", source, S.paid, actor, f"第 {instalment} 期 {yuan(amount_fen)}")
    defer(notices.notify_use_progress, use.id, event.id)
    audit.record(
        actor,
        "fund_use.payment",
        "fund_use",
        use.id,
        after={"instalment": instalment, "amount_fen": amount_fen, "paid_on": paid_on.isoformat()},
        estate_id=use.estate_id,
    )
    board_hook.source_changed(use.estate_id, BOARD_SECTION)
    return payment


def lapse_reviews(now: datetime | None = None) -> int:
    """The clock: a review not decided by its due time is approved where the city's rules
    say silence is approval (and only there). Returns how many were approved."""
    now = now or utcnow()
    due = db.session.scalars(
        sa.select(FundUse).where(FundUse.state == S.review, FundUse.review_due_at <= now)
    ).all()
    approved = 0
    for use in due:
        if not rules_for(use.estate).silence_is_approval:
            continue
        try:
            _move(
                None, use, "approve", S.approved, "审核期限届满未答复，依本市规定视为同意", at=now
            )
        except Conflict:
            continue
        approved += 1
    return approved


def overdue_reviews(estate_ids, now: datetime | None = None) -> sa.Select:
    """Uses whose review is past its due time (the street's list; 督办-able)."""
    now = now or utcnow()
    stmt = sa.select(FundUse).where(FundUse.state == S.review, FundUse.review_due_at < now)
    if estate_ids is not None:
        stmt = stmt.where(FundUse.estate_id.in_(estate_ids))
    return stmt


def undisclosed_emergencies(estate_ids, now: datetime | None = None) -> list[FundUse]:
    """Emergency uses whose disclosure is overdue: paid longer ago than the city's
    disclosure days (counted from the last instalment's payment date) and not disclosed."""
    now = now or utcnow()
    stmt = sa.select(FundUse).where(
        FundUse.kind == EMERGENCY, FundUse.state.in_([S.paid, S.accepted])
    )
    if estate_ids is not None:
        stmt = stmt.where(FundUse.estate_id.in_(estate_ids))
    today = now.astimezone(SHANGHAI).date()
    return [
        use
        for use in db.session.scalars(stmt.order_by(FundUse.id))
        if use.payments
        and max(p.paid_on for p in use.payments)
        + timedelta(days=rules_for(use.estate).emergency_disclosure_days)
        < today
    ]
