"""Estates, buildings and units, each filtered by the staff member's scope."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from backend.accounts.models import ResidencyRole, ResidencyStatus
from backend.org.models import AreaSource
from tests.factories import OwnerRecordFactory, ResidencyFactory, ResidentFactory, UnitFactory


def estate_names(html: str) -> set[str]:
    table = re.search(r'<table[^>]*id="estates-table".*?</table>', html, re.S)
    return (
        set(re.findall(r'<a href="/admin/estates/\d+">([^<]+)</a>', table.group(0)))
        if table
        else set()
    )


@pytest.mark.parametrize(
    ("member", "expected"),
    [
        ("platform", {"翠苑一区", "文华苑", "星河湾"}),
        ("admin_a", {"翠苑一区", "文华苑"}),
        ("desk_a", {"翠苑一区", "文华苑"}),
        ("admin_b", {"星河湾"}),
        ("committee_a", {"翠苑一区"}),
        ("street_officer_b", {"文华苑", "星河湾"}),
        ("bureau_xihu", {"翠苑一区"}),
    ],
)
def test_estate_list_shows_only_the_estates_in_scope(world, as_staff, member, expected):
    page = as_staff(getattr(world, member)).get("/admin/estates").data.decode()

    assert estate_names(page) == expected


def test_estate_search_filters_by_name(world, as_staff):
    page = as_staff(world.platform).get("/admin/estates?q=星河").data.decode()

    assert estate_names(page) == {"星河湾"}


@pytest.mark.parametrize(
    "path",
    [
        "/admin/estates/{estate_b.id}",
        "/admin/buildings/{building_b.id}",
        "/admin/units/{unit_b.id}",
        "/admin/estates/{estate_b.id}/import",
    ],
)
def test_company_a_staff_get_404_for_company_b_places(world, as_staff, path):
    client = as_staff(world.admin_a)

    response = client.get(path.format(**vars(world)))

    assert response.status_code == 404
    assert "不在您的管辖范围内" in response.data.decode()


def test_street_officer_reaches_only_their_streets_estates(world, as_staff):
    client = as_staff(world.street_officer_b)

    assert client.get(f"/admin/estates/{world.estate_b.id}").status_code == 200
    assert client.get(f"/admin/units/{world.unit_a2.id}").status_code == 200
    assert client.get(f"/admin/estates/{world.estate_a.id}").status_code == 404
    assert client.get(f"/admin/units/{world.unit_a.id}").status_code == 404


def test_committee_member_reaches_only_their_estate(world, as_staff):
    client = as_staff(world.committee_a)

    assert client.get(f"/admin/units/{world.unit_a.id}").status_code == 200
    assert client.get(f"/admin/estates/{world.estate_a2.id}").status_code == 404
    assert client.get(f"/admin/buildings/{world.building_b.id}").status_code == 404


def test_bureau_officer_reaches_only_their_district(world, as_staff):
    client = as_staff(world.bureau_xihu)

    assert client.get(f"/admin/estates/{world.estate_a.id}").status_code == 200
    assert client.get(f"/admin/estates/{world.estate_b.id}").status_code == 404


def test_units_of_a_building_are_paginated(world, as_staff):
    for n in range(60):
        UnitFactory(building=world.building_a, number=f"3-{n:03d}")
    client = as_staff(world.admin_a)

    first = client.get(f"/admin/buildings/{world.building_a.id}").data.decode()
    second = client.get(f"/admin/buildings/{world.building_a.id}?page=2").data.decode()

    first_rows = re.findall(r'<tr id="unit-\d+">', first)
    second_rows = re.findall(r'<tr id="unit-\d+">', second)
    assert len(first_rows) == 50
    assert len(second_rows) == 11  # 61 units in all
    assert "共 61 条" in first
    assert 'rel="next"' in first
    assert set(first_rows).isdisjoint(second_rows)


def test_unit_page_shows_area_source_owners_and_residencies(world, as_staff):
    unit = UnitFactory(
        building=world.building_a,
        number="1-1201",
        area=Decimal("120.35"),
        area_source=AreaSource.survey,
    )
    OwnerRecordFactory(unit=unit, name="王建国", phone="13912345678")
    resident = ResidentFactory(name="李娜")
    ResidencyFactory(
        unit=unit,
        resident=resident,
        role=ResidencyRole.tenant,
        ends_on=date(2030, 6, 30),
        applicant_name="李娜",
    )
    ResidencyFactory(unit=unit, status=ResidencyStatus.pending, applicant_name="赵六")

    page = as_staff(world.desk_a).get(f"/admin/units/{unit.id}").data.decode()

    assert "120.35 m²" in page
    assert "测绘面积" in page
    assert "王建国" in page and "13912345678" in page
    assert "李娜" in page and "租户" in page and "2030-06-30" in page
    assert "赵六" in page and "待审核" in page


def test_service_desk_sees_full_phone_numbers(world, as_staff):
    from tests.factories import OwnerRecordFactory

    OwnerRecordFactory(unit=world.unit_a, name="张伟", phone="13800000001")

    desk = as_staff(world.desk_a).get(f"/admin/units/{world.unit_a.id}").data.decode()

    assert "13800000001" in desk


def test_committee_member_sees_masked_phone_numbers(world, as_staff):
    from tests.factories import OwnerRecordFactory

    OwnerRecordFactory(unit=world.unit_a, name="张伟", phone="13800000001")

    page = as_staff(world.committee_a).get(f"/admin/units/{world.unit_a.id}").data.decode()

    assert "13800000001" not in page
    assert "138****0001" in page
