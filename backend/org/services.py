"""Rules and queries of jurisdictions and property."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from backend.authz import scope
from backend.core.errors import NotFound
from backend.extensions import db
from backend.org.models import Building, Company, Estate, ManagementMode, Street, Unit

if TYPE_CHECKING:
    from backend.accounts.models import Staff

#: "2幢" before "10幢", "101" before "1001": shorter names first, then in text order
BUILDING_ORDER = (sa.func.length(Building.name), Building.name, Building.id)
UNIT_ORDER = (sa.func.length(Unit.number), Unit.number, Unit.id)


def unit_words(q: str) -> tuple[str, str]:
    """A unit as the tables write it, split into building and number: ``"1幢 201"`` →
    ``("1幢", "201")``; ``"1幢201"`` too; ``"201"`` → ``("", "201")``."""
    q = " ".join((q or "").split())[:60]
    if " " in q:
        building, number = q.rsplit(" ", 1)
        return building, number
    match = re.fullmatch(r"(.+?[幢栋座号楼])[-－]?(\w+)", q)
    if match:
        return match[1], match[2]
    return "", q


def units_like(q: str) -> sa.Select | None:
    """The ids of units written like ``q`` ("1幢 201", "1幢201", "201"), for a list's unit
    filter (the caller scopes the list); ``None`` when ``q`` names no unit."""
    building, number = unit_words(q)
    if not number:
        return None
    units = (
        sa.select(Unit.id)
        .join(Building, Building.id == Unit.building_id)
        .where(Unit.number.contains(number, autoescape=True))
    )
    if building:
        units = units.where(Building.name.contains(building, autoescape=True))
    return units


def unit_sort(unit_id: sa.ColumnElement):
    """A list's "by unit" order for rows holding ``unit_id``: building, then number, as
    people read them ("2幢" before "10幢"); for ``admin.page.ListSpec``."""

    def columns(descending: bool) -> list:
        building = sa.select(Building.name).join(Unit, Unit.building_id == Building.id)
        building = building.where(Unit.id == unit_id).scalar_subquery()
        number = sa.select(Unit.number).where(Unit.id == unit_id).scalar_subquery()
        keys = [sa.func.length(building), building, sa.func.length(number), number]
        return [k.desc() if descending else k.asc() for k in keys]

    return columns


def find_units(staff: Staff, q: str, limit: int) -> list[Unit]:
    """Units in ``staff``'s scope matching ``q`` as the tables show a unit (building and
    number, "1幢 201"; or a number alone): exact matches first, then those that contain the
    words, by estate, building and number; at most ``limit``. The caller has checked the
    permission its screen needs (the cashier, the desk taking a call)."""
    building, number = unit_words(q)
    if not number:
        return []
    conditions = [Unit.number.contains(number, autoescape=True)]
    if building:
        conditions.append(Building.name.contains(building, autoescape=True))
    exact = Unit.number == number
    if building:
        exact = sa.and_(exact, Building.name == building)
    stmt = (
        sa.select(Unit)
        .join(Building, Building.id == Unit.building_id)
        .join(Estate, Estate.id == Unit.estate_id)
        .where(*conditions)
        .options(joinedload(Unit.building), joinedload(Unit.estate))
        .order_by(sa.case((exact, 0), else_=1), Estate.name, Building.name, Unit.number)
        .limit(limit)
    )
    return list(db.session.scalars(scope.scoped(stmt, staff, Unit.estate_id)))


def search_estates(q: str = "") -> sa.Select:
    """Estates whose name contains ``q``, for a resident looking for their home."""
    stmt = sa.select(Estate).order_by(Estate.name, Estate.id)
    q = (q or "").strip()
    if q:
        stmt = stmt.where(Estate.name.contains(q, autoescape=True))
    return stmt


def buildings_of(estate_id: int) -> list[Building]:
    """The buildings of an estate, in name order."""
    if db.session.get(Estate, estate_id) is None:
        raise NotFound("未找到该小区")
    return list(
        db.session.scalars(
            sa.select(Building).where(Building.estate_id == estate_id).order_by(*BUILDING_ORDER)
        )
    )


def units_of(building_id: int) -> list[Unit]:
    """The units of a building, in number order (numbers only: no owner data)."""
    if db.session.get(Building, building_id) is None:
        raise NotFound("未找到该楼栋")
    return list(
        db.session.scalars(
            sa.select(Unit).where(Unit.building_id == building_id).order_by(*UNIT_ORDER)
        )
    )


# --- what staff see (the admin panel): every query goes through backend.authz.scope ---------


#: how the estate list sorts (``admin.page.ListSpec``), by ``?sort=``
ESTATE_SORTS = {
    "name": Estate.name,
    "mode": Estate.management_mode,
    "company": sa.select(Company.name).where(Company.id == Estate.company_id).scalar_subquery(),
    "units": sa.select(sa.func.count(Unit.id)).where(Unit.estate_id == Estate.id).scalar_subquery(),
}


def estates_in_scope(staff: Staff, q: str = "", mode: ManagementMode | None = None) -> sa.Select:
    """Estates in ``staff``'s scope whose name contains ``q`` (and managed as ``mode``),
    in name order."""
    stmt = search_estates(q)
    if mode:
        stmt = stmt.where(Estate.management_mode == mode)
    return scope.scoped(stmt, staff, Estate.id)


def unit_counts_by_estate(estate_ids: list[int]) -> dict[int, int]:
    """How many units each of ``estate_ids`` has (estates without units are absent)."""
    if not estate_ids:
        return {}
    rows = db.session.execute(
        sa.select(Unit.estate_id, sa.func.count(Unit.id))
        .where(Unit.estate_id.in_(estate_ids))
        .group_by(Unit.estate_id)
    )
    return dict(rows.all())


def unit_counts_by_building(building_ids: list[int]) -> dict[int, int]:
    """How many units each of ``building_ids`` has (buildings without units are absent)."""
    if not building_ids:
        return {}
    rows = db.session.execute(
        sa.select(Unit.building_id, sa.func.count(Unit.id))
        .where(Unit.building_id.in_(building_ids))
        .group_by(Unit.building_id)
    )
    return dict(rows.all())


def buildings_in_scope(staff: Staff, estate_id: int) -> sa.Select:
    """The buildings of an estate in ``staff``'s scope (else :class:`NotFound`), by name."""
    scope.get_scoped(Estate, estate_id, staff)
    stmt = sa.select(Building).where(Building.estate_id == estate_id)
    return scope.scoped(stmt, staff, Building.estate_id).order_by(*BUILDING_ORDER)


def units_in_scope(staff: Staff, building_id: int) -> sa.Select:
    """The units of a building in ``staff``'s scope (else :class:`NotFound`), by number."""
    scope.get_scoped(Building, building_id, staff)
    stmt = sa.select(Unit).where(Unit.building_id == building_id)
    return scope.scoped(stmt, staff, Unit.estate_id).order_by(*UNIT_ORDER)


def scope_totals(staff: Staff) -> dict[str, int]:
    """Counts of the estates, buildings and units in ``staff``'s scope (for the dashboard)."""

    def count(model, column) -> int:
        stmt = scope.scoped(sa.select(sa.func.count(model.id)), staff, column)
        return db.session.scalar(stmt) or 0

    return {
        "estates": count(Estate, Estate.id),
        "buildings": count(Building, Building.estate_id),
        "units": count(Unit, Unit.estate_id),
    }


def companies_in_scope(staff: Staff) -> list[Company]:
    """Companies ``staff`` may see: all for a platform admin, else those serving its estates."""
    stmt = sa.select(Company).order_by(Company.name)
    ids = scope.estate_ids(staff)
    if ids is not None:
        stmt = stmt.where(Company.id.in_(sa.select(Estate.company_id).where(Estate.id.in_(ids))))
    return list(db.session.scalars(stmt))


def streets_in_scope(staff: Staff) -> list[Street]:
    """Streets ``staff`` may see: all for a platform admin, else those of its estates."""
    stmt = sa.select(Street).order_by(Street.district, Street.name)
    ids = scope.estate_ids(staff)
    if ids is not None:
        stmt = stmt.where(Street.id.in_(sa.select(Estate.street_id).where(Estate.id.in_(ids))))
    return list(db.session.scalars(stmt))
