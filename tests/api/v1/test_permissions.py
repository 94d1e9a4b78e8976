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
