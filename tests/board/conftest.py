"""A small world for board tests: an estate with its company, committee member and street
officer, owners and a tenant, and a second estate of another company."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from backend.accounts.models import ResidencyRole, Staff, StaffRole
from backend.board import services
from backend.board.services import Content
from backend.core.db import commit
from tests.factories import (
    EstateFactory,
    ResidencyFactory,
    ResidentFactory,
    StaffFactory,
    UnitFactory,
)


@dataclass
class World:
    estate: object
    other_estate: object
    company: Staff
    desk: Staff
    tech: Staff
    committee: Staff
    street: Staff
    other_company: Staff
    owners: list
    tenant: object
    outsider: object

    def publish(self, staff=None, section="manager", title="项目负责人：物业服务中心", **kw):
        """Publish (and commit) a post as ``staff`` (default: the company admin)."""
        must_read = kw.pop("must_read", False)
        kw.setdefault("body", "<p>服务中心电话 0571-88886666</p>")
        post = services.publish(
            staff or self.company,
            kw.pop("estate_id", self.estate.id),
            section,
            Content(title=title, **kw),
            must_read=must_read,
        )
        commit()
        return post


@pytest.fixture
def world(db) -> World:
    estate = EstateFactory()
    other = EstateFactory(community=estate.community)
    owners = []
    people = (
        ("101", "张三", "13812340101"),
        ("102", "李四", "13812340102"),
        ("103", "王五", "13812340103"),
    )
    for number, name, phone in people:
        unit = UnitFactory(building__estate=estate, number=number)
        owners.append(
            ResidencyFactory(
                unit=unit,
                resident=ResidentFactory(name=name, phone=phone),
                applicant_name=name,
                applicant_phone="13900001111",
            ).resident
        )
    tenant = ResidencyFactory(
        unit=UnitFactory(building__estate=estate, number="201"),
        role=ResidencyRole.tenant,
        ends_on=date(2099, 1, 1),
    ).resident
    outsider = ResidencyFactory(unit=UnitFactory(building__estate=other)).resident
    return World(
        estate=estate,
        other_estate=other,
        company=StaffFactory(role=StaffRole.company_admin, company=estate.company, name="赵经理"),
        desk=StaffFactory(role=StaffRole.service_desk, company=estate.company, name="钱客服"),
        tech=StaffFactory(role=StaffRole.technician, company=estate.company, name="孙师傅"),
        committee=StaffFactory(role=StaffRole.committee_member, estate=estate, name="周主任"),
        street=StaffFactory(
            role=StaffRole.street_officer, street_id=estate.street_id, name="吴科长"
        ),
        other_company=StaffFactory(role=StaffRole.company_admin, company=other.company),
        owners=owners,
        tenant=tenant,
        outsider=outsider,
    )
