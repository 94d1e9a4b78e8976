"""Authorization in one place: what each staff role may see.

Every staff query goes through :func:`estate_ids` (or :func:`scoped`), so a role only ever
reads rows of the estates in its scope; an id outside the scope is "not found", never
"forbidden", so that staff of one company cannot learn what another holds.
"""

from __future__ import annotations

import sqlalchemy as sa

from backend.accounts.models import COMPANY_ROLES, Staff, StaffRole
from backend.core.errors import Forbidden, NotFound
from backend.extensions import db
from backend.org.models import Estate, Street

#: what each role may do beyond reading (the panel shows only what is allowed)
PERMISSIONS: dict[str, frozenset[StaffRole]] = {
    "org.import": frozenset({StaffRole.platform_admin, StaffRole.company_admin}),
    # contracts and committees are filed with the street office, never by the company itself
    "org.govern": frozenset({StaffRole.platform_admin, StaffRole.street_officer}),
    "residency.review": frozenset(
        {StaffRole.platform_admin, StaffRole.company_admin, StaffRole.service_desk}
    ),
    "invite.create": frozenset(
        {StaffRole.platform_admin, StaffRole.company_admin, StaffRole.service_desk}
    ),
    # residents' and owners' phone numbers (个人信息保护法: only who needs them to serve)
    "contact.read": frozenset(
        {StaffRole.platform_admin, StaffRole.company_admin, StaffRole.service_desk}
    ),
    "staff.manage": frozenset({StaffRole.platform_admin, StaffRole.company_admin}),
    "audit.read": frozenset({StaffRole.platform_admin, StaffRole.company_admin}),
}


def can(staff: Staff, permission: str) -> bool:
    """Whether ``staff``'s role grants ``permission``."""
    return staff.role in PERMISSIONS[permission]


def require(staff: Staff, permission: str) -> None:
    """Raise :class:`Forbidden` unless ``staff`` has ``permission``."""
    if not can(staff, permission):
        raise Forbidden("您的角色没有此项权限")


def estate_ids(staff: Staff) -> sa.Select | None:
    """A subquery of the ids of the estates in ``staff``'s scope (``None``: all of them)."""
    role = staff.role
    if role == StaffRole.platform_admin:
        return None
    if role in COMPANY_ROLES:
        return sa.select(Estate.id).where(Estate.company_id == staff.company_id)
    if role == StaffRole.committee_member:
        return sa.select(Estate.id).where(Estate.id == staff.estate_id)
    if role == StaffRole.street_officer:
        return sa.select(Estate.id).where(Estate.street_id == staff.street_id)
    if role == StaffRole.bureau_officer:
        return (
            sa.select(Estate.id)
            .join(Street, Street.id == Estate.street_id)
            .where(Street.district == staff.district)
        )
    return sa.select(Estate.id).where(sa.false())


def scoped(stmt: sa.Select, staff: Staff, estate_column) -> sa.Select:
    """``stmt`` restricted to rows whose ``estate_column`` is in ``staff``'s scope."""
    ids = estate_ids(staff)
    if ids is None:
        return stmt
    return stmt.where(estate_column.in_(ids))


def get_scoped(model, ident, staff: Staff, estate_column=None):
    """The ``model`` row ``ident`` if it is in ``staff``'s scope, else :class:`NotFound`."""
    column = estate_column if estate_column is not None else _estate_column(model)
    stmt = scoped(sa.select(model).where(model.id == ident), staff, column)
    row = db.session.scalars(stmt).first()
    if row is None:
        raise NotFound("未找到该记录，或不在您的管辖范围内")
    return row


def _estate_column(model):
    if model is Estate:
        return Estate.id
    return model.estate_id


def staff_ids_query(staff: Staff) -> sa.Select:
    """Staff accounts that ``staff`` may manage."""
    stmt = sa.select(Staff)
    if staff.role == StaffRole.platform_admin:
        return stmt
    if staff.role == StaffRole.company_admin:
        return stmt.where(Staff.company_id == staff.company_id)
    return stmt.where(Staff.id == staff.id)


def masked_phone(staff: Staff, phone: str) -> str:
    """``phone`` for staff who may read contacts, else ``138****0001``."""
    if not phone or can(staff, "contact.read"):
        return phone
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"
