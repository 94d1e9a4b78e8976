"""Two streets, each with an estate of its own company; street A's committee of three
mediators; a resident of estate A with a resolved ticket, and one of estate B."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from backend.accounts.models import StaffRole
from backend.core.db import commit
from backend.extensions import db as _db
from backend.mediation import services
from backend.tickets import services as tickets
from backend.tickets.models import TicketKind, TicketState
from tests.factories import EstateFactory, ResidencyFactory, StaffFactory

T0 = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)
PNG = "data:image/png;base64," + "iVBORw0KGgo" * 4


@dataclass
class World:
    estate: object
    other_estate: object
    residency: object
    other_residency: object
    officer: object
    mediators: list
    other_officer: object
    admin: object
    desk: object
    other_admin: object
    bureau: object
    platform: object

    @property
    def resident(self):
        return self.residency.resident

    def ticket(self, residency=None, state=TicketState.resolved):
        residency = residency or self.residency
        ticket, _ = tickets.create_ticket(
            residency.resident,
            kind=TicketKind.complaint,
            estate_id=residency.estate_id,
            location="小区东门",
            description="物业对噪音投诉处理不到位",
        )
        ticket.state = state
        _db.session.flush()
        return ticket

    def case(self, at=T0):
        """A case requested by the resident from a resolved ticket."""
        return services.request_from_ticket(
            self.resident, self.ticket().id, "neighbours", "楼上夜间噪音，物业协调无果", now=at
        )


@pytest.fixture
def world(db) -> World:
    estate = EstateFactory(name="翠苑一区")
    other = EstateFactory(name="星河湾")
    officer = StaffFactory(role=StaffRole.street_officer, street_id=estate.street_id, name="陈主任")
    more = [
        StaffFactory(role=StaffRole.street_officer, street_id=estate.street_id, name=f"调解员{i}")
        for i in range(2)
    ]
    platform = StaffFactory(role=StaffRole.platform_admin)
    w = World(
        estate=estate,
        other_estate=other,
        residency=ResidencyFactory(unit__building__estate=estate, resident__name="张伟"),
        other_residency=ResidencyFactory(unit__building__estate=other),
        officer=officer,
        mediators=[officer, *more],
        other_officer=StaffFactory(role=StaffRole.street_officer, street_id=other.street_id),
        admin=StaffFactory(role=StaffRole.company_admin, company=estate.company),
        desk=StaffFactory(role=StaffRole.service_desk, company=estate.company),
        other_admin=StaffFactory(role=StaffRole.company_admin, company=other.company),
        bureau=StaffFactory(role=StaffRole.bureau_officer, district="西湖区"),
        platform=platform,
    )
    for i, m in enumerate(w.mediators):
        services.add_mediator(platform, m.id, "主任" if i == 0 else "委员")
    commit()
    return w
