"""Resident API: sign-in, me, residencies, units, binding and invites (thin views)."""

from __future__ import annotations

from flask import Response

from backend.accounts import services
from backend.accounts.models import ResidencyRole
from backend.accounts.schemas import (
    BindByInviteSchema,
    BindingRequestSchema,
    InviteSchema,
    MeSchema,
    MyUnitSchema,
    OwnerInviteSchema,
    ResidencySchema,
    TokenSchema,
    WeChatSignInSchema,
)
from backend.authz.resident import BEARER, current_resident, resident_rate_key, resident_required
from backend.authz.tokens import issue_token
from backend.core.api import Blueprint
from backend.extensions import configured_limit, limiter

blp = Blueprint("accounts", __name__, tag="住户账号", description="登录、我的房屋与绑定")


@blp.post("/auth/wechat")
@limiter.limit(configured_limit("RATELIMIT_SIGN_IN"))
@blp.arguments(WeChatSignInSchema)
@blp.response(200, TokenSchema)
@blp.errors(400, 401, 429, 502)
def sign_in(payload):
    """微信登录：用 wx.login 的 code 换取访问令牌"""
    resident = services.sign_in_with_wechat(payload["code"])
    token, expires_at = issue_token(resident)
    return {"token": token, "expires_at": expires_at, "resident": resident}


@blp.get("/me")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, MeSchema)
@blp.errors(401)
def me():
    """当前住户及其全部住户身份"""
    resident = current_resident()
    resident_data = {
        "id": resident.id,
        "nickname": resident.nickname,
        "name": resident.name,
        "phone": resident.phone,
        "created_at": resident.created_at,
        "residencies": services.residencies_of(resident),
    }
    return resident_data


@blp.get("/me/residencies")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, ResidencySchema(many=True))
@blp.errors(401)
def my_residencies():
    """我的住户身份（含待审核、已驳回、已结束）"""
    return services.residencies_of(current_resident())


@blp.get("/me/residencies/<int:residency_id>")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, ResidencySchema)
@blp.errors(401, 404)
def my_residency(residency_id):
    """我的一个住户身份（他人的身份一律 404）"""
    return services.residency_of(current_resident(), residency_id)


def _unit_row(unit, residency) -> dict:
    """A unit as the resident sees it, with the role they hold there (serialised once)."""
    fields = ("id", "number", "building", "estate_id", "estate", "area", "area_source")
    return {
        **{name: getattr(unit, name) for name in fields},
        "role": residency.role.value,
        "residency_id": residency.id,
    }


@blp.get("/me/units")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, MyUnitSchema(many=True))
@blp.errors(401)
def my_units():
    """我当前居住的房屋"""
    return [_unit_row(u, r) for u, r in services.current_units(current_resident())]


@blp.get("/me/units/<int:unit_id>")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, MyUnitSchema)
@blp.errors(401, 404)
def my_unit(unit_id):
    """我的一套房屋（未绑定的房屋一律 404）"""
    return _unit_row(*services.unit_of(current_resident(), unit_id))


@blp.post("/bindings/invite")
@blp.doc(security=BEARER)
@resident_required
@limiter.limit(configured_limit("RATELIMIT_BINDING"), key_func=resident_rate_key)
@blp.arguments(BindByInviteSchema)
@blp.response(201, ResidencySchema)
@blp.errors(400, 401, 404, 409, 410, 429)
def bind_by_invite(payload):
    """凭邀请码绑定房屋（邀请码一次有效）"""
    return services.redeem_invite(current_resident(), payload["code"])


@blp.post("/bindings/requests")
@blp.doc(security=BEARER)
@resident_required
@limiter.limit(configured_limit("RATELIMIT_BINDING"), key_func=resident_rate_key)
@blp.arguments(BindingRequestSchema)
@blp.response(201, ResidencySchema)
@blp.errors(400, 401, 404, 409, 429)
def request_binding(payload):
    """申请绑定房屋：与业主名册（姓名 + 手机号）一致的业主立即生效，其余进入物业审核"""
    return services.request_binding(
        current_resident(),
        payload["unit_id"],
        ResidencyRole(payload["role"]),
        payload["name"],
        payload["phone"],
        payload["note"],
        payload["ends_on"],
    )


@blp.post("/me/residencies/<int:residency_id>/invites")
@blp.doc(security=BEARER)
@resident_required
@limiter.limit(configured_limit("RATELIMIT_OWNER_INVITE"), key_func=resident_rate_key)
@blp.arguments(OwnerInviteSchema)
@blp.response(201, InviteSchema)
@blp.errors(400, 401, 403, 404)
def invite_member(payload, residency_id):
    """业主邀请家属或租户（租户须填租期结束日期）"""
    return services.create_owner_invite(
        current_resident(), residency_id, ResidencyRole(payload["role"]), payload["ends_on"]
    )


@blp.get("/me/residencies/<int:residency_id>/invites/<code>/qr.png")
@blp.doc(security=BEARER)
@resident_required
@blp.alt_response(
    200,
    schema={"type": "string", "format": "binary"},
    content_type="image/png",
    description="二维码图片",
    success=True,
)
@blp.errors(401, 404)
def invite_qr(residency_id, code):
    """邀请二维码（PNG）"""
    invite = services.owner_invite_of(current_resident(), residency_id, code)
    return Response(services.invite_qr_png(invite), mimetype="image/png")
