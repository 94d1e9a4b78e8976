"""A resident sees only their own residencies and units."""

from __future__ import annotations

from tests.factories import ResidencyFactory, ResidentFactory
from tests.helpers import bearer


def test_resident_cannot_read_another_residents_residency(client, db):
    mine = ResidencyFactory()
    theirs = ResidencyFactory()

    own = client.get(f"/api/v1/me/residencies/{mine.id}", headers=bearer(mine.resident))
    other = client.get(f"/api/v1/me/residencies/{theirs.id}", headers=bearer(mine.resident))

    assert own.status_code == 200
    assert other.status_code == 404
    assert other.json["message"] == "未找到该住户身份"


def test_resident_cannot_read_a_unit_they_do_not_live_in(client, db):
    mine = ResidencyFactory()
    theirs = ResidencyFactory()

    other = client.get(f"/api/v1/me/units/{theirs.unit_id}", headers=bearer(mine.resident))
    listing = client.get("/api/v1/me/units", headers=bearer(mine.resident))

    assert other.status_code == 404
    assert [u["id"] for u in listing.json] == [mine.unit_id]


def test_residency_listing_holds_only_ones_own(client, db):
    mine = ResidencyFactory()
    ResidencyFactory()
    ResidencyFactory()

    resp = client.get("/api/v1/me/residencies", headers=bearer(mine.resident))

    assert [r["id"] for r in resp.json] == [mine.id]


def test_resident_cannot_invite_into_another_residents_unit(client, db):
    theirs = ResidencyFactory()

    resp = client.post(
        f"/api/v1/me/residencies/{theirs.id}/invites",
        json={"role": "family"},
        headers=bearer(ResidentFactory()),
    )

    assert resp.status_code == 404


def test_pending_residency_does_not_open_the_unit(client, db):
    pending = ResidencyFactory(status="pending", source=None)

    resp = client.get(f"/api/v1/me/units/{pending.unit_id}", headers=bearer(pending.resident))

    assert resp.status_code == 404


def test_directory_shows_unit_numbers_but_no_owner_data(client, db):
    from tests.factories import OwnerRecordFactory

    record = OwnerRecordFactory(name="张伟", phone="13800000001")
    headers = bearer(ResidentFactory())
    estate_id = record.unit.estate_id

    estates = client.get("/api/v1/estates", headers=headers)
    buildings = client.get(f"/api/v1/estates/{estate_id}/buildings", headers=headers)
    units = client.get(f"/api/v1/buildings/{record.unit.building_id}/units", headers=headers)

    assert estates.status_code == 200 and estates.json[0]["id"] == estate_id
    assert "X-Pagination" in estates.headers
    assert buildings.json[0]["id"] == record.unit.building_id
    assert units.json == [{"id": record.unit_id, "number": record.unit.number, "floor": 3}]
    assert "13800000001" not in units.get_data(as_text=True)


def test_my_units_show_building_estate_and_exact_area(client, db):
    mine = ResidencyFactory()
    unit = mine.unit

    listing = client.get("/api/v1/me/units", headers=bearer(mine.resident)).json
    one = client.get(f"/api/v1/me/units/{unit.id}", headers=bearer(mine.resident)).json

    expected = {
        "id": unit.id,
        "number": unit.number,
        "building": unit.building.name,
        "estate_id": unit.estate_id,
        "estate": unit.building.estate.name,
        "area": "89.50",
        "area_source": "registry",
        "role": "owner",
        "residency_id": mine.id,
    }
    assert listing == [expected]
    assert one == expected


def test_directory_lists_units_and_buildings_in_natural_order(client, db):
    from tests.factories import BuildingFactory, UnitFactory

    building = BuildingFactory(name="2幢")
    BuildingFactory(name="10幢", estate=building.estate)
    for number in ("1001", "101", "201"):
        UnitFactory(building=building, number=number)
    headers = bearer(ResidentFactory())

    buildings = client.get(f"/api/v1/estates/{building.estate_id}/buildings", headers=headers)
    units = client.get(f"/api/v1/buildings/{building.id}/units", headers=headers)

    assert [b["name"] for b in buildings.json] == ["2幢", "10幢"]
    assert [u["number"] for u in units.json] == ["101", "201", "1001"]
