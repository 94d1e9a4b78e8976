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

from backend.authz.roles import COMPANY_ROLES, ROLE_SCOPE_FIELD, StaffRole
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


def party_company(staff: Staff) -> int | None:
    """The company of company staff, who see a record only where their company is a party
    to it (mediation cases), never by serving its estate; ``None`` for every other role."""
    return staff.company_id if staff.role in COMPANY_ROLES else None


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


# --- named rules: every decision that depends on a staff role is taken here ---------------------
# Features ask these (or :func:`can`), never compare roles themselves: tests/test_layers.py
# fails on a role comparison outside backend/authz.


def holders(permission: str):
    """A SQL condition on ``Staff``: the account's role holds ``permission`` (e.g. the
    technicians a ticket may be given, the approvers of a fee change)."""
    from backend.accounts.models import Staff

    return Staff.role.in_(roles_with(permission))


def with_role(role: StaffRole):
    """A SQL condition on ``Staff``: the account has ``role`` (a list's role filter)."""
    from backend.accounts.models import Staff

    return Staff.role == role


def platform_admins():
    """A SQL condition on ``Staff``: the account's scope is the whole platform (commands
    run by the system act as the first active platform admin)."""
    from backend.accounts.models import Staff

    return Staff.role == StaffRole.platform_admin


def scope_field(role: StaffRole | None) -> str | None:
    """The column that holds ``role``'s scope (``company_id``, ``estate_id``, ``street_id``,
    ``district``); ``None`` for a platform admin (everything) or no role."""
    return ROLE_SCOPE_FIELD.get(role)


def bound_by(staff: Staff) -> str | None:
    """The column that bounds ``staff``'s scope, ``None`` when it is the whole platform."""
    return scope_field(staff.role)


def sees_everything(staff: Staff) -> bool:
    """Whether ``staff``'s scope is the whole platform (a platform admin)."""
    return staff.role == StaffRole.platform_admin


def is_company_staff(staff: Staff) -> bool:
    """Whether ``staff`` works for a property company (admin, desk or technician): they
    act only for their own company."""
    return staff.role in COMPANY_ROLES


def within_own(staff: Staff, *, company_id: int | None = None, street_id: int | None = None):
    """Whether ``staff`` may act for ``company_id`` / ``street_id``: a company's staff only
    for their own company, a street officer only for their own street; others are bound by
    their permissions and estate scope alone."""
    field = bound_by(staff)
    if company_id is not None and field == "company_id" and staff.company_id != company_id:
        return False
    return not (street_id is not None and field == "street_id" and staff.street_id != street_id)


def scope_label(staff: Staff) -> str:
    """What ``staff``'s scope is called: the company, the committee's estate, the street,
    the district, or the whole platform."""
    field = bound_by(staff)
    if field == "company_id" and staff.company:
        return staff.company.name
    if field == "estate_id" and staff.estate:
        return f"{staff.estate.name}业委会"
    if field == "street_id" and staff.street:
        return staff.street.name
    if field == "district":
        return staff.district or ""
    return "全平台"


def roles_assignable_by(actor: Staff) -> list[StaffRole]:
    """Roles ``actor`` may give an account: a platform admin any, a company admin only its
    company's roles, nobody else any."""
    if sees_everything(actor):
        return list(StaffRole)
    if manages_company(actor):
        return list(COMPANY_ROLES)
    return []


def may_assign(actor: Staff, role: StaffRole) -> bool:
    """Whether ``actor`` may give an account ``role``."""
    return role in roles_assignable_by(actor)


def implied_scope(actor: Staff, role: StaffRole | None) -> dict:
    """Scope columns of a new ``role`` account that ``actor`` does not choose: a company
    admin's staff always join its own company."""
    if (
        not sees_everything(actor)
        and bound_by(actor) == "company_id"
        and scope_field(role) == "company_id"
    ):
        return {"company_id": actor.company_id}
    return {}


def manages_company(staff: Staff) -> bool:
    """Whether ``staff`` manages the accounts and audit trail of one company (a company
    admin): their reach there is the company's, not their own."""
    return bound_by(staff) == "company_id" and can(staff, "staff.manage")


def role_may_act(
    role: StaffRole, granted: frozenset[StaffRole], *, assignee_only: bool, is_assignee: bool
) -> bool:
    """Whether ``role`` may take an action granted to ``granted`` roles; an action for the
    assignee only is, for a role that works assigned jobs (``ticket.work``), open to the
    one it is assigned to."""
    if role not in granted:
        return False
    return not (assignee_only and role in roles_with("ticket.work") and not is_assignee)


def may_act(staff: Staff, granted, *, assignee_only: bool, is_assignee: bool) -> bool:
    """:func:`role_may_act` for ``staff``."""
    return role_may_act(staff.role, granted, assignee_only=assignee_only, is_assignee=is_assignee)


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


def template_cities(staff: Staff) -> list[str] | None:
    """The cities whose questionnaire templates ``staff`` may edit (``survey.template``):
    the bureau its own city (that of its district's streets), the platform every city
    (``None``), anyone else none."""
    if not can(staff, "survey.template"):
        return []
    if staff.role == StaffRole.platform_admin:
        return None
    if staff.role == StaffRole.bureau_officer and staff.district:
        return sorted(
            db.session.scalars(
                sa.select(Street.city)
                .where(Street.district == staff.district, Street.city != "")
                .distinct()
            )
        )
    return []


def edits_templates_of(staff: Staff, city: str) -> bool:
    """Whether ``staff`` may edit ``city``'s questionnaire templates."""
    cities = template_cities(staff)
    return bool(city) and (cities is None or city in cities)
