"""Binding a resident to a unit: QR invites, registry match, the review queue."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from backend.accounts.models import Invite, Residency, ResidencySource, ResidencyStatus
from backend.core.time import local_today, utcnow
from tests.factories import (
    InviteFactory,
    OwnerRecordFactory,
    ResidencyFactory,
    ResidentFactory,
    UnitFactory,
)
from tests.helpers import bearer


def _residency_count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count(Residency.id)))


def test_invite_binds_once_and_is_refused_the_second_time(client, db):
    invite = InviteFactory(code="ABCD2345")
    first, second = ResidentFactory(), ResidentFactory()

    resp = client.post("/api/v1/bindings/invite", json={"code": "abcd-2345"}, headers=bearer(first))

    assert resp.status_code == 201, resp.json
    assert resp.json["status"] == "active"
    assert resp.json["source"] == "staff_invite"
    assert resp.json["unit"]["id"] == invite.unit_id
    again = client.post(
        "/api/v1/bindings/invite", json={"code": "ABCD2345"}, headers=bearer(second)
    )
    assert again.status_code == 409
    assert again.json["message"] == "该邀请码已被使用"
    assert _residency_count(db) == 1
    stored = db.session.get(Invite, invite.id)
    assert stored.used_by_id == first.id


def test_expired_invite_is_refused_and_binds_nothing(client, db):
    InviteFactory(code="EXPD2345", expires_at=utcnow() - timedelta(seconds=1))

    resp = client.post(
        "/api/v1/bindings/invite", json={"code": "EXPD2345"}, headers=bearer(ResidentFactory())
    )

    assert resp.status_code == 410
    assert "已过期" in resp.json["message"]
    assert _residency_count(db) == 0
    assert db.session.scalars(sa.select(Invite)).one().used_at is None


def test_unknown_invite_code_is_404(client, db):
    resp = client.post(
        "/api/v1/bindings/invite", json={"code": "ZZZZ9999"}, headers=bearer(ResidentFactory())
    )
    assert resp.status_code == 404
    assert resp.json["errors"] == {"code": ["邀请码不存在"]}


def test_tenant_invite_carries_its_end_date(client, db):
    ends = local_today() + timedelta(days=180)
    InviteFactory(code="TENA2345", role="tenant", tenant_ends_on=ends)

    resp = client.post(
        "/api/v1/bindings/invite", json={"code": "TENA2345"}, headers=bearer(ResidentFactory())
    )

    assert resp.status_code == 201
    assert resp.json["role"] == "tenant"
    assert resp.json["ends_on"] == ends.isoformat()


def test_resident_already_bound_keeps_the_code_unused(client, db):
    residency = ResidencyFactory()
    InviteFactory(code="DUPL2345", unit=residency.unit)

    resp = client.post(
        "/api/v1/bindings/invite", json={"code": "DUPL2345"}, headers=bearer(residency.resident)
    )

    assert resp.status_code == 409
    assert db.session.scalars(sa.select(Invite)).one().used_at is None


def test_owner_matching_registry_is_bound_at_once(client, db):
    record = OwnerRecordFactory(name="张伟", phone="13800000001")
    resident = ResidentFactory()

    resp = client.post(
        "/api/v1/bindings/requests",
        json={"unit_id": record.unit_id, "role": "owner", "name": "张伟", "phone": "138 0000 0001"},
        headers=bearer(resident),
    )

    assert resp.status_code == 201, resp.json
    assert resp.json["status"] == "active"
    assert resp.json["source"] == "registry"


def test_registry_mismatch_goes_to_the_review_queue(client, db):
    record = OwnerRecordFactory(name="张伟", phone="13800000001")

    resp = client.post(
        "/api/v1/bindings/requests",
        json={"unit_id": record.unit_id, "role": "owner", "name": "张伟", "phone": "13900000009"},
        headers=bearer(ResidentFactory()),
    )

    assert resp.status_code == 201
    assert resp.json["status"] == "pending"
    assert resp.json["source"] is None


def test_family_member_is_never_matched_automatically(client, db):
    record = OwnerRecordFactory(name="张伟", phone="13800000001")

    resp = client.post(
        "/api/v1/bindings/requests",
        json={"unit_id": record.unit_id, "role": "family", "name": "张伟", "phone": "13800000001"},
        headers=bearer(ResidentFactory()),
    )

    assert resp.json["status"] == "pending"


def test_binding_request_validates_input(client, db):
    unit = UnitFactory()
    headers = bearer(ResidentFactory())

    bad_phone = client.post(
        "/api/v1/bindings/requests",
        json={"unit_id": unit.id, "role": "owner", "name": "张伟", "phone": "12345"},
        headers=headers,
    )
    tenant_without_end = client.post(
        "/api/v1/bindings/requests",
        json={"unit_id": unit.id, "role": "tenant", "name": "张伟", "phone": "13800000001"},
        headers=headers,
    )
    bad_role = client.post(
        "/api/v1/bindings/requests",
        json={"unit_id": unit.id, "role": "king", "name": "张伟", "phone": "13800000001"},
        headers=headers,
    )
    no_unit = client.post(
        "/api/v1/bindings/requests",
        json={"unit_id": 999999, "role": "owner", "name": "张伟", "phone": "13800000001"},
        headers=headers,
    )

    assert bad_phone.status_code == 422 and bad_phone.json["errors"]["phone"]
    assert tenant_without_end.status_code == 422
    assert bad_role.status_code == 422 and bad_role.json["errors"]["role"]
    assert no_unit.status_code == 404
    assert _residency_count(db) == 0


def test_double_request_for_the_same_unit_is_refused(client, db):
    unit = UnitFactory()
    headers = bearer(ResidentFactory())
    body = {"unit_id": unit.id, "role": "owner", "name": "张伟", "phone": "13800000001"}

    assert client.post("/api/v1/bindings/requests", json=body, headers=headers).status_code == 201
    again = client.post("/api/v1/bindings/requests", json=body, headers=headers)

    assert again.status_code == 409
    assert _residency_count(db) == 1


def test_owner_invites_family_member_who_then_binds(client, db):
    owner = ResidencyFactory()
    family = ResidentFactory()

    resp = client.post(
        f"/api/v1/me/residencies/{owner.id}/invites",
        json={"role": "family"},
        headers=bearer(owner.resident),
    )
    assert resp.status_code == 201, resp.json
    qr = client.get(resp.json["qr_url"], headers=bearer(owner.resident))
    assert qr.status_code == 200 and qr.data.startswith(b"\x89PNG")

    bound = client.post(
        "/api/v1/bindings/invite", json={"code": resp.json["code"]}, headers=bearer(family)
    )
    assert bound.status_code == 201
    assert bound.json["role"] == "family"
    assert bound.json["source"] == ResidencySource.owner_invite.value


def test_only_a_current_owner_may_invite(client, db):
    tenant = ResidencyFactory(role="tenant", ends_on=local_today() + timedelta(days=30))
    pending_owner = ResidencyFactory(status=ResidencyStatus.pending)

    by_tenant = client.post(
        f"/api/v1/me/residencies/{tenant.id}/invites",
        json={"role": "family"},
        headers=bearer(tenant.resident),
    )
    by_pending = client.post(
        f"/api/v1/me/residencies/{pending_owner.id}/invites",
        json={"role": "family"},
        headers=bearer(pending_owner.resident),
    )
    owner_role = client.post(
        f"/api/v1/me/residencies/{pending_owner.id}/invites",
        json={"role": "owner"},
        headers=bearer(pending_owner.resident),
    )

    assert by_tenant.status_code == 403
    assert by_pending.status_code == 403
    assert owner_role.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Invite.id))) == 0


def test_tenant_invite_needs_a_future_end_date(client, db):
    owner = ResidencyFactory()

    resp = client.post(
        f"/api/v1/me/residencies/{owner.id}/invites",
        json={"role": "tenant", "ends_on": local_today().isoformat()},
        headers=bearer(owner.resident),
    )

    assert resp.status_code == 422
    assert resp.json["errors"]["ends_on"] == ["租期结束日期必须晚于今天"]


def test_owners_invite_lapses_when_the_owner_no_longer_lives_there(client, db):
    owner = ResidencyFactory()
    resp = client.post(
        f"/api/v1/me/residencies/{owner.id}/invites",
        json={"role": "family"},
        headers=bearer(owner.resident),
    )
    owner.status = ResidencyStatus.ended
    db.session.commit()

    bound = client.post(
        "/api/v1/bindings/invite",
        json={"code": resp.json["code"]},
        headers=bearer(ResidentFactory()),
    )

    assert bound.status_code == 410
    assert bound.json["message"] == "邀请人已不是该房屋的业主，邀请已失效"
    assert _residency_count(db) == 1


def test_lease_longer_than_twenty_years_is_refused(client, db):
    owner = ResidencyFactory()
    too_far = local_today() + timedelta(days=366 * 21)

    resp = client.post(
        f"/api/v1/me/residencies/{owner.id}/invites",
        json={"role": "tenant", "ends_on": too_far.isoformat()},
        headers=bearer(owner.resident),
    )

    assert resp.status_code == 422
    assert resp.json["errors"]["ends_on"] == ["租赁期限不得超过二十年"]
