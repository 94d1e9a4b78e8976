"""Bank interest allocated to the units' accounts: split by area through the one money rule,
to the fen, adding up to the bank's figure; the same bank reference once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.core.db import commit
from backend.core.errors import Conflict, Forbidden, Invalid
from backend.extensions import db
from backend.fund import ledger, statements
from backend.fund.models import EntryKind, FundEntry
from backend.org.models import MIN_UNIT_AREA
from tests.factories import BuildingFactory, EstateFactory
from tests.fund.test_panel import client_as


def _interest_entries(estate_id):
    return db.session.scalars(
        sa.select(FundEntry).where(
            FundEntry.estate_id == estate_id, FundEntry.kind == EntryKind.interest
        )
    ).all()


def test_interest_is_split_by_area_to_the_fen_and_adds_up(db, fund_world):
    # 3 equal units: 100 fen → 34 + 33 + 33, the odd fen to the smallest unit key
    units = [fund_world.unit("88.88") for _ in range(3)]
    ledger.open_accounts(fund_world.estate.id)
    shares = statements.allocate_interest(
        fund_world.committee, fund_world.estate.id, 100, date(2026, 6, 21), "INT-2026-1"
    )
    assert sum(shares.values()) == 100
    first = min(units, key=lambda u: ledger.unit_key(u.id))
    assert shares[first.id] == 34
    assert sorted(shares.values()) == [33, 33, 34]
    entries = _interest_entries(fund_world.estate.id)
    assert sum(e.amount_fen for e in entries) == 100
    assert {e.reference for e in entries} == {"INT-2026-1"}
    # every balance is the sum of its entries, interest included
    balances = ledger.balances(fund_world.estate.id)
    assert sum(b.balance_fen for b in balances.values()) == 100


def test_interest_follows_area_with_two_decimals(db, fund_world):
    small, big = fund_world.unit("33.33"), fund_world.unit("66.67")
    ledger.open_accounts(fund_world.estate.id)
    shares = statements.allocate_interest(
        fund_world.committee, fund_world.estate.id, 1000, date(2026, 6, 21), "INT-A"
    )
    assert shares == {small.id: 333, big.id: 667}


def test_the_same_bank_reference_is_allocated_once(db, fund_world):
    fund_world.unit()
    ledger.open_accounts(fund_world.estate.id)
    args = (fund_world.committee, fund_world.estate.id, 500, date(2026, 6, 21), "INT-X")
    statements.allocate_interest(*args)
    with pytest.raises(Conflict):
        statements.allocate_interest(*args)
    assert sum(e.amount_fen for e in _interest_entries(fund_world.estate.id)) == 500


@pytest.mark.parametrize(
    ("amount", "reference"), [(0, "R"), (-1, "R"), (10, ""), (10, "x" * 61), (True, "R")]
)
def test_an_allocation_needs_a_positive_amount_and_a_reference(db, fund_world, amount, reference):
    fund_world.unit()
    ledger.open_accounts(fund_world.estate.id)
    with pytest.raises(Invalid):
        statements.allocate_interest(
            fund_world.committee, fund_world.estate.id, amount, date(2026, 6, 21), reference
        )


def test_only_the_ledger_keepers_allocate_interest(db, fund_world):
    fund_world.unit()
    ledger.open_accounts(fund_world.estate.id)
    for staff in (fund_world.company, fund_world.street, fund_world.bank):
        with pytest.raises(Forbidden):
            statements.allocate_interest(
                staff, fund_world.estate.id, 10, date(2026, 6, 21), "INT-F"
            )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    total=st.integers(min_value=1, max_value=10**9),
    areas=st.lists(
        st.decimals(min_value=MIN_UNIT_AREA, max_value=Decimal("500.00"), places=2),
        min_size=1,
        max_size=12,
    ),
)
def test_any_interest_adds_up_and_no_share_is_a_fen_off(db, fund_world, total, areas):
    # each example in an estate of its own
    building = BuildingFactory(estate=EstateFactory())
    units = [fund_world.unit(str(a), building=building) for a in areas]
    ledger.open_accounts(building.estate_id)
    shares = ledger.allocate_interest(
        building.estate_id, total, date(2026, 6, 21), reference="INT-H"
    )
    assert sum(shares.values()) == total
    whole = sum(areas)
    for unit, area in zip(units, areas, strict=True):
        exact = Decimal(total) * area / whole
        assert abs(Decimal(shares[unit.id]) - exact) < 1
    entries = _interest_entries(building.estate_id)
    assert sum(e.amount_fen for e in entries) == total


def test_the_committee_allocates_interest_in_the_panel(app, db, fund_world):
    fund_world.unit("100.00")
    fund_world.unit("50.00")
    ledger.open_accounts(fund_world.estate.id)
    commit()
    committee = client_as(app, fund_world.committee)
    url = f"/admin/fund/estates/{fund_world.estate.id}/interest"
    form = {"amount": "12.35", "booked_on": "2026-06-21", "reference": "INT-P"}
    # without the confirmation: refused, nothing written
    assert committee.post(url, data=form).status_code == 422
    assert _interest_entries(fund_world.estate.id) == []
    response = committee.post(url, data={**form, "confirm": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert sum(e.amount_fen for e in _interest_entries(fund_world.estate.id)) == 1235
    again = committee.post(url, data={**form, "confirm": "1"})
    assert again.status_code == 409 and "已分配过" in again.get_data(as_text=True)
    page = committee.get(f"/admin/fund/estates/{fund_world.estate.id}").get_data(as_text=True)
    assert "分配银行结息" in page
