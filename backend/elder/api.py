"""Resident API of elder mode: the display setting and 请家人帮忙 (thin views)."""

from __future__ import annotations

from backend.authz.resident import BEARER, current_resident, resident_rate_key, resident_required
from backend.core.api import Blueprint
from backend.elder import services
from backend.elder.schemas import (
    FamilyTicketSchema,
    FollowUpSchema,
    HelpRequestCreateSchema,
    HelpRequestSchema,
    SettingsSchema,
)
from backend.extensions import configured_limit, limiter
from backend.tickets.api import ticket_detail, urge_action
from backend.tickets.schemas import RatingSchema

blp = Blueprint("elder", __name__, tag="长辈版", description="长辈版设置与请家人帮忙")


@blp.get("/me/settings")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, SettingsSchema)
@blp.errors(401)
def my_settings():
    """我的显示设置（长辈版开关；真实小程序与模拟器读取同一设置）"""
    return services.settings_of(current_resident())


@blp.put("/me/settings")
@blp.doc(security=BEARER)
@resident_required
@blp.arguments(SettingsSchema, example={"elder_mode": True})
@blp.response(200, SettingsSchema)
@blp.errors(400, 401)
def update_my_settings(payload):
    """打开或关闭长辈版"""
    return services.update_settings(current_resident(), elder_mode=payload["elder_mode"])


@blp.post("/me/help-requests")
@blp.doc(security=BEARER)
@resident_required
@limiter.limit(configured_limit("RATELIMIT_HELP_REQUEST"), key_func=resident_rate_key)
@blp.arguments(HelpRequestCreateSchema, example={"bill_id": 1})
@blp.response(201, HelpRequestSchema)
@blp.alt_response(200, schema=HelpRequestSchema, description="已经请过家人（不再发送）")
@blp.errors(400, 401, 404, 409, 429)
def ask_family(payload):
    """请家人帮忙：给同一房屋已绑定的业主和家属发消息，请其代缴这张账单或跟进这张工单"""
    row, created = services.ask_family(current_resident(), **payload)
    return row, 201 if created else 200


def _family_view(ticket, help_request) -> dict:
    return {
        **ticket_detail(ticket),
        "actions": services.helper_actions(ticket),
        "asked_by": services.asker_name(help_request),
    }


@blp.get("/me/family-tickets/<int:ticket_id>")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, FamilyTicketSchema)
@blp.errors(401, 404)
def family_ticket(ticket_id):
    """家人请我帮忙的工单：进度、照片与可代为办理的操作（仅同一房屋的业主与家属）"""
    return _family_view(*services.helped_ticket(current_resident(), ticket_id))


@blp.post("/me/family-tickets/<int:ticket_id>/follow-ups")
@blp.doc(security=BEARER)
@resident_required
@blp.arguments(FollowUpSchema, example={"note": "师傅下午三点后家里有人"})
@blp.response(200, FamilyTicketSchema)
@blp.alt_response(409, description="工单已关闭或已驳回")
@blp.errors(400, 401, 404, 409, 422)
def family_follow_up(payload, ticket_id):
    """代为补充说明（文字或照片），进度中显示为“家人 某某 代为补充说明”"""
    return _family_view(
        *services.help_follow_up(
            current_resident(), ticket_id, payload["note"], payload["photo_ids"]
        )
    )


@blp.post("/me/family-tickets/<int:ticket_id>/rating")
@blp.doc(security=BEARER)
@resident_required
@blp.arguments(RatingSchema, example={"score": 5, "comment": "修好了"})
@blp.response(200, FamilyTicketSchema)
@blp.alt_response(409, description="尚未处理完成，或已评价")
@blp.errors(400, 401, 404, 409, 422)
def family_rating(payload, ticket_id):
    """代为评价处理结果（1–5 星；每个工单一次）"""
    return _family_view(
        *services.help_rate(current_resident(), ticket_id, payload["score"], payload["comment"])
    )


@blp.post("/me/family-tickets/<int:ticket_id>/urge")
@blp.doc(security=BEARER)
@resident_required
@urge_action(blp, FamilyTicketSchema)
def family_urge(ticket_id):
    """代为催办：提醒物业尽快处理家人的工单（与本人催办同一间隔），进度中写明“家人 某某 代为催办”"""
    return _family_view(*services.help_urge(current_resident(), ticket_id))
