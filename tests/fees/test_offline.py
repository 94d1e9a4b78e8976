"""Counter payments, the day-end report, receipts and their public verification page."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from backend.core.errors import Conflict, Forbidden, NotFound
from backend.core.time import local_today
from backend.fees.models import AdjustmentKind, BillAdjustment, BillStatus, PaymentMethod
from backend.fees.payments import (
    cash_report,
    receipt_code,
    record_offline_payment,
)
from backend.fees.services import adjust_bill
from tests.factories import BillFactory
from tests.fees.conftest import pay


def test_a_cashier_records_a_cash_payment_with_a_receipt(db, world):
    bills = [BillFactory(unit=world.unit_a) for _ in range(2)]
    payment = record_offline_payment(
        world.desk_a, [b.id for b in bills], PaymentMethod.cash, payer_name="张先生"
    )
    db.session.commit()
    assert payment.amount_fen == sum(b.amount_fen for b in bills)
    assert payment.cashier_name == world.desk_a.name
    assert payment.receipt_no.endswith(f"{payment.id:08d}")
    assert all(b.status == BillStatus.paid for b in bills if not db.session.refresh(b))
    with pytest.raises(Conflict):
        record_offline_payment(world.desk_a, [bills[0].id], PaymentMethod.cash)


def test_a_cashier_of_company_a_cannot_record_a_payment_for_company_b(db, world):
    bill = BillFactory(unit=world.unit_b)
    with pytest.raises(NotFound):
        record_offline_payment(world.desk_a, [bill.id], PaymentMethod.cash)
    with pytest.raises(Forbidden):
        record_offline_payment(world.technician_a, [bill.id], PaymentMethod.cash)


def test_a_bill_in_an_online_payment_cannot_be_paid_at_the_counter(client, db, home):
    from tests.factories import StaffFactory as _Staff

    assert pay(client, home.headers, [home.bills[0].id]).status_code == 201
    with pytest.raises(Conflict):
        record_offline_payment(_Staff(), [home.bills[0].id], PaymentMethod.pos)


def test_day_end_report_sums_each_cashiers_takings(db, world):
    cash = record_offline_payment(
        world.desk_a, [BillFactory(unit=world.unit_a).id], PaymentMethod.cash
    )
    pos = record_offline_payment(
        world.admin_a, [BillFactory(unit=world.unit_a).id], PaymentMethod.pos
    )
    db.session.commit()
    report = cash_report(world.admin_a, local_today())
    assert report["total_fen"] == cash.amount_fen + pos.amount_fen
    assert report["cashiers"][world.desk_a.name]["by_method"] == {"现金": cash.amount_fen}
    mine = cash_report(world.admin_a, local_today(), cashier_id=world.desk_a.id)
    assert mine["total_fen"] == cash.amount_fen
    # another company's admin sees none of it
    assert cash_report(world.admin_b, local_today())["total_fen"] == 0


def test_the_receipt_qr_page_verifies_and_masks_the_unit(client, db, world):
    payment = record_offline_payment(
        world.desk_a, [BillFactory(unit=world.unit_a).id], PaymentMethod.cash
    )
    db.session.commit()
    code = receipt_code(payment)
    page = client.get(f"/receipts/{code}")
    assert page.status_code == 200
    text = page.text
    assert payment.receipt_no in text and world.estate_a.name in text
    assert "1幢 ***01" in text  # 1-101 masked
    assert "1-101" not in text
    assert "有效" in text
    assert client.get(f"/receipts/{code}/qr.png").mimetype == "image/png"


@pytest.mark.parametrize(
    "mutate", [lambda c: c[:-1] + ("A" if c[-1] != "A" else "B"), lambda c: "MQ.abc", lambda c: "x"]
)
def test_a_tampered_or_unknown_receipt_code_shows_nothing(client, db, world, mutate):
    payment = record_offline_payment(
        world.desk_a, [BillFactory(unit=world.unit_a).id], PaymentMethod.cash
    )
    db.session.commit()
    page = client.get(f"/receipts/{mutate(receipt_code(payment))}")
    assert page.status_code == 404
    assert payment.receipt_no not in page.text
    assert world.estate_a.name not in page.text
    assert "无法验证" in page.text


def test_a_waiver_is_recorded_with_reason_and_approver(db, world):
    bill = BillFactory(unit=world.unit_a)
    adjustment = adjust_bill(
        world.desk_a,
        bill.id,
        AdjustmentKind.waiver,
        1000,
        "困难家庭减免",
        approver_id=world.admin_a.id,
    )
    db.session.commit()
    db.session.refresh(bill)
    assert bill.waived_fen == 1000 and bill.due_fen == bill.amount_fen - 1000
    assert adjustment.approved_by_id == world.admin_a.id
    assert adjustment.recorded_by_id == world.desk_a.id
    # a service desk cannot approve; an approver of company B cannot either
    from backend.core.errors import Invalid

    with pytest.raises(Invalid):
        adjust_bill(
            world.desk_a, bill.id, AdjustmentKind.waiver, 10, "再减", approver_id=world.desk_a.id
        )
    with pytest.raises(Invalid):
        adjust_bill(
            world.desk_a, bill.id, AdjustmentKind.waiver, 10, "再减", approver_id=world.admin_b.id
        )
    # a full waiver settles the bill; a correction changes the amount
    adjust_bill(world.admin_a, bill.id, AdjustmentKind.correction, 5000, "面积登记有误，更正")
    adjust_bill(world.admin_a, bill.id, AdjustmentKind.waiver, 5000, "全额减免")
    db.session.commit()
    db.session.refresh(bill)
    assert bill.status == BillStatus.waived
    count = db.session.scalar(sa.select(sa.func.count(BillAdjustment.id)))
    assert count == 3
