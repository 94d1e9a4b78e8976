"""The transaction helpers behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from backend.accounts.models import Resident
from backend.core.db import rollback
from backend.org.models import Unit


def test_a_savepoint_released_first_is_still_undone_by_rollback(db):
    with db.session.begin_nested():
        db.session.add(Resident(openid="o-savepoint"))

    rollback()

    assert db.session.scalar(sa.select(sa.func.count(Resident.id))) == 0


def test_foreign_keys_are_enforced(db):
    db.session.add(
        Unit(building_id=999, estate_id=999, number="1-101", area=50, area_source="registry")
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    rollback()
