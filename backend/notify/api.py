"""Resident API: the message center (消息) and subscription consents (thin views)."""

from __future__ import annotations

from backend.authz.resident import BEARER, current_resident, resident_required
from backend.core.api import Blueprint, SelectPage
from backend.notify import services
from backend.notify.schemas import (
    MessageSchema,
    SubscriptionAnswersSchema,
    SubscriptionSchema,
    UnreadCountSchema,
)

blp = Blueprint("notify", __name__, tag="消息中心", description="消息中心与订阅消息授权")


@blp.get("/me/subscriptions")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, SubscriptionSchema(many=True))
@blp.errors(401)
def my_subscriptions():
    """订阅消息模板及我剩余的授权次数"""
    return services.subscriptions_of(current_resident().id)


@blp.post("/me/subscriptions")
@blp.doc(security=BEARER)
@resident_required
@blp.arguments(
    SubscriptionAnswersSchema,
    example={"tmpl-residency-active": "accept", "tmpl-bill-issued": "reject"},
)
@blp.response(200, SubscriptionSchema(many=True))
@blp.errors(400, 401)
def report_subscriptions(payload):
    """上报 wx.requestSubscribeMessage 的结果：每个“允许”可发送一条该模板的消息"""
    return services.record_subscription_answers(current_resident().id, payload["answers"])


@blp.get("/me/messages")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, MessageSchema(many=True))
@blp.paginate(SelectPage, page_size=20, max_page_size=100)
@blp.errors(401, 422)
def my_messages():
    """消息中心：我的全部消息，新的在前（分页：page、page_size；总数见 X-Pagination 响应头）"""
    return services.messages_of(current_resident().id)


@blp.get("/me/messages/unread-count")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, UnreadCountSchema)
@blp.errors(401)
def my_unread_count():
    """未读消息数"""
    return {"unread": services.unread_count(current_resident().id)}


@blp.post("/me/messages/<int:message_id>/read")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, MessageSchema)
@blp.errors(401, 404)
def mark_message_read(message_id):
    """标记一条消息为已读（他人的消息一律 404）"""
    return services.mark_read(current_resident().id, message_id)


@blp.post("/me/messages/read-all")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, UnreadCountSchema)
@blp.errors(401)
def mark_all_messages_read():
    """全部标记为已读"""
    services.mark_all_read(current_resident().id)
    return {"unread": 0}
