"""The disclosure board's generated section ``fund_uses``: each use once it is public (with
its plan, vote result, review, payments and final account) and each year's statement."""

from __future__ import annotations

import sqlalchemy as sa

from backend.core.feature import BoardItem
from backend.core.time import to_local
from backend.extensions import db
from backend.fees.money import yuan
from backend.fund import reports
from backend.fund.models import FundUse, UseKind, UseState
from backend.fund.rules import rules_for

#: states in which a use is not (yet) public: an ordinary plan before publicity
PRIVATE = (UseState.draft, UseState.proposed)

EVENT_LABELS = {
    "create": "起草",
    "propose": "提出方案",
    "publicise": "公示并发布表决",
    "open_vote": "开始表决",
    "count": "计票",
    "submit": "提交审核",
    "approve": "审核同意",
    "return": "退回",
    "notify_bank": "通知银行划款",
    "pay": "划款",
    "accept": "竣工验收",
    "disclose": "公示结算",
    "close": "结案",
    "withdraw": "撤回",
    "supervise": "督办审核",
}


def items(estate_id: int) -> list[BoardItem]:
    """The section's posts of ``estate_id``."""
    posts = []
    uses = db.session.scalars(
        sa.select(FundUse)
        .where(FundUse.estate_id == estate_id)
        .where(
            sa.or_(FundUse.kind == UseKind.emergency, FundUse.state.not_in(PRIVATE)),
            FundUse.state != UseState.draft,
        )
        .order_by(FundUse.id)
    ).all()
    for use in uses:
        posts.append(use_item(use))
    for year in reports.years_with_entries(estate_id):
        statement = reports.yearly_statement(estate_id, year)
        posts.append(
            BoardItem(
                key=f"fund-year-{year}",
                title=statement["title"],
                body=(
                    f"年初余额 {yuan(statement['opening_balance_fen'])}；"
                    f"本年收入 {yuan(statement['total_income_fen'])}；"
                    f"本年支出 {yuan(statement['total_expense_fen'])}；"
                    f"年末余额 {yuan(statement['closing_balance_fen'])}"
                ),
                data={"statement": statement},
            )
        )
    return posts


def use_item(use: FundUse) -> BoardItem:
    """One use as the board shows it (no names: who acted is given by role in the trail)."""
    from backend.fund import uses as service

    kind = "应急使用" if use.kind == UseKind.emergency else "维修资金使用"
    lines = [f"状态：{use.state.label}", f"预算：{yuan(use.budget_fen)}"]
    if use.kind == UseKind.emergency:
        category = rules_for(use.estate).emergency_categories.get(use.emergency_category, "")
        lines.append(f"应急情形：{category}（《住宅专项维修资金管理办法》第二十四条）")
    if use.items:
        lines.append(f"维修项目：{use.items}")
    if use.contractor:
        lines.append(f"施工单位：{use.contractor}")
    lines.append(f"列支范围：{len(service.unit_ids_of(use))} 户，按专有部分面积分摊")
    vote = None
    if use.motion_id is not None:
        from backend.votes.models import Motion, MotionState

        motion = db.session.get(Motion, use.motion_id)
        if motion.state == MotionState.published:
            vote = motion.published["tally"]
            lines.append(
                "表决结果："
                + ("通过" if motion.passed else "未通过")
                + f"（参与面积比 {vote['participation_area_ratio']}，"
                f"参与人数比 {vote['participation_head_ratio']}；"
                f"同意面积比 {vote['agree_area_ratio']}，同意人数比 {vote['agree_head_ratio']}）"
            )
        else:
            opens, closes = to_local(motion.opens_at), to_local(motion.closes_at)
            lines.append(f"业主表决：{opens:%Y-%m-%d} 至 {closes:%Y-%m-%d}")
    payments = [
        {"instalment": p.instalment, "amount_fen": p.amount_fen, "paid_on": p.paid_on.isoformat()}
        for p in use.payments
    ]
    for p in use.payments:
        lines.append(f"第 {p.instalment} 期划款 {yuan(p.amount_fen)}（{p.paid_on:%Y-%m-%d}）")
    if use.payments:
        lines.append(f"累计划款 {yuan(use.paid_fen)}")
    trail = [
        {
            "action": EVENT_LABELS.get(e.action, e.action),
            "at": to_local(e.created_at).isoformat(),
            "note": e.note if e.action in ("return", "approve") else "",
        }
        for e in use.events
    ]
    return BoardItem(
        key=f"fund-use-{use.id}",
        title=f"{kind}：{use.title}",
        body="\n\n".join(lines),
        data={
            "use_id": use.id,
            "kind": use.kind.value,
            "state": use.state.value,
            "budget_fen": use.budget_fen,
            "paid_fen": use.paid_fen,
            "vote": vote,
            "payments": payments,
            "trail": trail,
        },
        must_read=use.kind == UseKind.emergency and use.state != UseState.closed,
    )
