"""The resident API of fees: only one's own units' bills, filters, receipts; and nothing in
the product is withheld from a resident in arrears (民法典 Art. 944)."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app

from backend.accounts.models import ResidencyRole, ResidencyStatus
from backend.core.time import local_today
from tests.factories import (
    BillFactory,
    FeeItemFactory,
    ResidencyFactory,
    ResidentFactory,
    UnitFactory,
)
from tests.fees.conftest import notify, pay
from tests.helpers import bearer


def test_my_bills_lists_my_units_bills_only(client, home):
    stranger_bill = BillFactory()
    resp = client.get("/api/v1/me/bills", headers=home.headers)
    assert resp.status_code == 200
    assert {b["id"] for b in resp.json} == {b.id for b in home.bills}
    assert stranger_bill.id not in {b["id"] for b in resp.json}
    first = resp.json[0]
    assert first["period"] == "2026-12"
    assert first["unit"] == home.unit.label
    assert first["due_fen"] == first["amount_fen"] == 21033  # 89.50 m² × 2.35
    assert first["price_yuan"] == "2.3500"
    assert first["status"] == "unpaid"


def test_bills_filter_by_period_status_and_unit_and_paginate(client, home):
    headers = home.headers
    resp = client.get("/api/v1/me/bills?period=2026-11", headers=headers)
    assert [b["id"] for b in resp.json] == [home.bills[0].id]
    assert client.get("/api/v1/me/bills?status=paid", headers=headers).json == []
    resp = client.get(f"/api/v1/me/bills?unit_id={home.unit.id}&page_size=1", headers=headers)
    assert len(resp.json) == 1
    assert '"total": 2' in resp.headers["X-Pagination"]
    assert client.get("/api/v1/me/bills?period=2026/11", headers=headers).status_code == 422
    assert client.get("/api/v1/me/bills?status=owed", headers=headers).status_code == 422


def test_another_units_bill_is_not_found_and_cannot_be_paid(client, home):
    other = BillFactory()
    assert client.get(f"/api/v1/me/bills/{other.id}", headers=home.headers).status_code == 404
    assert pay(client, home.headers, [other.id]).status_code == 404
    assert pay(client, home.headers, [home.bills[0].id, other.id]).status_code == 404


def test_bill_detail_shows_pricing_basis(client, home):
    resp = client.get(f"/api/v1/me/bills/{home.bills[0].id}", headers=home.headers)
    assert resp.status_code == 200
    assert resp.json["pricing_form"] == "政府指导价"
    assert resp.json["basis_document"] == "杭价服〔2026〕1号"
    assert resp.json["adjustments"] == []


def test_a_tenant_sees_only_the_items_a_tenant_pays(client, home):
    water = FeeItemFactory(estate=home.unit.estate, name="水费", tenant_pays=True)
    water_bill = BillFactory(unit=home.unit, fee_item=water)
    tenancy = ResidencyFactory(
        unit=home.unit, role=ResidencyRole.tenant, ends_on=local_today() + timedelta(days=90)
    )
    resp = client.get("/api/v1/me/bills", headers=bearer(tenancy.resident))
    assert [b["id"] for b in resp.json] == [water_bill.id]
    assert pay(client, bearer(tenancy.resident), [home.bills[0].id]).status_code == 404


def test_ended_and_pending_residencies_see_no_bills(client, home):
    for status in (ResidencyStatus.ended, ResidencyStatus.pending):
        residency = ResidencyFactory(unit=home.unit, status=status)
        resp = client.get("/api/v1/me/bills", headers=bearer(residency.resident))
        assert resp.json == []


def test_my_payments_and_receipt(client, home, fake_wechat):
    order = pay(client, home.headers, [home.bills[0].id]).json
    notify(client, fake_wechat.complete_payment(order["out_trade_no"])["xml"])

    payments = client.get("/api/v1/me/payments", headers=home.headers).json
    assert len(payments) == 1
    assert payments[0]["amount_fen"] == home.bills[0].amount_fen
    assert payments[0]["method"] == "wechat"
    receipt = client.get(
        f"/api/v1/me/payments/{payments[0]['id']}/receipt", headers=home.headers
    ).json
    assert receipt["receipt_no"] == payments[0]["receipt_no"]
    assert [b["id"] for b in receipt["bills"]] == [home.bills[0].id]
    page = client.get(receipt["verify_url"].removeprefix("http://localhost"))
    assert page.status_code == 200
    assert receipt["receipt_no"] in page.text
    stranger = bearer(ResidentFactory())
    assert (
        client.get(f"/api/v1/me/payments/{payments[0]['id']}/receipt", headers=stranger).status_code
        == 404
    )


def test_a_resident_in_arrears_can_use_every_resident_feature(client, home):
    """民法典 Art. 944: arrears never restrict a resident's service; every resident endpoint
    answers a resident with years of unpaid bills exactly as it answers anyone else."""
    for month in range(1, 25):
        BillFactory(
            unit=home.unit, fee_item=home.item, period=date(2024, 1, 1) + timedelta(days=31 * month)
        )
    checked = 0
    for rule in current_app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/me") or "GET" not in rule.methods:
            continue
        if "<" in rule.rule:
            continue
        resp = client.get(rule.rule, headers=home.headers)
        assert resp.status_code == 200, (rule.rule, resp.status_code)
        checked += 1
    assert checked >= 5
    # and acting: binding, inviting family, paying are all open to them
    resp = client.post(
        f"/api/v1/me/residencies/{home.resident.residencies[0].id}/invites",
        json={"role": "family"},
        headers=home.headers,
    )
    assert resp.status_code == 201
    other_unit = UnitFactory(building=home.unit.building)
    resp = client.post(
        "/api/v1/bindings/requests",
        json={"unit_id": other_unit.id, "role": "owner", "name": "张三", "phone": "13800000000"},
        headers=home.headers,
    )
    assert resp.status_code == 201
    assert pay(client, home.headers, [home.bills[0].id]).status_code == 201


def test_a_resident_prepays_the_coming_months_and_pays_them(client, db, home):
    resp = client.post(
        "/api/v1/me/bills/prepay",
        json={"unit_id": home.unit.id, "fee_item_id": home.item.id, "months": 3},
        headers=home.headers,
    )
    assert resp.status_code == 201, resp.json
    assert len(resp.json) == 3
    assert len({b["period"] for b in resp.json}) == 3
    assert all(b["amount_fen"] == 21033 for b in resp.json)
    assert pay(client, home.headers, [b["id"] for b in resp.json]).status_code == 201
    stranger = bearer(ResidentFactory())
    resp = client.post(
        "/api/v1/me/bills/prepay",
        json={"unit_id": home.unit.id, "fee_item_id": home.item.id, "months": 3},
        headers=stranger,
    )
    assert resp.status_code == 404
    resp = client.post(
        "/api/v1/me/bills/prepay",
        json={"unit_id": home.unit.id, "fee_item_id": home.item.id, "months": 25},
        headers=home.headers,
    )
    assert resp.status_code == 422


def test_the_payer_gets_a_payment_received_message(client, db, home, fake_wechat):
    order = pay(client, home.headers, [home.bills[0].id]).json
    notify(client, fake_wechat.complete_payment(order["out_trade_no"])["xml"])
    messages = client.get("/api/v1/me/messages", headers=home.headers).json
    assert [m["event"] for m in messages] == ["payment_received"]
