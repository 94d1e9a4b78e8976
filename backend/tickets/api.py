"""Resident API of tickets: submit, my tickets, detail with timeline, urge, rate, reopen,
supervise."""

from __future__ import annotations

from flask import request

from backend.authz.resident import BEARER, current_resident, resident_rate_key, resident_required
from backend.core.api import Blueprint, SelectPage
from backend.core.errors import Invalid
from backend.extensions import configured_limit, limiter
from backend.media.services import photo_view, voice_view
from backend.tickets import services
from backend.tickets.models import TicketKind, Urgency
from backend.tickets.schemas import (
    RatingSchema,
    ReasonSchema,
    TicketCreateSchema,
    TicketDetailSchema,
    TicketSchema,
)
from backend.tickets.states import EVENT_LABELS, allowed_for_resident

blp = Blueprint(
    "tickets",
    __name__,
    tag="报事报修",
    description="报修、投诉与报事：提交、进度、催办、评价、重新处理、申请督办",
)
IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": 64},
    "description": "同一键重复提交只生成一个工单（返回同一工单）",
}


def ticket_row(ticket) -> dict:
    """A ticket as its resident sees it in a list."""
    return {
        "id": ticket.id,
        "kind": ticket.kind.value,
        "kind_label": ticket.kind.label,
        "category": ticket.category,
        "urgency": ticket.urgency.value,
        "state": ticket.state.value,
        "state_label": ticket.state.label,
        "estate_id": ticket.estate_id,
        "estate": ticket.estate.name,
        "unit_id": ticket.unit_id,
        "place": ticket.place,
        "description": ticket.description,
        "created_at": ticket.created_at,
        "rating": ticket.rating,
        "rating_comment": ticket.rating_comment,
        "actions": _resident_actions(ticket),
        "urge_count": ticket.urge_count,
        "urged_at": ticket.urged_at,
        "urge_refusal": services.urge_refusal(ticket),
    }


def _resident_actions(ticket) -> list[str]:
    names = [a.name for a in allowed_for_resident(ticket.state)]
    if "supervise" in names and ticket.kind.value != "complaint":
        names.remove("supervise")
    if ticket.state.value in ("resolved", "closed") and ticket.rating is None:
        names.append("rate")
    if not services.urge_refusal(ticket):
        names.append("urge")
    return names


def ticket_detail(ticket) -> dict:
    """A ticket with every photo (signed URLs) and its whole timeline."""
    timeline = []
    photos = []
    voice_note = None
    for event in ticket.events:
        views = [photo_view(p) for p in event.photos]
        # only a report carries a voice note: one query, not one per event
        voice = (
            voice_view(event.voice_notes[0])
            if event.action == "created" and event.voice_notes
            else None
        )
        if event.action == "created":
            photos = views
            voice_note = voice
        label = EVENT_LABELS.get(event.action, event.action)
        if event.staff_id or not event.resident_id:
            # residents see the role, not staff names
            actor = event.staff.role.label if event.staff_id else "系统"
        elif event.by_family:
            # honest about who did it: 家人 张伟 代为补充说明
            actor, label = event.family_label, f"代为{label}"
        else:
            actor = "住户"
        timeline.append(
            {
                "id": event.id,
                "action": event.action,
                "action_label": label,
                "to_state": event.to_state,
                "state_label": services.TicketState(event.to_state).label
                if event.to_state
                else None,
                "actor": actor,
                "at": event.at,
                "note": event.note,
                "photos": views,
                "voice_note": voice,
            }
        )
    return {**ticket_row(ticket), "photos": photos, "voice_note": voice_note, "timeline": timeline}


class TicketPage(SelectPage):
    """A page of tickets, each as :func:`ticket_row`."""

    @property
    def items(self):
        return [ticket_row(t) for t in super().items]


def _idempotency_key() -> str | None:
    key = (request.headers.get("Idempotency-Key") or "").strip()
    if len(key) > 64 or (key and not key.isprintable()):
        raise Invalid("Idempotency-Key 无效（最多 64 个字符）")
    return key or None


@blp.post("/tickets")
@blp.doc(security=BEARER, parameters=[IDEMPOTENCY])
@resident_required
@limiter.limit(configured_limit("RATELIMIT_TICKET_CREATE"), key_func=resident_rate_key)
@blp.arguments(TicketCreateSchema)
@blp.response(201, TicketDetailSchema)
@blp.alt_response(404, description="房屋或小区未绑定")
@blp.errors(400, 401, 404, 409, 422, 429)
def create_ticket(payload):
    """提交报修、投诉或报事（照片、语音先逐个上传，再以编号引用）"""
    payload["kind"] = TicketKind(payload["kind"])
    payload["urgency"] = Urgency(payload["urgency"])
    ticket, _ = services.create_ticket(
        current_resident(), idempotency_key=_idempotency_key(), **payload
    )
    return ticket_detail(ticket)


@blp.get("/me/tickets")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, TicketSchema(many=True))
@blp.paginate(TicketPage)
@blp.errors(401, 422)
def my_tickets():
    """我的工单（最新在前）"""
    return services.resident_tickets(current_resident())


@blp.get("/me/tickets/<int:ticket_id>")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, TicketDetailSchema)
@blp.errors(401, 404)
def my_ticket(ticket_id):
    """我的一个工单：完整进度与照片（他人的工单一律 404）"""
    return ticket_detail(services.resident_ticket(current_resident(), ticket_id))


@blp.post("/me/tickets/<int:ticket_id>/rating")
@blp.doc(security=BEARER)
@resident_required
@blp.arguments(RatingSchema)
@blp.response(200, TicketDetailSchema)
@blp.alt_response(409, description="尚未处理完成，或已评价")
@blp.errors(400, 401, 404, 409, 422)
def rate_ticket(payload, ticket_id):
    """评价处理结果（1–5 星，可附评语；每个工单一次）"""
    resident = current_resident()
    ticket = services.resident_ticket(resident, ticket_id)
    services.rate(resident, ticket, payload["score"], payload["comment"])
    return ticket_detail(ticket)


def _reason_action(conflict: str):
    """What a resident's action with a reason answers (reopen, ask for supervision); put
    below ``@resident_required``."""

    def decorate(view):
        view = blp.errors(400, 401, 404, 409, 422)(view)
        view = blp.alt_response(409, description=conflict)(view)
        view = blp.response(200, TicketDetailSchema)(view)
        return blp.arguments(ReasonSchema)(view)

    return decorate


def _resident_action(ticket_id: int, action: str, note: str):
    """Apply ``action`` to one of the resident's own tickets; the ticket as it now is."""
    resident = current_resident()
    ticket = services.resident_ticket(resident, ticket_id)
    services.apply(services.Actor(resident=resident), ticket, action, note=note)
    return ticket_detail(ticket)


@blp.post("/me/tickets/<int:ticket_id>/reopen")
@blp.doc(security=BEARER)
@resident_required
@_reason_action("当前状态不能重新打开，或已超过期限")
def reopen_ticket(payload, ticket_id):
    """对处理结果不满意：重新打开（须说明原因，解决后 7 天内）"""
    return _resident_action(ticket_id, "reopen", payload["note"])


@blp.post("/me/tickets/<int:ticket_id>/supervision")
@blp.doc(security=BEARER)
@resident_required
@_reason_action("当前状态不能申请督办")
def ask_supervision(payload, ticket_id):
    """申请街道督办（仅投诉）"""
    return _resident_action(ticket_id, "supervise", payload["note"] or "住户申请街道督办")


def urge_action(blueprint, schema):
    """What a 催办 route answers (the resident's own, a family member's for them), rate
    limited per resident; put below ``@resident_required``."""

    def decorate(view):
        view = blueprint.errors(401, 404, 409, 429)(view)
        view = blueprint.alt_response(
            409, description="已催办（未到间隔），或工单已解决、关闭、驳回"
        )(view)
        view = blueprint.response(200, schema)(view)
        return limiter.limit(configured_limit("RATELIMIT_TICKET_URGE"), key_func=resident_rate_key)(
            view
        )

    return decorate


@blp.post("/me/tickets/<int:ticket_id>/urge")
@blp.doc(security=BEARER)
@resident_required
@urge_action(blp, TicketDetailSchema)
def urge_ticket(ticket_id):
    """催办：提醒物业尽快处理我的工单（处理中的工单；每个工单在设定间隔内一次，默认 24 小时）"""
    resident = current_resident()
    ticket = services.resident_ticket(resident, ticket_id)
    services.urge(resident, ticket)
    return ticket_detail(ticket)
