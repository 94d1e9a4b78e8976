"""A small world for fund tests: an estate whose units and areas a test chooses, with its
company, committee member, street and bureau officers."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from backend.accounts.models import Staff, StaffRole
from backend.org.models import Street
from tests.factories import (
    BuildingFactory,
    EstateFactory,
    OwnerRecordFactory,
    StaffFactory,
    UnitFactory,
)


@dataclass
class FundWorld:
    estate: object
    company: Staff
    committee: Staff
    street: Staff
    bureau: Staff
    bank: Staff
    building: object
    units: list = field(default_factory=list)

    def unit(self, area: str = "100.00", owners=(), building=None):
        """A unit of ``area`` m² with owners of record named ``owners``."""
        unit = UnitFactory(building=building or self.building, area=Decimal(area))
        for name in owners:
            OwnerRecordFactory(unit=unit, name=name, phone=f"139{abs(hash(name)) % 10**8:08d}")
        self.units.append(unit)
        return unit


@pytest.fixture
def fund_world(db) -> FundWorld:
    estate = EstateFactory()
    street = db.session.get(Street, estate.street_id)
    # the national defaults (backend/fund/rules.toml [default]); tests of a city set its name
    street.city = "测试市"
    return FundWorld(
        estate=estate,
        company=StaffFactory(role=StaffRole.company_admin, company_id=estate.company_id),
        committee=StaffFactory(role=StaffRole.committee_member, estate=estate),
        street=StaffFactory(role=StaffRole.street_officer, street_id=estate.street_id),
        bureau=StaffFactory(role=StaffRole.bureau_officer, district=street.district),
        bank=StaffFactory(role=StaffRole.fund_bank, district=street.district),
        building=BuildingFactory(estate=estate, name="1幢"),
    )
