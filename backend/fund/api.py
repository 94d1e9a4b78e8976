"""Resident API of the maintenance fund: my units' accounts and the uses that charge them."""

from __future__ import annotations

from backend.authz.resident import BEARER, current_resident, resident_required
from backend.core.api import Blueprint
from backend.fund import documents
from backend.fund import resident as service
from backend.fund.board import EVENT_LABELS
from backend.fund.rules import rules_for
from backend.fund.schemas import FundAccountSchema, FundUseDetailSchema, FundUseSchema
from backend.fund.uses import unit_ids_of

blp = Blueprint(
    "fund",
    __name__,
    tag="维修资金",
    description="住宅专项维修资金：我的分户账与涉及我的使用事项（《民法典》第二百八十一条）",
)


def use_row(use, resident) -> dict:
    return {
        "id": use.id,
        "estate_id": use.estate_id,
        "kind": use.kind.value,
        "kind_label": use.kind.label,
        "title": use.title,
        "state": use.state.value,
        "state_label": use.state.label,
        "budget_fen": use.budget_fen,
        "paid_fen": use.paid_fen,
        "my_share_fen": service.my_share(resident, use),
        "motion_id": use.motion_id,
    }


@blp.get("/me/fund")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, FundAccountSchema(many=True))
@blp.errors(401)
def my_fund():
    """我名下房屋的维修资金分户账（余额与明细）"""
    return service.my_accounts(current_resident())


@blp.get("/me/fund/uses")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, FundUseSchema(many=True))
@blp.errors(401)
def my_fund_uses():
    """由我名下房屋分摊的维修资金使用事项"""
    resident = current_resident()
    return [use_row(u, resident) for u in service.my_uses(resident)]


@blp.get("/me/fund/uses/<int:use_id>")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, FundUseDetailSchema)
@blp.errors(401, 404)
def my_fund_use(use_id: int):
    """一项维修资金使用：方案、列支范围、划款与办理记录"""
    resident = current_resident()
    use = service.my_use(resident, use_id)
    return {
        **use_row(use, resident),
        "items": use.items,
        "contractor": use.contractor,
        "emergency_category": use.emergency_category,
        "emergency_category_label": rules_for(use.estate).emergency_categories.get(
            use.emergency_category, ""
        ),
        "units": len(unit_ids_of(use)),
        "payments": [
            {"instalment": p.instalment, "amount_fen": p.amount_fen, "paid_on": p.paid_on}
            for p in use.payments
        ],
        "events": [
            {
                "action": e.action,
                "action_label": EVENT_LABELS.get(e.action, e.action),
                "to_state": e.to_state,
                "note": e.note if e.action in ("return", "approve") else "",
                "at": e.created_at,
            }
            # a 督办 is between the officer and the reviewer (the panel shows it)
            for e in use.events
            if e.action != "supervise"
        ],
        "documents": documents.document_views(use.id),
        "photos": documents.photo_views(use.id),
    }
