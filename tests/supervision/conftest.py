"""Two streets for supervision tests: the tickets world (street A) and a street B with its
own estate, company, resident and officer; a controlled clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from backend.accounts.models import StaffRole
from backend.tickets import services
from backend.tickets.models import TicketKind, Urgency
from tests.factories import EstateFactory, ResidencyFactory, StaffFactory
from tests.tickets.conftest import World, world  # noqa: F401 - the fixture is shared

#: 2026-11-02 09:00 in Shanghai (a Monday)
T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    """Services that read the clock read ``clock.now`` (move it with ``clock.now = …``)."""

    class Clock:
        now = T0

    c = Clock()
    monkeypatch.setattr(services, "utcnow", lambda: c.now)
    return c


@dataclass
class Other:
    estate: object
    residency: object
    street: object
    desk: object

    def ticket(self, at=T0):
        ticket, _ = services.create_ticket(
            self.residency.resident,
            kind=TicketKind.home_repair,
            urgency=Urgency.normal,
            description="卫生间漏水",
            unit_id=self.residency.unit_id,
            now=at,
        )
        return ticket


@pytest.fixture
def other(db) -> Other:
    """Street B: an estate of another street, its company's desk and its officer."""
    estate = EstateFactory()
    return Other(
        estate=estate,
        residency=ResidencyFactory(unit__building__estate=estate),
        street=StaffFactory(role=StaffRole.street_officer, street_id=estate.street_id),
        desk=StaffFactory(role=StaffRole.service_desk, company=estate.company),
    )


@pytest.fixture
def bureau(db):
    """A bureau officer of the district both streets are in."""
    return StaffFactory(role=StaffRole.bureau_officer, district="西湖区")
