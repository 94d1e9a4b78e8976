"""Authorization in one place: what each staff role may see and do.

Each feature declares its permissions (``feature.py``); :data:`backend.features.PERMISSIONS`
is the one table of them, installed here by the app factory at start
(:func:`install_permissions`): ``authz`` imports no feature module at import time. The panel
shows only what is allowed.

Every staff query goes through :func:`estate_ids` (or :func:`scoped`), so a role only ever
reads rows of the estates in its scope; an id outside the scope is "not found", never
"forbidden", so that staff of one company cannot learn what another holds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from backend.authz.roles import COMPANY_ROLES, StaffRole
from backend.core.errors import Forbidden, NotFound
from backend.extensions import db
from backend.org.models import Estate, Street

if TYPE_CHECKING:
    from collections.abc import Mapping

    from backend.accounts.models import Staff

#: permission → the roles that hold it (the registry's table, see :func:`install_permissions`)
_PERMISSIONS: dict[str, frozenset[StaffRole]] = {}


def install_permissions(table: Mapping[str, frozenset[StaffRole]]) -> None:
    """Install the registry's permission table (the app factory does, at start)."""
    _PERMISSIONS.clear()
    _PERMISSIONS.update(table)


def roles_with(permission: str) -> frozenset[StaffRole]:
    """The roles that hold ``permission``."""
    if not _PERMISSIONS:
        # used before any app was made (a script): read the registry now, not at import
        from backend.features import PERMISSIONS

        install_permissions(PERMISSIONS)
    return _PERMISSIONS[permission]


def can(staff: Staff, permission: str) -> bool:
    """Whether ``staff``'s role grants ``permission``."""
    return staff.role in roles_with(permission)


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
    # the fund's bank serves a district's estates; it holds only the fund's payment permissions
    if role in (StaffRole.bureau_officer, StaffRole.fund_bank):
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


def estates(staff: Staff) -> list:
    """The estates in ``staff``'s scope, by name: what the panel's estate selects offer."""
    stmt = scoped(sa.select(Estate).order_by(Estate.name, Estate.id), staff, Estate.id)
    return list(db.session.scalars(stmt))


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


def masked_phone(staff: Staff, phone: str) -> str:
    """``phone`` for staff who may read contacts, else ``138****0001``."""
    if not phone or can(staff, "contact.read"):
        return phone
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 7 else "****"


def covers(staff: Staff, estate_ids_: list[int]) -> bool:
    """Whether every estate of ``estate_ids_`` is in ``staff``'s scope."""
    ids = estate_ids(staff)
    if ids is None or not estate_ids_:
        return True
    inside = set(db.session.scalars(ids.where(Estate.id.in_(estate_ids_))))
    return inside >= set(estate_ids_)


#: who a staff role speaks for when it runs a survey or another consultation
_RUNNER_OF_ROLE = {
    **dict.fromkeys(COMPANY_ROLES, "company"),
    StaffRole.committee_member: "committee",
    StaffRole.street_officer: "street",
    StaffRole.bureau_officer: "bureau",
    StaffRole.platform_admin: "bureau",
}


def runner_of(staff: Staff) -> str | None:
    """The body ``staff`` acts for when running a consultation: street, bureau, committee
    or company (``None``: none)."""
    return _RUNNER_OF_ROLE.get(staff.role)


def runs_as(staff: Staff, runner: str) -> bool:
    """Whether ``staff`` may act for a consultation run by ``runner`` (the platform admin
    may act for any)."""
    return staff.role == StaffRole.platform_admin or runner_of(staff) == runner
