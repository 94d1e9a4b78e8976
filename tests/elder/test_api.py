"""Elder mode's resident API: the setting is remembered per resident, and 请家人帮忙 tells
the household of the unit (and nobody else), once, through the message center."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from backend.accounts.models import ResidencyRole
from backend.fees.models import BillStatus
from backend.notify.models import DeliveryStatus, Notification
from tests.factories import BillFactory, FeeItemFactory, ResidencyFactory, UnitFactory
from tests.helpers import bearer


def _household(db):
    unit = UnitFactory(number="3-502")
    item = FeeItemFactory(estate=unit.estate, name="物业服务费")
    elder = ResidencyFactory(unit=unit, resident__name="冯淑芬").resident
    son = ResidencyFactory(unit=unit, role=ResidencyRole.family).resident
    tenant_elsewhere = ResidencyFactory(role=ResidencyRole.owner).resident
    bill = BillFactory(unit=unit, fee_item=item, period=date(2026, 12, 1))
    return unit, elder, son, tenant_elsewhere, bill


def _messages(db, resident_id) -> list[Notification]:
    db.session.expire_all()
    return list(
        db.session.scalars(sa.select(Notification).where(Notification.resident_id == resident_id))
    )


def test_settings_default_off_and_are_remembered(client, db):
    resident = ResidencyFactory().resident
    headers = bearer(resident)
    assert client.get("/api/v1/me/settings", headers=headers).json == {"elder_mode": False}
    resp = client.put("/api/v1/me/settings", json={"elder_mode": True}, headers=headers)
    assert resp.status_code == 200 and resp.json == {"elder_mode": True}
    assert client.get("/api/v1/me/settings", headers=headers).json == {"elder_mode": True}
    other = ResidencyFactory().resident
    assert client.get("/api/v1/me/settings", headers=bearer(other)).json == {"elder_mode": False}


def test_settings_refuse_a_non_boolean(client, db):
    resident = ResidencyFactory().resident
    resp = client.put("/api/v1/me/settings", json={"elder_mode": "很大"}, headers=bearer(resident))
    assert resp.status_code in (400, 422)


def test_asking_family_about_a_bill_messages_the_household_once(client, db):
    _unit, elder, son, stranger, bill = _household(db)
    resp = client.post("/api/v1/me/help-requests", json={"bill_id": bill.id}, headers=bearer(elder))
    assert resp.status_code == 201, resp.json
    assert resp.json["asked"] == 1 and resp.json["bill_id"] == bill.id
    [message] = _messages(db, son.id)
    assert message.kind == "family_help"
    assert message.page == "pages/fees/bills"
    assert message.data["thing1"]["value"] == "冯淑芬"
    assert "2026年12月物业服务费" in message.data["thing3"]["value"]
    # no consent was given: the message waits in the message center, WeChat is not asked
    assert message.status == DeliveryStatus.app_only
    assert _messages(db, stranger.id) == [] and _messages(db, elder.id) == []
    again = client.post(
        "/api/v1/me/help-requests", json={"bill_id": bill.id}, headers=bearer(elder)
    )
    assert again.status_code == 200 and again.json["id"] == resp.json["id"]
    assert len(_messages(db, son.id)) == 1


def test_the_family_member_sees_and_may_pay_the_bill(client, db, fake_wechat):
    _unit, elder, son, _stranger, bill = _household(db)
    client.post("/api/v1/me/help-requests", json={"bill_id": bill.id}, headers=bearer(elder))
    bills = client.get("/api/v1/me/bills?status=unpaid", headers=bearer(son)).json
    assert [b["id"] for b in bills] == [bill.id]
    order = client.post("/api/v1/me/payments", json={"bill_ids": [bill.id]}, headers=bearer(son))
    assert order.status_code in (200, 201), order.json


def test_a_bill_of_another_unit_is_not_found(client, db):
    _unit, _elder, son, stranger, bill = _household(db)
    resp = client.post(
        "/api/v1/me/help-requests", json={"bill_id": bill.id}, headers=bearer(stranger)
    )
    assert resp.status_code == 404
    assert _messages(db, son.id) == []


def test_a_paid_bill_or_an_empty_household_is_a_conflict(client, db):
    _unit, elder, _son, _stranger, bill = _household(db)
    bill.status = BillStatus.paid
    db.session.flush()
    resp = client.post("/api/v1/me/help-requests", json={"bill_id": bill.id}, headers=bearer(elder))
    assert resp.status_code == 409
    alone = ResidencyFactory()
    own_bill = BillFactory(unit=alone.unit)
    resp = client.post(
        "/api/v1/me/help-requests", json={"bill_id": own_bill.id}, headers=bearer(alone.resident)
    )
    assert resp.status_code == 409
    assert "邀请家人" in resp.json["message"]


def test_exactly_one_of_bill_or_ticket(client, db):
    resident = ResidencyFactory().resident
    for body in ({}, {"bill_id": 1, "ticket_id": 1}):
        resp = client.post("/api/v1/me/help-requests", json=body, headers=bearer(resident))
        assert resp.status_code in (400, 422), body


def test_asking_family_about_a_ticket(client, db):
    unit, elder, son, _stranger, _bill = _household(db)
    created = client.post(
        "/api/v1/tickets",
        json={
            "kind": "home_repair",
            "urgency": "normal",
            "unit_id": unit.id,
            "description": "厨房水龙头漏水",
            "photo_ids": [],
        },
        headers=bearer(elder),
    )
    assert created.status_code == 201, created.json
    ticket_id = created.json["id"]
    resp = client.post(
        "/api/v1/me/help-requests", json={"ticket_id": ticket_id}, headers=bearer(elder)
    )
    assert resp.status_code == 201 and resp.json["asked"] == 1
    [message] = _messages(db, son.id)
    assert "厨房水龙头漏水" in message.data["thing3"]["value"]
    resp = client.post(
        "/api/v1/me/help-requests", json={"ticket_id": ticket_id}, headers=bearer(son)
    )
    assert resp.status_code == 404
