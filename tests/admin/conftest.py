"""A small city for the panel's tests: two companies, two streets in two districts, estates,
units and one staff account per role; and ``login`` to sign a test client in."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from backend.authz.roles import StaffRole
from tests.factories import (
    TEST_PASSWORD,
    BuildingFactory,
    CommunityFactory,
    CompanyFactory,
    EstateFactory,
    StaffFactory,
    StreetFactory,
    UnitFactory,
)


def login(client, staff, password: str = TEST_PASSWORD):
    """Sign ``client`` in as ``staff``; returns the login response."""
    return client.post("/admin/login", data={"username": staff.username, "password": password})


@pytest.fixture
def world(db):
    """Company A serves 翠苑一区 (street A, 西湖区) and 文华苑 (street B, 拱墅区);
    company B serves 星河湾 (street B)."""
    street_a = StreetFactory(name="翠苑街道", district="西湖区")
    street_b = StreetFactory(name="米市巷街道", district="拱墅区")
    company_a = CompanyFactory(name="绿城物业")
    company_b = CompanyFactory(name="星河物业")
    estate_a = EstateFactory(
        name="翠苑一区", community=CommunityFactory(street=street_a), company=company_a
    )
    estate_a2 = EstateFactory(
        name="文华苑", community=CommunityFactory(street=street_b), company=company_a
    )
    estate_b = EstateFactory(
        name="星河湾", community=CommunityFactory(street=street_b), company=company_b
    )
    building_a = BuildingFactory(estate=estate_a, name="1幢")
    building_b = BuildingFactory(estate=estate_b, name="8幢")
    unit_a = UnitFactory(building=building_a, number="1-101")
    unit_a2 = UnitFactory(building=BuildingFactory(estate=estate_a2, name="2幢"), number="2-201")
    unit_b = UnitFactory(building=building_b, number="8-808")

    return SimpleNamespace(
        street_a=street_a,
        street_b=street_b,
        company_a=company_a,
        company_b=company_b,
        estate_a=estate_a,
        estate_a2=estate_a2,
        estate_b=estate_b,
        building_a=building_a,
        building_b=building_b,
        unit_a=unit_a,
        unit_a2=unit_a2,
        unit_b=unit_b,
        platform=StaffFactory(username="platform", role=StaffRole.platform_admin),
        admin_a=StaffFactory(username="admin_a", role=StaffRole.company_admin, company=company_a),
        admin_b=StaffFactory(username="admin_b", role=StaffRole.company_admin, company=company_b),
        desk_a=StaffFactory(username="desk_a", role=StaffRole.service_desk, company=company_a),
        technician_a=StaffFactory(username="tech_a", role=StaffRole.technician, company=company_a),
        committee_a=StaffFactory(
            username="committee_a", role=StaffRole.committee_member, estate=estate_a
        ),
        street_officer_b=StaffFactory(
            username="street_b", role=StaffRole.street_officer, street=street_b
        ),
        bureau_xihu=StaffFactory(
            username="bureau_xihu", role=StaffRole.bureau_officer, district="西湖区"
        ),
    )


@pytest.fixture
def as_staff(client):
    """``as_staff(member)`` signs the test client in as ``member`` and returns the client."""

    def sign_in(member):
        response = login(client, member)
        assert response.status_code == 302, response.data.decode()
        return client

    return sign_in
