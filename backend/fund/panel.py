"""What the fund's panel screens read (the views build no queries)."""

from __future__ import annotations

import sqlalchemy as sa

from backend.authz import scope
from backend.extensions import db
from backend.org.models import Building, Estate, Unit


def estates_for(staff) -> list[Estate]:
    """The estates in ``staff``'s scope, by name."""
    stmt = scope.scoped(sa.select(Estate).order_by(Estate.name), staff, Estate.id)
    return list(db.session.scalars(stmt))


def buildings_of(estate_ids: list[int]) -> list[Building]:
    """The buildings of ``estate_ids`` (the draft form picks the 列支范围 by them)."""
    return list(
        db.session.scalars(
            sa.select(Building)
            .where(Building.estate_id.in_(estate_ids))
            .order_by(Building.estate_id, Building.name)
        )
    )


def unit_ids_in(estate_id: int, building_ids: list[int]) -> list[int]:
    """The units of ``building_ids`` that belong to estate ``estate_id``."""
    return list(
        db.session.scalars(
            sa.select(Unit.id).where(
                Unit.building_id.in_(building_ids or []), Unit.estate_id == estate_id
            )
        )
    )


def unit_labels(estate_id: int) -> dict[int, str]:
    """Unit id → ``"1幢 101"`` for the estate's units."""
    return {
        unit_id: f"{building} {number}"
        for unit_id, building, number in db.session.execute(
            sa.select(Unit.id, Building.name, Unit.number)
            .join(Building, Building.id == Unit.building_id)
            .where(Unit.estate_id == estate_id)
        )
    }
