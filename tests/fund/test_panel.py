"""The fund in the panel: a use walked from draft to disclosure over HTTP by the company, the
committee, the city's reviewer and the fund's bank; the bank sees orders, not ledgers."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from backend.core.db import commit
from backend.fund import ledger
from backend.fund.models import FundPayment, FundUse, UseState
from tests.factories import TEST_PASSWORD


def client_as(app, staff):
    client = app.test_client()
    response = client.post(
        "/admin/login", data={"username": staff.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    return client


def test_an_emergency_from_draft_to_disclosure_in_the_panel(app, db, fund_world):
    units = [fund_world.unit("80.00"), fund_world.unit("120.00")]
    ledger.post_initial_deposits(fund_world.estate.id, Decimal("100"), date(2020, 1, 1))
    commit()
    company = client_as(app, fund_world.company)
    page = company.get("/admin/fund/new")
    assert page.status_code == 200 and "列支范围" in page.get_data(as_text=True)
    response = company.post(
        "/admin/fund/new",
        data={
            "estate_id": fund_world.estate.id,
            "kind": "emergency",
            "emergency_category": "lift",
            "title": "电梯困人应急维修",
            "budget": "1000.01",
            "buildings": [fund_world.building.id],
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    use = db.session.scalars(sa.select(FundUse)).one()
    assert use.budget_fen == 100001
    url = f"/admin/fund/uses/{use.id}"
    assert company.post(f"{url}/actions/submit").status_code == 302
    bureau = client_as(app, fund_world.bureau)
    assert bureau.post(f"{url}/actions/approve", data={"note": "同意"}).status_code == 302
    assert bureau.post(f"{url}/actions/notify_bank").status_code == 302
    # the bank: its orders page lists the use; it may not read the estate's ledger
    bank = client_as(app, fund_world.bank)
    orders = bank.get("/admin/fund/orders").get_data(as_text=True)
    assert "电梯困人应急维修" in orders
    assert bank.get(f"/admin/fund/estates/{fund_world.estate.id}").status_code == 403
    assert bank.get("/admin/fund").status_code == 403
    order = bank.get(f"{url}/order").get_data(as_text=True)
    code = re.search(r"/fund-orders/([^/\"]+)/qr.png", order).group(1)
    check = app.test_client().get(f"/fund-orders/{code}")
    assert check.status_code == 200 and "¥1,000.01" in check.get_data(as_text=True)
    assert app.test_client().get(f"/fund-orders/{code[:-2]}xx").status_code == 404
    form = {"instalment": "1", "amount": "600.00", "paid_on": "2026-03-01", "bank_reference": "B1"}
    assert bank.post(f"{url}/payments", data=form).status_code == 302
    # the same instalment again is refused, and writes nothing
    again = bank.post(f"{url}/payments", data=form)
    assert again.status_code == 409 and "第 1 期划款已登记" in again.get_data(as_text=True)
    form = {"instalment": "2", "amount": "400.01", "paid_on": "2026-03-20"}
    assert bank.post(f"{url}/payments", data=form).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FundPayment)) == 2
    # closing before disclosure is refused; after it, allowed
    assert company.post(f"{url}/actions/accept").status_code == 302
    assert company.post(f"{url}/actions/close").status_code == 409
    committee = client_as(app, fund_world.committee)
    assert committee.post(f"{url}/actions/disclose").status_code == 302
    assert company.post(f"{url}/actions/close").status_code == 302
    db.session.expire_all()
    use = db.session.get(FundUse, use.id)
    assert use.state == UseState.closed and use.paid_fen == 100001
    figures = {b.unit_id: b.balance_fen for b in ledger.balances(fund_world.estate.id).values()}
    # 80 : 120 of ¥1,000.01 → 400.00 / 600.01 (the odd fen to the larger remainder)
    assert figures == {units[0].id: 800000 - 40000, units[1].id: 1200000 - 60001}
    detail = committee.get(url).get_data(as_text=True)
    assert "公示结算" in detail and "结案" in detail


def test_reconciliation_in_the_panel_lists_unmatched_lines(app, db, fund_world):
    fund_world.unit("100.00")
    ledger.post_initial_deposits(
        fund_world.estate.id, Decimal("10"), date(2026, 3, 2), reference="D1"
    )
    commit()
    committee = client_as(app, fund_world.committee)
    csv = "日期,金额,流水号\n2026-03-02,1000.00,D1\n2026-03-02,5.00,X9\n".encode()
    page = committee.post(
        f"/admin/fund/estates/{fund_world.estate.id}/statement",
        data={"file": (io.BytesIO(csv), "s.csv")},
        content_type="multipart/form-data",
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "已核对 1 笔，未匹配 1 笔" in text and "分户账中没有此流水号" in text
