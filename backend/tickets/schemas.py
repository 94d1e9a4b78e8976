"""Request and response shapes of the resident ticket API."""

from __future__ import annotations

import marshmallow as ma

from backend.accounts.schemas import LocalDateTime
from backend.core import validate
from backend.core.api import MAX_ID, Schema
from backend.media.schemas import PhotoSchema, VoiceNoteSchema
from backend.tickets.models import CATEGORY_LABELS, TicketKind, Urgency

_CATEGORIES = CATEGORY_LABELS.items()
_ID = validate.Range(min=1, max=MAX_ID, error="编号无效")


class TicketCreateSchema(Schema):
    kind = ma.fields.String(
        required=True,
        validate=validate.OneOf([k.value for k in TicketKind]),
        metadata={
            "description": "工单类型：" + "、".join(f"{k.value}={k.label}" for k in TicketKind)
        },
    )
    urgency = ma.fields.String(
        load_default=Urgency.normal.value,
        validate=validate.OneOf([u.value for u in Urgency]),
        metadata={"description": "urgent=紧急、normal=一般"},
    )
    unit_id = ma.fields.Integer(
        load_default=None,
        allow_none=True,
        validate=_ID,
        metadata={"description": "房屋（户内报修必填）"},
    )
    estate_id = ma.fields.Integer(
        load_default=None,
        allow_none=True,
        validate=_ID,
        metadata={"description": "小区（公共位置）"},
    )
    location = ma.fields.String(load_default="", validate=validate.Length(max=100))
    category = ma.fields.String(
        load_default="",
        validate=validate.OneOf(["", *CATEGORY_LABELS], error="类别无效"),
        metadata={
            "description": "报事（report）与安全隐患（safety_hazard）的类别："
            + "、".join(f"{k}={v}" for k, v in CATEGORY_LABELS.items())
        },
    )
    description = ma.fields.String(
        load_default="",
        validate=validate.Length(max=1000),
        metadata={
            "multiline": True,
            "description": "问题描述（至少 2 个字）；附了语音时可以不填",
        },
    )
    photo_ids = ma.fields.List(
        ma.fields.Integer(validate=_ID),
        load_default=list,
        validate=validate.Length(max=9, error="最多 9 张照片"),
        metadata={"description": "已上传照片的编号（POST /media/photos），最多 9 张"},
    )
    voice_note_id = ma.fields.Integer(
        load_default=None,
        allow_none=True,
        validate=_ID,
        metadata={"description": "已上传语音的编号（POST /media/voice-notes），可代替文字描述"},
    )


class RatingSchema(Schema):
    score = ma.fields.Integer(
        required=True, validate=validate.Range(min=1, max=5, error="评分应为 1–5")
    )
    comment = ma.fields.String(
        load_default="", validate=validate.Length(max=500), metadata={"multiline": True}
    )


class ReasonSchema(Schema):
    note = ma.fields.String(
        load_default="", validate=validate.Length(max=500), metadata={"multiline": True}
    )


class TicketEventSchema(Schema):
    id = ma.fields.Integer()
    action = ma.fields.String()
    action_label = ma.fields.String(metadata={"description": "事件名称（提交、受理、街道督办……）"})
    state = ma.fields.String(attribute="to_state", allow_none=True)
    state_label = ma.fields.String(allow_none=True)
    actor = ma.fields.String(metadata={"description": "住户 / 物业（角色） / 系统"})
    at = LocalDateTime()
    note = ma.fields.String()
    photos = ma.fields.List(ma.fields.Nested(PhotoSchema))
    voice_note = ma.fields.Nested(
        VoiceNoteSchema, allow_none=True, metadata={"description": "住户报修时录的语音"}
    )


class TicketSchema(Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    kind_label = ma.fields.String()
    category = ma.fields.String()
    urgency = ma.fields.String()
    state = ma.fields.String()
    state_label = ma.fields.String()
    estate_id = ma.fields.Integer()
    estate = ma.fields.String()
    unit_id = ma.fields.Integer(allow_none=True)
    place = ma.fields.String()
    description = ma.fields.String()
    created_at = LocalDateTime()
    rating = ma.fields.Integer(allow_none=True)
    rating_comment = ma.fields.String()
    actions = ma.fields.List(ma.fields.String(), metadata={"description": "住户现在可做的操作"})
    urge_count = ma.fields.Integer(metadata={"description": "已催办次数"})
    urged_at = LocalDateTime(allow_none=True, metadata={"description": "最近一次催办时间"})
    urge_refusal = ma.fields.String(
        metadata={"description": "现在不能催办的原因（可以催办时为空）"}
    )


class TicketDetailSchema(TicketSchema):
    photos = ma.fields.List(ma.fields.Nested(PhotoSchema))
    voice_note = ma.fields.Nested(
        VoiceNoteSchema, allow_none=True, metadata={"description": "住户报修时录的语音"}
    )
    timeline = ma.fields.List(ma.fields.Nested(TicketEventSchema))
