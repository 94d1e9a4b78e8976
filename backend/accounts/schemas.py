"""Schemas of the resident API's accounts endpoints."""

from __future__ import annotations

import marshmallow as ma
from flask import url_for

from backend.accounts.models import ResidencyRole
from backend.core import validate
from backend.core.api import MAX_ID, Schema
from backend.core.time import to_local


class LocalDateTime(ma.fields.DateTime):
    """ISO 8601 with the Asia/Shanghai offset."""

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(to_local(value), attr, obj, **kwargs)


class WeChatSignInSchema(Schema):
    code = ma.fields.String(
        required=True,
        validate=validate.Length(min=1, max=128, error="登录凭证长度不正确"),
        metadata={"description": "wx.login 返回的 code"},
    )


class ResidentSchema(Schema):
    id = ma.fields.Integer()
    nickname = ma.fields.String()
    name = ma.fields.String()
    phone = ma.fields.String()
    created_at = LocalDateTime()


class TokenSchema(Schema):
    token = ma.fields.String(metadata={"description": "Authorization: Bearer <token>"})
    expires_at = LocalDateTime()
    resident = ma.fields.Nested(ResidentSchema)


class UnitBriefSchema(Schema):
    id = ma.fields.Integer()
    number = ma.fields.String()
    building = ma.fields.String(attribute="building.name")
    estate_id = ma.fields.Integer()
    estate = ma.fields.String(attribute="estate.name")
    area = ma.fields.Decimal(as_string=True, metadata={"description": "面积，平方米"})
    area_source = ma.fields.String(attribute="area_source.value")


class ResidencySchema(Schema):
    id = ma.fields.Integer()
    unit = ma.fields.Nested(UnitBriefSchema)
    role = ma.fields.String(attribute="role.value")
    role_label = ma.fields.String(attribute="role.label")
    status = ma.fields.String(attribute="status.value")
    status_label = ma.fields.String(attribute="status.label")
    source = ma.fields.Function(lambda r: r.source.value if r.source else None)
    is_current = ma.fields.Boolean()
    ends_on = ma.fields.Date(allow_none=True)
    reject_reason = ma.fields.String()
    created_at = LocalDateTime()
    activated_at = LocalDateTime(allow_none=True)


class MeSchema(ResidentSchema):
    residencies = ma.fields.List(ma.fields.Nested(ResidencySchema))


class MyUnitSchema(UnitBriefSchema):
    role = ma.fields.String()
    residency_id = ma.fields.Integer()


class BindByInviteSchema(Schema):
    code = ma.fields.String(
        required=True, validate=validate.Length(min=4, max=32, error="邀请码长度不正确")
    )


_ROLES = [r.value for r in ResidencyRole]


class BindingRequestSchema(Schema):
    unit_id = ma.fields.Integer(
        required=True, validate=validate.Range(min=1, max=MAX_ID, error="房屋编号不正确")
    )
    role = ma.fields.String(
        required=True, validate=validate.OneOf(_ROLES, error="身份只能是业主、家属或租户")
    )
    name = ma.fields.String(
        required=True, validate=validate.Length(min=1, max=60, error="姓名长度为 1–60 个字")
    )
    phone = ma.fields.String(required=True, validate=validate.Length(max=20))
    note = ma.fields.String(
        load_default="", validate=validate.Length(max=200), metadata={"multiline": True}
    )
    ends_on = ma.fields.Date(load_default=None, allow_none=True)


class OwnerInviteSchema(Schema):
    role = ma.fields.String(
        required=True,
        validate=validate.OneOf(["family", "tenant"], error="只能邀请家属或租户"),
    )
    ends_on = ma.fields.Date(
        load_default=None, allow_none=True, metadata={"description": "租户必填：租期结束日期"}
    )


class InviteSchema(Schema):
    code = ma.fields.String()
    role = ma.fields.String(attribute="role.value")
    unit_id = ma.fields.Integer()
    tenant_ends_on = ma.fields.Date(allow_none=True)
    expires_at = LocalDateTime()
    qr_url = ma.fields.Function(
        lambda invite: (
            url_for(
                "accounts.invite_qr", residency_id=invite.created_by_residency_id, code=invite.code
            )
            if invite.created_by_residency_id
            else None
        ),
        metadata={"description": "邀请二维码（PNG，需携带令牌）"},
    )
