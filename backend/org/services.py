"""Rules and queries of jurisdictions and property."""

from __future__ import annotations

import sqlalchemy as sa

from backend.core.errors import NotFound
from backend.extensions import db
from backend.org.models import Building, Estate, Unit


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
            sa.select(Building).where(Building.estate_id == estate_id).order_by(Building.name)
        )
    )


def units_of(building_id: int) -> list[Unit]:
    """The units of a building, in number order (numbers only: no owner data)."""
    if db.session.get(Building, building_id) is None:
        raise NotFound("未找到该楼栋")
    return list(
        db.session.scalars(
            sa.select(Unit).where(Unit.building_id == building_id).order_by(Unit.number)
        )
    )
