"""Rules of staff accounts: password sign-in and account management by admins."""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from werkzeug.security import generate_password_hash

from backend.accounts.models import Staff
from backend.audit import services as audit
from backend.authz import scope
from backend.authz.roles import StaffRole
from backend.core.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from backend.core.text import TextRefused, clean_text
from backend.core.time import utcnow
from backend.extensions import db
from backend.org import services as org
from backend.org.models import Company, Estate, Street

USERNAME_RE = re.compile(r"^[a-zA-Z0-9_.]{3,40}$")
#: a hash to check against when the user does not exist, so timing tells nothing
_DUMMY_HASH = generate_password_hash("linli-no-such-user")
_FIELDS = (
    "username",
    "name",
    "phone",
    "role",
    "company_id",
    "estate_id",
    "street_id",
    "district",
    "active",
)


def authenticate(username: str, password: str) -> Staff:
    """The active staff account with this username and password, else :class:`Unauthorized`."""
    staff = db.session.scalars(
        sa.select(Staff).where(Staff.username == (username or "").strip())
    ).first()
    if staff is None:
        Staff(password_hash=_DUMMY_HASH).check_password(password or "")
        raise Unauthorized("用户名或密码错误")
    if not staff.check_password(password or ""):
        raise Unauthorized("用户名或密码错误")
    if not staff.active:
        raise Unauthorized("该账号已停用，请联系管理员")
    staff.last_login_at = utcnow()
    return staff


def staff_by_id(staff_id: int) -> Staff | None:
    """The staff account ``staff_id``, if there is one (active or not)."""
    return db.session.get(Staff, staff_id)


def check_password_strength(password: str) -> None:
    """Passwords: at least 8 characters with letters and digits."""
    if (
        len(password or "") < 8
        or not re.search(r"[A-Za-z]", password)
        or not re.search(r"\d", password)
    ):
        raise Invalid("密码至少 8 位，且须同时包含字母和数字", {"password": ["密码强度不足"]})


#: roles an admin may give (a company admin only its company's roles), and the scope
#: columns of a new account that the admin does not choose: rules of ``backend.authz``
roles_assignable_by = scope.roles_assignable_by
implied_scope = scope.implied_scope


def scope_choices(actor: Staff, role: StaffRole | None) -> dict:
    """The scope field a new ``role`` account needs and its options as ``actor`` sees them
    (``field`` is ``None`` when there is nothing to choose)."""
    field = scope.scope_field(role)
    if field in implied_scope(actor, role):
        field = None
    choices: dict = {"field": field}
    if field == "company_id":
        choices["companies"] = org.companies_in_scope(actor)
    elif field == "estate_id":
        choices["estates"] = list(db.session.scalars(org.estates_in_scope(actor)))
    elif field == "street_id":
        choices["streets"] = org.streets_in_scope(actor)
    elif field == "district":
        choices["districts"] = sorted({street.district for street in org.streets_in_scope(actor)})
    return choices


#: what each scope column names, and what to say when it is missing
_SCOPE_TARGETS = {
    "company_id": (Company, "请选择所属物业企业"),
    "estate_id": (Estate, "请选择业委会所在小区"),
    "street_id": (Street, "请选择所属街道"),
}


def _apply_scope(actor: Staff, staff: Staff, data: dict) -> None:
    try:
        role = StaffRole(data.get("role"))
    except ValueError:
        raise Invalid("请选择角色", {"role": ["必填项"]}) from None
    if not scope.may_assign(actor, role):
        raise Forbidden("您不能分配该角色")
    staff.role = role
    staff.company_id = staff.estate_id = staff.street_id = staff.district = None
    field = scope.scope_field(role)
    if field is None:
        return
    if field == "district":
        district = (data.get("district") or "").strip()
        if not district:
            raise Invalid("请填写所属区", {"district": ["必填项"]})
        staff.district = district
        return
    value = implied_scope(actor, role).get(field, data.get(field))
    model, missing = _SCOPE_TARGETS[field]
    if not value or db.session.get(model, value) is None:
        raise Invalid(missing, {field: ["必填项"]})
    setattr(staff, field, value)


_FIELD_LABELS = {"name": "姓名", "phone": "手机号", "district": "所属区"}


def _check_texts(data: dict, columns: dict) -> None:
    """Refuse text its column cannot hold (too long, control characters), in Chinese."""
    for field, column in columns.items():
        value = (data.get(field) or "").strip()
        try:
            clean_text(value, max_length=column)
        except TextRefused as exc:
            raise Invalid(f"{_FIELD_LABELS[field]}{exc.message}", {field: [exc.message]}) from None


def create_staff(actor: Staff, data: dict) -> Staff:
    """Create a staff account (admins only, within their own scope)."""
    scope.require(actor, "staff.manage")
    username = (data.get("username") or "").strip()
    if not USERNAME_RE.fullmatch(username):
        raise Invalid("用户名须为 3–40 位字母、数字、下划线或点", {"username": ["格式不正确"]})
    _check_texts(data, {"name": Staff.name, "phone": Staff.phone, "district": Staff.district})
    if db.session.scalar(sa.select(sa.func.count()).where(Staff.username == username)):
        raise Conflict("该用户名已被使用", {"username": ["已被使用"]})
    name = (data.get("name") or "").strip()
    if not name:
        raise Invalid("请填写姓名", {"name": ["必填项"]})
    check_password_strength(data.get("password", ""))
    staff = Staff(username=username, name=name, phone=(data.get("phone") or "").strip())
    staff.set_password(data["password"])
    _apply_scope(actor, staff, data)
    db.session.add(staff)
    db.session.flush()
    audit.record(actor, "staff.create", "staff", staff.id, after=audit.snapshot(staff, _FIELDS))
    return staff


#: how the staff list sorts (``admin.page.ListSpec``), by ``?sort=``
STAFF_SORTS = {
    "username": Staff.username,
    "name": Staff.name,
    "role": Staff.role,
    "active": Staff.active,
    "login": (sa.case((Staff.last_login_at.is_(None), 0), else_=1), Staff.last_login_at),
    "created": Staff.created_at,
}


def managed_staff_query(
    actor: Staff,
    *,
    q: str = "",
    role: StaffRole | None = None,
    active: bool | None = None,
) -> sa.Select:
    """The staff accounts ``actor`` may manage, oldest first, with their scopes; ``q`` is
    in the user name or name, ``role`` and ``active`` narrow the list."""
    stmt = (
        sa.select(Staff)
        .options(
            selectinload(Staff.company), selectinload(Staff.estate), selectinload(Staff.street)
        )
        .order_by(Staff.id)
    )
    if q:
        stmt = stmt.where(
            sa.or_(
                Staff.username.contains(q, autoescape=True), Staff.name.contains(q, autoescape=True)
            )
        )
    if role:
        stmt = stmt.where(scope.with_role(role))
    if active is not None:
        stmt = stmt.where(Staff.active.is_(active))
    if scope.sees_everything(actor):
        return stmt
    if scope.manages_company(actor):
        return stmt.where(Staff.company_id == actor.company_id)
    return stmt.where(Staff.id == actor.id)


def managed_staff_list(actor: Staff) -> list[Staff]:
    """The accounts of :func:`managed_staff_query` by name (the audit log's person filter)."""
    return list(db.session.scalars(managed_staff_query(actor).order_by(None).order_by(Staff.name)))


def managed_staff(actor: Staff, staff_id: int) -> Staff:
    """A staff account ``actor`` may manage, else :class:`NotFound`."""
    scope.require(actor, "staff.manage")
    stmt = managed_staff_query(actor).where(Staff.id == staff_id)
    staff = db.session.scalars(stmt).first()
    if staff is None:
        raise NotFound("未找到该账号")
    return staff


def set_active(actor: Staff, staff_id: int, active: bool) -> Staff:
    """Enable or disable an account (nobody disables themselves)."""
    staff = managed_staff(actor, staff_id)
    if staff.id == actor.id and not active:
        raise Conflict("不能停用自己的账号")
    before = audit.snapshot(staff, _FIELDS)
    staff.active = active
    audit.record(
        actor,
        "staff.enable" if active else "staff.disable",
        "staff",
        staff.id,
        before=before,
        after=audit.snapshot(staff, _FIELDS),
    )
    return staff


def reset_password(actor: Staff, staff_id: int, password: str) -> Staff:
    """Set a new password for an account; the audit log records that it changed, not what."""
    staff = managed_staff(actor, staff_id)
    check_password_strength(password)
    staff.set_password(password)
    audit.record(actor, "staff.password", "staff", staff.id, after={"password": "已重置"})
    return staff


def end_sessions(staff: Staff) -> None:
    """End every panel session of ``staff``, including copies of its cookie (logout).

    The session lives in a signed cookie; raising the version it was signed with makes
    the server refuse it, wherever the cookie went.
    """
    db.session.execute(
        sa.update(Staff)
        .where(Staff.id == staff.id)
        .values(session_version=Staff.session_version + 1)
        .execution_options(synchronize_session="fetch")
    )
