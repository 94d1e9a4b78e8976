"""Request and response shapes of the resident mediation API."""

from __future__ import annotations

import marshmallow as ma

from backend.accounts.schemas import LocalDateTime
from backend.core import validate
from backend.core.api import MAX_ID, Schema
from backend.mediation.models import Category

_ID = validate.Range(min=1, max=MAX_ID, error="编号无效")


class CaseRequestSchema(Schema):
    ticket_id = ma.fields.Integer(
        required=True, validate=_ID, metadata={"description": "不满意的工单"}
    )
    category = ma.fields.String(
        required=True,
        validate=validate.OneOf([c.value for c in Category]),
        metadata={
            "description": "纠纷类别：" + "、".join(f"{c.value}={c.label}" for c in Category)
        },
    )
    matter = ma.fields.String(
        required=True, validate=validate.Length(min=2, max=2000), metadata={"multiline": True}
    )


class ConsentSchema(Schema):
    agree = ma.fields.Boolean(required=True, metadata={"description": "true 同意调解；false 拒绝"})
    note = ma.fields.String(
        load_default="", validate=validate.Length(max=500), metadata={"multiline": True}
    )


class SignSchema(Schema):
    image = ma.fields.String(
        required=True,
        validate=validate.Length(min=30, max=200_000),
        metadata={"description": "手写签名（data:image/png;base64,…）"},
    )


class PartySchema(Schema):
    id = ma.fields.Integer()
    side = ma.fields.String()
    side_label = ma.fields.String()
    kind_label = ma.fields.String()
    name = ma.fields.String()
    consent = ma.fields.String()
    consent_label = ma.fields.String()
    me = ma.fields.Boolean()


class EventSchema(Schema):
    action = ma.fields.String()
    action_label = ma.fields.String()
    state_label = ma.fields.String(allow_none=True)
    at = LocalDateTime()
    note = ma.fields.String()


class SessionSchema(Schema):
    id = ma.fields.Integer()
    held_at = LocalDateTime()
    place = ma.fields.String()
    attendees = ma.fields.String()
    record = ma.fields.String()


class CaseSchema(Schema):
    id = ma.fields.Integer()
    category = ma.fields.String()
    category_label = ma.fields.String()
    matter = ma.fields.String()
    state = ma.fields.String()
    state_label = ma.fields.String()
    estate = ma.fields.String()
    requested_at = LocalDateTime()
    deadline = LocalDateTime(allow_none=True)
    actions = ma.fields.List(ma.fields.String())


class CaseDetailSchema(CaseSchema):
    parties = ma.fields.List(ma.fields.Nested(PartySchema))
    timeline = ma.fields.List(ma.fields.Nested(EventSchema))
    sessions = ma.fields.List(ma.fields.Nested(SessionSchema))
    agreement = ma.fields.String()
    outcome_note = ma.fields.String()
    effective_at = LocalDateTime(allow_none=True)
    missing_signatures = ma.fields.List(ma.fields.String())
    ticket_ids = ma.fields.List(ma.fields.Integer())
