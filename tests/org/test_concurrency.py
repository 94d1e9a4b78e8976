"""Races that only a real database can show: two filings of overlapping contracts at once."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from backend.accounts.models import Staff
from backend.core.db import commit, rollback
from backend.core.errors import Conflict
from backend.extensions import db as _db
from backend.org import contracts
from backend.org.models import ServiceContract
from tests.conftest import STACK
from tests.factories import CompanyFactory, EstateFactory, StaffFactory

pytestmark = [
    pytest.mark.realstack,
    pytest.mark.skipif(STACK != "real", reason="real concurrency needs PostgreSQL"),
]


def test_overlapping_contracts_filed_at_once_land_once(app, db):
    estate = EstateFactory()
    companies = [CompanyFactory().id for _ in range(6)]
    admin_id = StaffFactory().id
    barrier = threading.Barrier(len(companies))
    outcomes: list[str] = []

    def file(company_id: int, offset: int) -> None:
        with app.app_context():
            admin = _db.session.get(Staff, admin_id)
            starts = date(2027, 1, 1) + timedelta(days=offset)
            barrier.wait()
            try:
                contracts.sign_contract(
                    admin, estate.id, company_id, starts, starts + timedelta(days=365)
                )
                commit()
                outcomes.append("filed")
            except Conflict:
                rollback()
                outcomes.append("refused")

    threads = [
        threading.Thread(target=file, args=(company_id, offset))
        for offset, company_id in enumerate(companies)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes) == ["filed"] + ["refused"] * (len(companies) - 1)
    assert db.session.scalar(sa.select(sa.func.count(ServiceContract.id))) == 1


def test_the_database_refuses_overlapping_contracts_of_one_estate(db):
    estate = EstateFactory()

    def file(starts_on: date, ends_on: date) -> None:
        db.session.add(
            ServiceContract(
                estate=estate, company=estate.company, starts_on=starts_on, ends_on=ends_on
            )
        )
        db.session.commit()

    file(date(2027, 1, 1), date(2028, 1, 1))
    file(date(2028, 1, 1), date(2029, 1, 1))  # back to back: one ends as the next starts

    with pytest.raises(sa.exc.IntegrityError):
        file(date(2027, 6, 1), date(2027, 7, 1))
