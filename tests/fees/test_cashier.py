"""The cashier's screen per household: a unit found as the tables write it ("1幢 201"),
exact match first; every unpaid bill with the total; collected in one payment whose
receipt names the payee and says the amount in Chinese capitals."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from backend.authz.roles import StaffRole
from backend.core.db import commit
from backend.fees import cashier
from backend.fees.models import Bill, BillStatus, Payment
from tests.admin.conftest import login
from tests.factories import (
    BillFactory,
    BuildingFactory,
    CompanyFactory,
    FeeItemFactory,
    StaffFactory,
    UnitFactory,
)


def _estate():
    one = BuildingFactory(name="1幢")
    eleven = BuildingFactory(name="11幢", estate=one.estate)
    units = {
        "1幢 201": UnitFactory(building=one, number="201"),
        "1幢 2011": UnitFactory(building=one, number="2011"),
        "11幢 201": UnitFactory(building=eleven, number="201"),
    }
    desk = StaffFactory(role=StaffRole.service_desk, company=one.estate.company)
    return one.estate, units, desk


def test_a_unit_is_found_as_the_table_writes_it_exact_match_first(db):
    _, units, desk = _estate()
    other_desk = StaffFactory(role=StaffRole.service_desk, company=CompanyFactory())
    found = cashier.find_units(desk, "1幢 201")
    assert found[0] is units["1幢 201"]
    assert set(found) == {units["1幢 201"], units["1幢 2011"], units["11幢 201"]}
    assert cashier.find_units(desk, "1幢201")[0] is units["1幢 201"]
    assert cashier.find_units(desk, "  1幢   201 ")[0] is units["1幢 201"]
    assert cashier.find_units(desk, "2011") == [units["1幢 2011"]]
    assert cashier.find_units(desk, "%") == []  # a wildcard is a character, not "anything"
    assert cashier.find_units(other_desk, "1幢 201") == []  # another company's units


def test_a_household_is_collected_in_one_payment_with_its_receipt(client, db):
    estate, units, desk = _estate()
    unit = units["1幢 201"]
    fee = FeeItemFactory(estate=estate, name="物业服务费")
    parking = FeeItemFactory(estate=estate, name="车位管理费")
    bills = [
        BillFactory(unit=unit, fee_item=fee, period=date(2026, 10, 1), amount_fen=23_412),
        BillFactory(unit=unit, fee_item=fee, period=date(2026, 11, 1), amount_fen=23_412),
        BillFactory(unit=unit, fee_item=parking, period=date(2026, 11, 1), amount_fen=15_000),
    ]
    BillFactory(unit=units["11幢 201"], fee_item=fee, amount_fen=9_999)  # a neighbour's
    commit()
    login(client, desk)

    resp = client.get("/admin/cashier", query_string={"q": "1幢 201"})
    assert resp.status_code == 200 and 'id="cashier-matches"' in resp.text
    page = client.get(f"/admin/cashier/units/{unit.id}").text
    assert 'id="household-total">¥618.24<' in page
    assert page.count('name="bill_ids"') == 3 and page.count("checked") >= 3
    # a bill of another unit is refused, nothing is paid
    resp = client.post(
        f"/admin/cashier/units/{unit.id}",
        data={"bill_ids": [str(bills[0].id), str(bills[0].id + 3)], "method": "cash"},
    )
    assert resp.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Payment.id))) == 0

    resp = client.post(
        f"/admin/cashier/units/{unit.id}",
        data={"bill_ids": [str(b.id) for b in bills], "method": "cash", "payer_name": "王先生"},
    )
    assert resp.status_code == 302, resp.text
    payment = db.session.scalars(sa.select(Payment)).one()
    assert payment.amount_fen == 61_824
    statuses = db.session.scalars(sa.select(Bill.status).where(Bill.unit_id == unit.id)).all()
    assert set(statuses) == {BillStatus.paid}
    receipt = client.get(resp.headers["Location"]).text
    assert "人民币陆佰壹拾捌元贰角肆分" in receipt
    assert estate.company.name in receipt and "物业服务费" in receipt and "车位管理费" in receipt
    assert (
        'class="receipt card receipt-roll"'
        in client.get(resp.headers["Location"] + "?paper=80mm").text
    )
    page = client.get(f"/admin/cashier/units/{unit.id}").text
    assert "该户没有未缴账单" in page
