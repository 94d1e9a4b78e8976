"""Rules of resident accounts: WeChat sign-in, invites, binding, review, tenancy end.

Services flush but never commit: the request (or job) commits once.
"""

from __future__ import annotations

import dataclasses
import io
import re
import secrets
from datetime import date, datetime, timedelta

import qrcode
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from backend.accounts.models import (
    OPEN_STATUSES,
    Invite,
    Residency,
    ResidencyRole,
    ResidencySource,
    ResidencyStatus,
    Resident,
    Staff,
)
from backend.audit import services as audit
from backend.authz import scope
from backend.core.db import transition
from backend.core.enums import LabeledEnum
from backend.core.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Gone,
    Invalid,
    NotFound,
    Unauthorized,
    UpstreamError,
)
from backend.core.feature import ToDo
from backend.core.phone import is_mobile, normalize_phone
from backend.core.text import TextRefused, clean_text
from backend.core.time import local_today, utcnow
from backend.extensions import db
from backend.notify import notify_resident
from backend.org.models import OwnerRecord, Unit
from backend.org.services import unit_sort, units_like
from backend.wechat import client as wechat

#: invite codes avoid characters people confuse (0/O, 1/I/L)
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
#: WeChat's errcode for an invalid or used ``wx.login`` code
WECHAT_INVALID_CODE = 40029
WECHAT_CODE_USED = 40163


# --- sign-in ---------------------------------------------------------------------------------


def sign_in_with_wechat(code: str) -> Resident:
    """The resident for a ``wx.login`` code, created on first sign-in (code2session)."""
    try:
        session = wechat.code_to_session(code)
    except wechat.WeChatError as exc:
        if exc.errcode in (WECHAT_INVALID_CODE, WECHAT_CODE_USED):
            raise Unauthorized("微信登录凭证无效或已使用，请重新登录") from exc
        raise UpstreamError("微信登录服务暂时不可用，请稍后再试") from exc
    openid = session.get("openid")
    if not openid:
        raise UpstreamError("微信登录服务返回的数据不完整")
    resident = db.session.scalars(sa.select(Resident).where(Resident.openid == openid)).first()
    if resident is None:
        resident = Resident(openid=openid, unionid=session.get("unionid"))
        try:
            with db.session.begin_nested():
                db.session.add(resident)
        except IntegrityError:
            # a concurrent first sign-in of the same user created the row
            resident = db.session.scalars(
                sa.select(Resident).where(Resident.openid == openid)
            ).one()
    resident.last_login_at = utcnow()
    return resident


# --- what a resident sees --------------------------------------------------------------------


#: what a residency is shown with: its unit, the unit's building and estate (one query)
_WITH_UNIT = (
    joinedload(Residency.unit).joinedload(Unit.building),
    joinedload(Residency.unit).joinedload(Unit.estate),
)


def residencies_of(resident: Resident) -> list[Residency]:
    """All of a resident's residencies, newest first."""
    return list(
        db.session.scalars(
            sa.select(Residency)
            .where(Residency.resident_id == resident.id)
            .options(*_WITH_UNIT)
            .order_by(Residency.id.desc())
        )
    )


def residency_of(resident: Resident, residency_id: int) -> Residency:
    """One of the resident's own residencies; anybody else's is not found."""
    residency = db.session.scalars(
        sa.select(Residency).where(
            Residency.id == residency_id, Residency.resident_id == resident.id
        )
    ).first()
    if residency is None:
        raise NotFound("未找到该住户身份")
    return residency


def current_units(resident: Resident) -> list[tuple[Unit, Residency]]:
    """The units where the resident holds a current residency, with that residency."""
    rows = db.session.execute(
        sa.select(Unit, Residency)
        .join(Residency, Residency.unit_id == Unit.id)
        .options(joinedload(Unit.building), joinedload(Unit.estate))
        .where(Residency.resident_id == resident.id, Residency.is_current)
        .order_by(Unit.id)
    ).all()
    return [(unit, residency) for unit, residency in rows]


def unit_of(resident: Resident, unit_id: int) -> tuple[Unit, Residency]:
    """A unit where the resident currently lives; any other unit is not found."""
    for unit, residency in current_units(resident):
        if unit.id == unit_id:
            return unit, residency
    raise NotFound("未找到该房屋，或您尚未绑定")


# --- invites ---------------------------------------------------------------------------------


def normalize_code(code: str) -> str:
    """Invite codes are typed by people: ignore case, spaces and dashes."""
    return re.sub(r"[\s\-]", "", code or "").upper()


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


#: a lease runs at most twenty years (民法典 Art. 705)
MAX_LEASE_YEARS = 20


def _check_tenant_end(role: ResidencyRole, ends_on: date | None) -> date | None:
    """A tenant's end date: required, after today, within the longest lawful lease."""
    if role != ResidencyRole.tenant:
        return None
    if ends_on is None:
        raise Invalid("租户必须填写租期结束日期", {"ends_on": ["租户必须填写租期结束日期"]})
    today = local_today()
    if ends_on <= today:
        raise Invalid("租期结束日期必须晚于今天", {"ends_on": ["租期结束日期必须晚于今天"]})
    if ends_on > today + timedelta(days=365 * MAX_LEASE_YEARS + 5):
        raise Invalid("租赁期限不得超过二十年", {"ends_on": ["租赁期限不得超过二十年"]})
    return ends_on


def _add_invite(unit: Unit, role: ResidencyRole, ends_on, ttl, **creator) -> Invite:
    invite = Invite(
        code=_new_code(),
        unit_id=unit.id,
        role=role,
        tenant_ends_on=ends_on,
        expires_at=utcnow() + ttl,
        **creator,
    )
    db.session.add(invite)
    db.session.flush()
    return invite


def create_staff_invite(
    staff: Staff, unit_id: int, role: ResidencyRole, tenant_ends_on: date | None = None
) -> Invite:
    """A one-time QR invite for a unit in the staff member's scope."""
    scope.require(staff, "invite.create")
    unit = scope.get_scoped(Unit, unit_id, staff)
    ends_on = _check_tenant_end(role, tenant_ends_on)
    invite = _add_invite(
        unit, role, ends_on, current_app.config["STAFF_INVITE_TTL"], created_by_staff_id=staff.id
    )
    audit.record(
        staff,
        "invite.create",
        "invite",
        invite.id,
        after={"unit_id": unit.id, "role": role.value, "expires_at": invite.expires_at.isoformat()},
        estate_id=unit.estate_id,
    )
    return invite


def create_owner_invite(
    resident: Resident, residency_id: int, role: ResidencyRole, ends_on: date | None = None
) -> Invite:
    """An owner invites a family member or a tenant into their unit."""
    residency = residency_of(resident, residency_id)
    if residency.role != ResidencyRole.owner or not residency.is_current:
        raise Forbidden("只有已认证的业主可以邀请家属或租户")
    if role == ResidencyRole.owner:
        raise Forbidden("业主身份需由物业核验，不能由业主邀请", {"role": ["只能邀请家属或租户"]})
    tenant_end = _check_tenant_end(role, ends_on)
    return _add_invite(
        residency.unit,
        role,
        tenant_end,
        current_app.config["INVITE_TTL"],
        created_by_residency_id=residency.id,
    )


def owner_invite_of(resident: Resident, residency_id: int, code: str) -> Invite:
    """An invite the resident made from one of their residencies; others are not found."""
    residency = residency_of(resident, residency_id)
    invite = db.session.scalars(
        sa.select(Invite).where(
            Invite.code == normalize_code(code), Invite.created_by_residency_id == residency.id
        )
    ).first()
    if invite is None:
        raise NotFound("未找到该邀请")
    return invite


def invite_qr_png(invite: Invite) -> bytes:
    """The invite as a QR code (PNG) that opens the mini-app's binding page."""
    image = qrcode.make(f"pages/bind/index?code={invite.code}", box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _has_open_residency(resident: Resident, unit_id: int) -> bool:
    return (
        db.session.scalar(
            sa.select(sa.func.count(Residency.id)).where(
                Residency.resident_id == resident.id,
                Residency.unit_id == unit_id,
                Residency.status.in_(OPEN_STATUSES),
            )
        )
        > 0
    )


class InviteState(LabeledEnum):
    """Whether an invite code can still bind someone, and if not, why."""

    usable = "usable", "有效"
    used = "used", "已使用"
    expired = "expired", "已过期"
    lease_ended = "lease_ended", "租期已结束"
    inviter_gone = "inviter_gone", "邀请人已迁出"


def invite_state(invite: Invite, now: datetime | None = None) -> InviteState:
    """The state of an invite: one rule for the resident redeeming it and the staff panel."""
    now = now or utcnow()
    if invite.used_at is not None:
        return InviteState.used
    if invite.expires_at <= now:
        return InviteState.expired
    if invite.tenant_ends_on is not None and invite.tenant_ends_on <= local_today():
        return InviteState.lease_ended
    if invite.created_by_residency_id is not None:
        # an invite is only as good as the owner who gave it
        inviter = db.session.get(Residency, invite.created_by_residency_id)
        if not inviter.is_current:
            return InviteState.inviter_gone
    return InviteState.usable


#: why an invite cannot be used: (error class, message, field error). A fresh exception is
#: raised each time: a stored instance would gather every raise's traceback (and requests)
_INVITE_REFUSALS = {
    InviteState.used: (Conflict, "该邀请码已被使用", "邀请码已被使用"),
    InviteState.expired: (Gone, "该邀请码已过期，请联系物业或业主重新生成", "邀请码已过期"),
    InviteState.lease_ended: (Gone, "该邀请的租期已结束", "租期已结束"),
    InviteState.inviter_gone: (Gone, "邀请人已不是该房屋的业主，邀请已失效", "邀请已失效"),
}


def _invite_refusal(state: InviteState) -> DomainError:
    """A new error saying why an invite in ``state`` cannot be used."""
    error_class, message, field_error = _INVITE_REFUSALS[state]
    return error_class(message, {"code": [field_error]})


def redeem_invite(resident: Resident, code: str) -> Residency:
    """Bind the resident to the invite's unit. The code works once, and only before expiry."""
    code = normalize_code(code)
    invite = db.session.scalars(sa.select(Invite).where(Invite.code == code)).first()
    if invite is None:
        raise NotFound("邀请码不存在，请核对后重新输入", {"code": ["邀请码不存在"]})
    now = utcnow()
    state = invite_state(invite, now)
    if state != InviteState.usable:
        raise _invite_refusal(state)
    if _has_open_residency(resident, invite.unit_id):
        raise Conflict("您已绑定或正在申请该房屋", {"code": ["已绑定该房屋"]})
    # claim the code with one conditional update: of two concurrent redemptions one wins
    claimed = db.session.execute(
        sa.update(Invite)
        .where(Invite.id == invite.id, Invite.used_at.is_(None), Invite.expires_at > now)
        .values(used_at=now, used_by_id=resident.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise Conflict("该邀请码已被使用", {"code": ["邀请码已被使用"]})
    source = (
        ResidencySource.owner_invite
        if invite.created_by_residency_id
        else ResidencySource.staff_invite
    )
    residency = Residency(
        resident_id=resident.id,
        unit_id=invite.unit_id,
        estate_id=invite.unit.estate_id,
        role=invite.role,
        status=ResidencyStatus.active,
        source=source,
        ends_on=invite.tenant_ends_on,
        invite_id=invite.id,
        activated_at=now,
    )
    _add_residency(residency)
    _tell_residency_active(residency)
    return residency


def _add_residency(residency: Residency) -> None:
    try:
        with db.session.begin_nested():
            db.session.add(residency)
    except IntegrityError as exc:
        raise Conflict("您已绑定或正在申请该房屋") from exc


# --- binding by registry match or review -----------------------------------------------------


def request_binding(
    resident: Resident,
    unit_id: int,
    role: ResidencyRole,
    name: str,
    phone: str,
    note: str = "",
    ends_on: date | None = None,
) -> Residency:
    """Ask to live in a unit. An owner whose name and phone match the owner registry is
    bound at once; everyone else waits in the staff review queue."""
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("未找到该房屋", {"unit_id": ["房屋不存在"]})
    name = (name or "").strip()
    phone = normalize_phone(phone)
    if not name:
        raise Invalid("请填写真实姓名", {"name": ["必填项"]})
    if not is_mobile(phone):
        raise Invalid("手机号格式不正确", {"phone": ["请输入 11 位手机号"]})
    tenant_end = _check_tenant_end(role, ends_on)
    if _has_open_residency(resident, unit.id):
        raise Conflict("您已绑定或正在申请该房屋")
    resident.name, resident.phone = name, phone
    residency = Residency(
        resident_id=resident.id,
        unit_id=unit.id,
        estate_id=unit.estate_id,
        role=role,
        ends_on=tenant_end,
        applicant_name=name,
        applicant_phone=phone,
        applicant_note=(note or "")[:200],
    )
    matched = role == ResidencyRole.owner and db.session.scalar(
        sa.select(sa.func.count(OwnerRecord.id)).where(
            OwnerRecord.unit_id == unit.id, OwnerRecord.name == name, OwnerRecord.phone == phone
        )
    )
    if matched:
        residency.status = ResidencyStatus.active
        residency.source = ResidencySource.registry
        residency.activated_at = utcnow()
    _add_residency(residency)
    if matched:
        _tell_residency_active(residency)
    return residency


def review_queue(
    staff: Staff, *, estate_id: int | None = None, role: ResidencyRole | None = None
) -> sa.Select:
    """Pending residencies in the staff member's scope, oldest first, with their units (of
    one estate, of one role, if given)."""
    stmt = (
        sa.select(Residency)
        .where(Residency.status == ResidencyStatus.pending)
        .options(
            selectinload(Residency.unit).selectinload(Unit.building),
            selectinload(Residency.estate),
        )
    )
    if estate_id:
        stmt = stmt.where(Residency.estate_id == estate_id)
    if role:
        stmt = stmt.where(Residency.role == role)
    return scope.scoped(stmt, staff, Residency.estate_id).order_by(Residency.id)


#: the review queue's sort keys (``admin.residencies.REVIEWS``)
REVIEW_SORTS = {
    "created": Residency.created_at,
    "name": Residency.applicant_name,
    "unit": unit_sort(Residency.unit_id),
    "role": Residency.role,
}


def reviewed_residency(staff: Staff, residency_id: int) -> Residency:
    """A residency in scope, for a reviewer (to show its row again after a refusal)."""
    scope.require(staff, "residency.review")
    return scope.get_scoped(Residency, residency_id, staff)


_REVIEW_FIELDS = ("status", "source", "reject_reason", "reviewed_by_id")


def _decide(staff: Staff, residency_id: int, action: str, **values) -> Residency:
    """Move a pending residency in scope to its decision, once, with an audit entry."""
    scope.require(staff, "residency.review")
    residency = scope.get_scoped(Residency, residency_id, staff)
    before = audit.snapshot(residency, _REVIEW_FIELDS)
    if not transition(
        Residency,
        residency.id,
        Residency.status,
        ResidencyStatus.pending,
        reviewed_by_id=staff.id,
        **values,
    ):
        raise Conflict("该申请已被处理")
    audit.record(
        staff,
        action,
        "residency",
        residency.id,
        before=before,
        after=audit.snapshot(residency, _REVIEW_FIELDS),
        estate_id=residency.estate_id,
    )
    return residency


def approve_residency(staff: Staff, residency_id: int) -> Residency:
    """Approve a pending residency; it becomes active and the resident is told.

    A tenancy whose end date came while it waited cannot be approved (it would be
    announced as active and end the same day): it is to be rejected instead.
    """
    pending = scope.get_scoped(Residency, residency_id, staff)
    if pending.ends_on is not None and pending.ends_on <= local_today():
        scope.require(staff, "residency.review")
        raise Conflict("该租户的租期已结束，不能通过，请驳回")
    residency = _decide(
        staff,
        residency_id,
        "residency.approve",
        status=ResidencyStatus.active,
        source=ResidencySource.review,
        activated_at=utcnow(),
    )
    _tell_residency_active(residency)
    return residency


def reject_residency(staff: Staff, residency_id: int, reason: str) -> Residency:
    """Reject a pending residency; a reason is required."""
    scope.require(staff, "residency.review")
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("驳回必须填写原因", {"reason": ["必填项"]})
    try:
        clean_text(reason, max_length=Residency.reject_reason)
    except TextRefused as exc:
        raise Invalid(f"驳回原因{exc.message}", {"reason": [exc.message]}) from None
    return _decide(
        staff,
        residency_id,
        "residency.reject",
        status=ResidencyStatus.rejected,
        reject_reason=reason,
    )


def end_expired_tenancies(today: date | None = None) -> int:
    """End every active tenancy whose end date has come; returns how many ended."""
    today = today or local_today()
    return db.session.execute(
        sa.update(Residency)
        .where(
            Residency.status == ResidencyStatus.active,
            Residency.ends_on.is_not(None),
            Residency.ends_on <= today,
        )
        .values(status=ResidencyStatus.ended, ended_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount


# --- what staff see of a unit's residents and invites (the admin panel) ----------------------


def unit_residencies(staff: Staff, unit_id: int) -> list[Residency]:
    """Every residency of a unit in ``staff``'s scope (else :class:`NotFound`), newest first."""
    unit = scope.get_scoped(Unit, unit_id, staff)
    stmt = sa.select(Residency).where(Residency.unit_id == unit.id)
    stmt = scope.scoped(stmt, staff, Residency.estate_id).order_by(Residency.id.desc())
    return list(db.session.scalars(stmt))


def _staff_invites(staff: Staff) -> sa.Select:
    # invites made by staff (owners' own invites stay private to the owner), in scope
    stmt = (
        sa.select(Invite)
        .join(Unit, Unit.id == Invite.unit_id)
        .where(Invite.created_by_staff_id.is_not(None))
    )
    return scope.scoped(stmt, staff, Unit.estate_id)


def unit_staff_invites(staff: Staff, unit_id: int, limit: int = 10) -> list[Invite]:
    """The latest staff-made invites of a unit; only for staff who may create invites."""
    if not scope.can(staff, "invite.create"):
        return []
    stmt = _staff_invites(staff).where(Invite.unit_id == unit_id)
    return list(db.session.scalars(stmt.order_by(Invite.id.desc()).limit(limit)))


def staff_invite(staff: Staff, invite_id: int) -> Invite:
    """A staff-made invite of a unit in scope, for staff who may create invites."""
    scope.require(staff, "invite.create")
    invite = db.session.scalars(_staff_invites(staff).where(Invite.id == invite_id)).first()
    if invite is None:
        raise NotFound("未找到该邀请码，或不在您的管辖范围内")
    return invite


def _tell_residency_active(residency: Residency) -> None:
    """Tell the resident their residency in a unit is now active (binding approved)."""
    unit = residency.unit
    notify_resident(
        residency.resident_id,
        "binding_approved",
        estate_id=unit.estate_id,
        estate_name=unit.estate.name,
        unit_label=unit.label,
        role_label=residency.role.label,
        at=residency.activated_at or utcnow(),
    )


# --- what staff see of residents -------------------------------------------------------------


def todo(staff: Staff) -> list[ToDo]:
    """What waits for ``staff`` in accounts: binding requests to review (reviewers only)."""
    if not scope.can(staff, "residency.review"):
        return []
    pending = db.session.scalar(
        sa.select(sa.func.count()).select_from(review_queue(staff).order_by(None).subquery())
    )
    return [ToDo("待审核绑定申请", pending, "admin.reviews")]


@dataclasses.dataclass(frozen=True)
class UnitBinding:
    """Who is bound to a unit today, by role, and how many requests wait for review."""

    owners: int = 0
    family: int = 0
    tenants: int = 0
    pending: int = 0

    @property
    def occupied(self) -> bool:
        return bool(self.owners or self.family or self.tenants)


def bindings_by_unit(staff: Staff, unit_ids: list[int]) -> dict[int, UnitBinding]:
    """Occupancy and binding status of each of ``unit_ids`` in ``staff``'s scope (counts
    only, no names: every role in scope may see them)."""
    if not unit_ids:
        return {}
    stmt = (
        sa.select(Residency.unit_id, Residency.role, Residency.status, sa.func.count())
        .where(
            Residency.unit_id.in_(unit_ids),
            sa.or_(Residency.is_current, Residency.status == ResidencyStatus.pending),
        )
        .group_by(Residency.unit_id, Residency.role, Residency.status)
    )
    counts: dict[int, dict[str, int]] = {}
    for unit_id, role, status, n in db.session.execute(
        scope.scoped(stmt, staff, Residency.estate_id)
    ):
        row = counts.setdefault(unit_id, {})
        key = "pending" if status == ResidencyStatus.pending else _ROLE_COUNT[role]
        row[key] = row.get(key, 0) + n
    return {unit_id: UnitBinding(**row) for unit_id, row in counts.items()}


_ROLE_COUNT = {
    ResidencyRole.owner: "owners",
    ResidencyRole.family: "family",
    ResidencyRole.tenant: "tenants",
}
#: a query of three or more digits searches phone numbers
_PHONE_QUERY = re.compile(r"^\+?[\d\s-]{3,20}$")


#: how the residents list sorts (``admin.page.ListSpec``), by ``?sort=``
RESIDENT_SORTS = {
    "name": Resident.name,
    "unit": unit_sort(Residency.unit_id),
    "role": Residency.role,
    "status": Residency.status,
    "created": Residency.created_at,
}


def search_residents(
    staff: Staff,
    q: str,
    *,
    estate_id: int | None = None,
    status: ResidencyStatus | None = None,
    role: ResidencyRole | None = None,
    unit: str = "",
) -> sa.Select:
    """Current and pending residencies in ``staff``'s scope whose person's name contains
    ``q`` or, for roles that may read contacts, whose phone contains it; newest first.

    A phone search by a role without contact access is :class:`Forbidden`.
    """
    q = (q or "").strip()
    stmt = (
        sa.select(Residency)
        .join(Resident, Resident.id == Residency.resident_id)
        .where(sa.or_(Residency.is_current, Residency.status == ResidencyStatus.pending))
        .options(
            selectinload(Residency.resident),
            selectinload(Residency.unit).selectinload(Unit.building),
            selectinload(Residency.estate),
        )
        .order_by(Residency.id.desc())
    )
    if _PHONE_QUERY.match(q):
        if not scope.can(staff, "contact.read"):
            raise Forbidden("按手机号查询住户仅限物业客服和管理员，请按姓名查询")
        digits = normalize_phone(q)
        stmt = stmt.where(
            sa.or_(
                Residency.applicant_phone.contains(digits, autoescape=True),
                Resident.phone.contains(digits, autoescape=True),
            )
        )
    elif q:
        stmt = stmt.where(
            sa.or_(
                Residency.applicant_name.contains(q, autoescape=True),
                Resident.name.contains(q, autoescape=True),
            )
        )
    if estate_id:
        stmt = stmt.where(Residency.estate_id == estate_id)
    if status in (ResidencyStatus.active, ResidencyStatus.pending):
        stmt = stmt.where(Residency.status == status)
    if role:
        stmt = stmt.where(Residency.role == role)
    units = units_like(unit)
    if units is not None:
        stmt = stmt.where(Residency.unit_id.in_(units))
    return scope.scoped(stmt, staff, Residency.estate_id)
