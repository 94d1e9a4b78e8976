"""Each role's home page is its to-do list with no link it may not open; staff see who is
bound to each unit of a building and find residents by name (or phone, if they may)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from backend.accounts.models import ResidencyRole, ResidencyStatus
from tests.factories import ResidencyFactory, ResidentFactory, UnitFactory

ROLES = (
    "platform",
    "admin_a",
    "desk_a",
    "technician_a",
    "committee_a",
    "street_officer_b",
    "bureau_xihu",
)


@pytest.mark.parametrize("who", ROLES)
def test_home_page_links_only_to_pages_the_role_may_open(world, as_staff, who):
    ResidencyFactory(unit=world.unit_a, status=ResidencyStatus.pending)
    client = as_staff(getattr(world, who))
    page = client.get("/admin/").data.decode()
    links = set(re.findall(r'href="(/admin/[^"#?]*)', page)) - {"/admin/static/admin.css"}
    assert links
    for link in links:
        if link.startswith("/admin/static/"):
            continue
        assert client.get(link).status_code == 200, (who, link)


@pytest.mark.parametrize("who", ["committee_a", "street_officer_b", "bureau_xihu", "technician_a"])
def test_roles_that_cannot_review_have_no_review_card(world, as_staff, who):
    ResidencyFactory(unit=world.unit_a, status=ResidencyStatus.pending)
    page = as_staff(getattr(world, who)).get("/admin/").data.decode()
    assert "待审核绑定申请" not in page


def test_reviewers_see_what_waits_for_them(world, as_staff):
    ResidencyFactory(unit=world.unit_a, status=ResidencyStatus.pending)
    ResidencyFactory(unit=world.unit_b, status=ResidencyStatus.pending)
    page = as_staff(world.desk_a).get("/admin/").data.decode()
    assert re.search(r'id="todo-reviews">1<', page)
    assert "待审核绑定申请" in page


def test_building_page_shows_occupancy_and_binding_status_per_unit(world, as_staff):
    empty = UnitFactory(building=world.building_a, number="1-102")
    ResidencyFactory(unit=world.unit_a, role=ResidencyRole.owner)
    ResidencyFactory(unit=world.unit_a, role=ResidencyRole.family)
    ResidencyFactory(unit=world.unit_a, role=ResidencyRole.family, status=ResidencyStatus.ended)
    ResidencyFactory(
        unit=world.unit_a,
        role=ResidencyRole.tenant,
        status=ResidencyStatus.pending,
        ends_on=date(2099, 1, 1),
    )

    page = as_staff(world.committee_a).get(f"/admin/buildings/{world.building_a.id}").data.decode()

    bound = re.search(rf'<tr id="unit-{world.unit_a.id}">.*?</tr>', page, re.S).group(0)
    assert "业主 1，家属 1，租户 0" in bound
    assert re.search(r'data-label="待审核" class="num">1<', bound)
    vacant = re.search(rf'<tr id="unit-{empty.id}">.*?</tr>', page, re.S).group(0)
    assert "无人绑定" in vacant


@pytest.fixture
def residents(world):
    zhang = ResidentFactory(name="张伟", phone="13912345678")
    ResidencyFactory(resident=zhang, unit=world.unit_a, applicant_name="张伟")
    elsewhere = ResidentFactory(name="张敏", phone="13987654321")
    ResidencyFactory(resident=elsewhere, unit=world.unit_b, applicant_name="张敏")
    return zhang


def test_search_residents_by_name_in_scope(world, as_staff, residents):
    page = as_staff(world.desk_a).get("/admin/residents?q=张").data.decode()
    assert "张伟" in page and "13912345678" in page
    assert "张敏" not in page  # company B's estate


def test_search_residents_by_phone_for_contact_roles(world, as_staff, residents):
    page = as_staff(world.desk_a).get("/admin/residents?q=1391234").data.decode()
    assert "张伟" in page


def test_roles_without_contact_access_see_masked_phones_and_cannot_search_by_phone(
    world, as_staff, residents
):
    client = as_staff(world.committee_a)
    page = client.get("/admin/residents?q=张").data.decode()
    assert "张伟" in page and "139****5678" in page and "13912345678" not in page

    refused = client.get("/admin/residents?q=1391234")
    assert refused.status_code == 403
    assert "按手机号查询住户仅限" in refused.data.decode()
    assert "张伟" not in refused.data.decode()
