"""Request and response shapes of elder mode's resident API."""

from __future__ import annotations

import marshmallow as ma

from backend.accounts.schemas import LocalDateTime
from backend.core import validate
from backend.core.api import MAX_ID, Schema
from backend.tickets.schemas import TicketDetailSchema

_ID = validate.Range(min=1, max=MAX_ID, error="编号无效")


class SettingsSchema(Schema):
    elder_mode = ma.fields.Boolean(
        required=True,
        metadata={"description": "长辈版：大字、大按钮、高对比度（按工信部适老化规范）"},
    )


class HelpRequestCreateSchema(Schema):
    """Either a bill (to be paid) or a ticket (to be followed up), not both."""

    bill_id = ma.fields.Integer(validate=_ID, load_default=None)
    ticket_id = ma.fields.Integer(validate=_ID, load_default=None)

    @ma.validates_schema
    def one_matter(self, data: dict, **kwargs) -> None:
        if (data.get("bill_id") is None) == (data.get("ticket_id") is None):
            raise ma.ValidationError({"_schema": ["请指定一张账单或一张工单（二选一）"]})


class HelpRequestSchema(Schema):
    id = ma.fields.Integer()
    unit_id = ma.fields.Integer()
    bill_id = ma.fields.Integer(allow_none=True)
    ticket_id = ma.fields.Integer(allow_none=True)
    asked = ma.fields.Integer(metadata={"description": "收到消息的家人人数"})
    created_at = LocalDateTime()


class FollowUpSchema(Schema):
    """补充说明: a note, photos, or both."""

    note = ma.fields.String(
        load_default="", validate=validate.Length(max=1000), metadata={"multiline": True}
    )
    photo_ids = ma.fields.List(
        ma.fields.Integer(validate=_ID),
        load_default=list,
        validate=validate.Length(max=9, error="最多 9 张照片"),
        metadata={"description": "已上传照片的编号（POST /media/photos），最多 9 张"},
    )


class FamilyTicketSchema(TicketDetailSchema):
    """A ticket a family member was asked to help with, as that family member sees it."""

    asked_by = ma.fields.String(metadata={"description": "请求帮忙的家人"})
