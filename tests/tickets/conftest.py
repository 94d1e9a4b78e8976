"""A small world for ticket tests: an estate served by a company, its staff, a resident."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from backend.accounts.models import Staff, StaffRole
from backend.tickets import services
from backend.tickets.models import Ticket, TicketKind, Urgency
from tests.factories import (
    CompanyFactory,
    EstateFactory,
    ResidencyFactory,
    ServiceContractFactory,
    StaffFactory,
)


@dataclass
class World:
    estate: object
    residency: object
    desk: Staff
    admin: Staff
    tech: Staff
    tech2: Staff
    street: Staff
    other_desk: Staff
    contract: object

    @property
    def resident(self):
        return self.residency.resident

    def ticket(self, kind=TicketKind.home_repair, urgency=Urgency.normal, **kw) -> Ticket:
        """A submitted ticket of the resident about their unit."""
        fields = {"description": "厨房水管漏水", "unit_id": self.residency.unit_id}
        if kind != TicketKind.home_repair:
            fields = {
                "description": "楼道灯不亮",
                "estate_id": self.estate.id,
                "location": "3幢一单元楼道",
            }
        fields.update(kw)
        ticket, _ = services.create_ticket(self.resident, kind=kind, urgency=urgency, **fields)
        return ticket


@pytest.fixture
def world(db) -> World:
    estate = EstateFactory()
    company = estate.company
    residency = ResidencyFactory(unit__building__estate=estate)
    other_estate = EstateFactory(company=CompanyFactory(), community=estate.community)

    def staff(role, **kw):
        return StaffFactory(role=role, **kw)

    return World(
        estate=estate,
        residency=residency,
        desk=staff(StaffRole.service_desk, company=company),
        admin=staff(StaffRole.company_admin, company=company),
        tech=staff(StaffRole.technician, company=company, name="王师傅"),
        tech2=staff(StaffRole.technician, company=company, name="李师傅"),
        street=staff(StaffRole.street_officer, street_id=estate.street_id),
        other_desk=staff(StaffRole.service_desk, company=other_estate.company),
        contract=ServiceContractFactory(estate=estate),
    )
