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
    # sent as a string so that no digit of the registered area is lost to a float
    area = ma.fields.Decimal(
        as_string=True,
        metadata={
            "type": "string",
            "pattern": r"^\d+\.\d{2}$",
            "description": "面积，平方米（如 89.50）",
        },
    )
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

#: the mobile-number rule of ``backend.core.phone`` as the document states it: 11 digits of a
#: mainland mobile, optionally after +86, with spaces or hyphens anywhere
PHONE_PATTERN = r"^[\s-]*(\+86)?[\s-]*1[\s-]*[3-9]([\s-]*[0-9]){9}[\s-]*$"
PHONE_RULE = "中国大陆手机号：11 位，以 13–19 开头，可带 +86、空格或连字符"
LEASE_RULE = (
    "租户必填：租期结束日期，须晚于今天且不超过二十年（民法典第七百零五条）；业主、家属不填"
)


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
    phone = ma.fields.String(
        required=True,
        validate=validate.Length(max=20),
        metadata={"pattern": PHONE_PATTERN, "description": PHONE_RULE},
    )
    note = ma.fields.String(
        load_default="", validate=validate.Length(max=200), metadata={"multiline": True}
    )
    ends_on = ma.fields.Date(
        load_default=None, allow_none=True, metadata={"description": LEASE_RULE}
    )


class OwnerInviteSchema(Schema):
    role = ma.fields.String(
        required=True,
        validate=validate.OneOf(["family", "tenant"], error="只能邀请家属或租户"),
    )
    ends_on = ma.fields.Date(
        load_default=None, allow_none=True, metadata={"description": LEASE_RULE}
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
