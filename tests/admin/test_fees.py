"""The panel's fee screens: fee items, bill runs, the counter, receipts, reminders, reports."""

from __future__ import annotations

import io
import re
from datetime import date

import sqlalchemy as sa
from openpyxl import load_workbook

from backend.audit.models import AuditEntry
from backend.fees.models import Bill, BillStatus, FeeItem, Payment, Reminder
from backend.notify.models import SubscriptionConsent
from tests.factories import (
    BillFactory,
    FeeItemFactory,
    OwnerRecordFactory,
    ResidencyFactory,
)


def _bills(world, n=2):
    item = FeeItemFactory(estate=world.estate_a, name="物业服务费")
    return [
        BillFactory(unit=world.unit_a, fee_item=item, period=date(2026, m, 1))
        for m in range(11, 11 + n)
    ]


def test_every_fee_screen_opens_for_staff_in_scope(as_staff, world):
    _bills(world)
    client = as_staff(world.admin_a)
    for path in (
        "/admin/bills",
        "/admin/fees",
        "/admin/payments",
        "/admin/payments/day-end",
        "/admin/arrears",
        "/admin/reminders",
        "/admin/fee-reports",
        "/admin/fee-reports?group=building",
        "/admin/fee-reports?group=item",
        "/admin/fee-reports?group=period&from=2026-01&to=2026-12",
    ):
        resp = client.get(path)
        assert resp.status_code == 200, path
    assert "<svg" in client.get("/admin/fee-reports").text


def test_a_fee_item_is_created_and_bills_generated_from_the_panel(as_staff, db, world):
    OwnerRecordFactory(unit=world.unit_a)
    client = as_staff(world.admin_a)
    resp = client.post(
        "/admin/fees",
        data={
            "estate_id": world.estate_a.id,
            "name": "物业服务费",
            "basis": "per_area",
            "price": "2.35",
            "effective_from": "2026-01-01",
            "pricing_form": "government_guided",
            "basis_document": "杭价服〔2026〕1号",
            "developer_held_included": "on",
        },
    )
    assert resp.status_code == 302
    resp = client.post(
        "/admin/fees/generate", data={"estate_id": world.estate_a.id, "period": "2026-11"}
    )
    assert resp.status_code == 200
    assert "新生成 1 张账单" in resp.text
    assert db.session.scalar(sa.select(sa.func.count(Bill.id))) == 1
    actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"fee_item.create", "bills.generate"} <= actions


def test_the_cashier_records_a_payment_and_prints_a_verifiable_receipt(as_staff, db, world):
    bills = _bills(world)
    client = as_staff(world.desk_a)
    resp = client.post(
        "/admin/payments",
        data={"bill_ids": [b.id for b in bills], "method": "cash", "payer_name": "张先生"},
    )
    assert resp.status_code == 302
    payment = db.session.scalars(sa.select(Payment)).one()
    receipt = client.get(resp.headers["Location"])
    assert payment.receipt_no in receipt.text
    verify = re.search(r'id="verify-link">([^<]+)<', receipt.text).group(1)
    public = client.get(verify.removeprefix("http://localhost"))
    assert public.status_code == 200 and payment.receipt_no in public.text
    assert client.get(f"/admin/payments/{payment.id}/qr.png").mimetype == "image/png"
    day_end = client.get("/admin/payments/day-end")
    assert world.desk_a.name in day_end.text
    db.session.expire_all()
    assert all(db.session.get(Bill, b.id).status == BillStatus.paid for b in bills)
    assert "payment.offline" in set(db.session.scalars(sa.select(AuditEntry.action)))


def test_company_b_cannot_collect_or_see_company_a_bills(as_staff, db, world):
    bills = _bills(world)
    client = as_staff(world.admin_b)
    assert client.get(f"/admin/bills/{bills[0].id}").status_code == 404
    resp = client.post("/admin/payments", data={"bill_ids": [bills[0].id], "method": "cash"})
    assert resp.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Payment.id))) == 0
    assert f'id="bill-{bills[0].id}"' not in client.get("/admin/bills").text
    # a technician may not collect at all
    tech = as_staff(world.technician_a)
    assert (
        tech.post("/admin/payments", data={"bill_ids": [bills[0].id], "method": "cash"}).status_code
        == 403
    )


def test_a_waiver_from_the_panel_needs_a_reason(as_staff, db, world):
    (bill,) = _bills(world, 1)
    client = as_staff(world.admin_a)
    client.post(
        f"/admin/bills/{bill.id}/adjust", data={"kind": "waiver", "amount": "10", "reason": ""}
    )
    db.session.expire_all()
    assert db.session.get(Bill, bill.id).waived_fen == 0
    client.post(
        f"/admin/bills/{bill.id}/adjust",
        data={
            "kind": "waiver",
            "amount": "10.50",
            "reason": "困难家庭",
            "approver_id": world.admin_a.id,
        },
    )
    db.session.expire_all()
    assert db.session.get(Bill, bill.id).waived_fen == 1050
    assert "困难家庭" in client.get(f"/admin/bills/{bill.id}").text


def test_reminders_are_sent_and_recorded(as_staff, db, world, fake_wechat):
    _bills(world)
    resident = ResidencyFactory(unit=world.unit_a).resident
    world.company_a.phone = "0571-88888888"
    db.session.commit()
    # the resident accepted the reminder template on their phone (一次性订阅)
    db.session.add(
        SubscriptionConsent(resident_id=resident.id, template_id="tmpl-fee-reminder", remaining=1)
    )
    db.session.commit()
    fake_wechat.subscribe(resident.openid, {"tmpl-fee-reminder": "accept"})
    client = as_staff(world.desk_a)
    resp = client.post(f"/admin/units/{world.unit_a.id}/reminders", data={"channel": "wechat"})
    assert resp.status_code == 302
    resp = client.post(f"/admin/units/{world.unit_a.id}/reminders", data={"channel": "written"})
    notice = client.get(resp.headers["Location"])
    assert "催交通知书" in notice.text and "滞纳金" in notice.text
    reminders = db.session.scalars(sa.select(Reminder).order_by(Reminder.id)).all()
    assert [r.channel.value for r in reminders] == ["wechat", "written"]
    assert reminders[0].recipients == 1
    assert len(reminders[0].bill_ids) == 2
    (message,) = fake_wechat.messages(resident.openid)
    assert message["template_id"] == "tmpl-fee-reminder"
    assert message["data"]["phone_number4"]["value"] == "0571-88888888"


def test_excel_exports_open_with_their_rows(as_staff, world):
    _bills(world)
    client = as_staff(world.admin_a)
    for kind, rows in (("bills", 3), ("arrears", 2), ("payments", 1), ("collection", 2)):
        resp = client.get(f"/admin/fee-reports/{kind}.xlsx")
        assert resp.status_code == 200, kind
        sheet = load_workbook(io.BytesIO(resp.data)).active
        assert sheet.max_row == rows, kind
    assert client.get("/admin/fee-reports/other.xlsx").status_code == 404


def test_excel_exports_are_named_and_headed_in_chinese(as_staff, world):
    """Issue 19: 账单_2026-12.xlsx with the sheet 账单明细, 欠费_<date>.xlsx with 欠费明细; the
    Chinese name goes as RFC 5987 ``filename*`` beside an ASCII fallback."""
    from urllib.parse import unquote

    _bills(world)
    client = as_staff(world.admin_a)
    resp = client.get("/admin/fee-reports/bills.xlsx?period=2026-12")
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="bills_2026-12.xlsx"; filename*=UTF-8')
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "账单_2026-12.xlsx"
    assert load_workbook(io.BytesIO(resp.data)).active.title == "账单明细"
    resp = client.get("/admin/fee-reports/arrears.xlsx")
    assert unquote(resp.headers["Content-Disposition"]).split("''")[1].startswith("欠费_")
    assert load_workbook(io.BytesIO(resp.data)).active.title == "欠费明细"


def test_fee_item_list_is_scoped(as_staff, world):
    FeeItemFactory(estate=world.estate_b, name="星河湾专用项目")
    client = as_staff(world.admin_a)
    assert "星河湾专用项目" not in client.get("/admin/fees").text
    item_b = FeeItemFactory(estate=world.estate_b, name="别家项目")
    assert client.get(f"/admin/fees/{item_b.id}").status_code == 404
    assert FeeItem  # imported for the reader


def test_a_fee_items_scope_is_set_from_the_panel_and_audited(as_staff, db, world):
    from tests.factories import BuildingFactory, UnitFactory

    other = BuildingFactory(estate=world.estate_a, name="2幢")
    held = UnitFactory(building=other, number="2-101", developer_held=True)
    for unit in (world.unit_a, held):
        OwnerRecordFactory(unit=unit)
    item = FeeItemFactory(estate=world.estate_a, name="电梯费")
    client = as_staff(world.admin_a)
    resp = client.post(
        f"/admin/fees/{item.id}/scope",
        data={"buildings": "some", "building_ids": [str(other.id)], "tenant_pays": "y"},
    )
    assert resp.status_code == 302
    db.session.expire_all()
    item = db.session.get(FeeItem, item.id)
    assert [b.name for b in item.buildings] == ["2幢"]
    assert (item.tenant_pays, item.developer_held_included) == (True, False)
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "fee_item.update")
    ).one()
    assert entry.after["buildings"] == ["2幢"] and entry.before["buildings"] == "全部楼栋"
    # 2幢 only, and its one unit is the developer's: nothing to bill
    from backend.fees.services import generate_bills

    assert generate_bills(world.estate_a.id, date(2026, 11, 1)).created == 0
    # a building of another estate is refused, and "some" with none ticked too
    for data in (
        {"buildings": "some", "building_ids": [str(world.building_b.id)]},
        {"buildings": "some"},
    ):
        resp = client.post(f"/admin/fees/{item.id}/scope", data=data)
        assert resp.status_code == 422
    resp = client.post(f"/admin/fees/{item.id}/scope", data={"buildings": "all"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(FeeItem, item.id).buildings == []


def test_a_deactivated_fee_item_is_no_longer_billed_and_the_change_is_audited(as_staff, db, world):
    from backend.fees.services import generate_bills

    OwnerRecordFactory(unit=world.unit_a)
    item = FeeItemFactory(estate=world.estate_a, name="停车管理费")
    client = as_staff(world.admin_a)
    assert client.post(f"/admin/fees/{item.id}/active", data={"active": "0"}).status_code == 302
    assert "已停用" in client.get(f"/admin/fees/{item.id}").text
    assert generate_bills(world.estate_a.id, date(2026, 11, 1)).created == 0
    assert client.post(f"/admin/fees/{item.id}/active", data={"active": "0"}).status_code == 409
    assert client.post(f"/admin/fees/{item.id}/active", data={"active": "1"}).status_code == 302
    assert generate_bills(world.estate_a.id, date(2026, 11, 1)).created == 1
    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.entity_type == "fee_item")
    ).all()
    assert actions.count("fee_item.deactivate") == 1 and actions.count("fee_item.activate") == 1
    # staff of company B: not found
    other = as_staff(world.admin_b)
    assert other.post(f"/admin/fees/{item.id}/active", data={"active": "0"}).status_code == 404


def test_an_effective_dated_price_change_from_the_form(as_staff, db, world):
    item = FeeItemFactory(estate=world.estate_a, name="物业服务费", price="2.00")
    client = as_staff(world.admin_a)
    resp = client.post(
        f"/admin/fees/{item.id}/prices", data={"price": "2.50", "effective_from": "2027-01-01"}
    )
    assert resp.status_code == 302
    db.session.expire_all()
    item = db.session.get(FeeItem, item.id)
    assert str(item.price_on(date(2026, 12, 1)).price_yuan) == "2.0000"
    assert str(item.price_on(date(2027, 1, 1)).price_yuan) == "2.5000"
    resp = client.post(
        f"/admin/fees/{item.id}/prices", data={"price": "2.60", "effective_from": "2027-02-15"}
    )
    assert resp.status_code == 422 and "须从某月 1 日起生效" in resp.text


def test_oversight_sees_collection_rates_but_no_household_is_named(as_staff, world):
    """Committees, street and bureau officers watch 收缴率; per-unit bills, payments and
    arrears (who owes what) stay with the company (privacy)."""
    _bills(world)
    for member in (world.committee_a, world.bureau_xihu):
        client = as_staff(world.platform)  # sign the previous member out
        client.post("/admin/logout")
        client = as_staff(member)
        home = client.get("/admin/").text
        assert 'href="/admin/fee-reports"' in home and 'href="/admin/bills"' not in home
        page = client.get("/admin/fee-reports?group=building")
        assert page.status_code == 200 and "1幢" in page.text
        assert "1-101" not in page.text
        assert client.get("/admin/fee-reports/collection.xlsx").status_code == 200
        for path in (
            "/admin/bills",
            "/admin/arrears",
            "/admin/payments",
            "/admin/reminders",
            "/admin/fee-reports/arrears.xlsx",
            "/admin/fee-reports/bills.xlsx",
        ):
            assert client.get(path).status_code == 403, (member.username, path)


def test_batch_reminders_preview_who_gets_what_then_send_through_the_outbox(
    as_staff, db, world, fake_wechat
):
    """Issue 19: tick units on the arrears list, see each unit's amount, months and how many
    residents get the message, confirm, and each bound unit gets its recorded reminder (the
    message against the resident's consent); a unit with nobody bound is said, not sent."""
    from tests.factories import UnitFactory

    _bills(world)
    lonely = UnitFactory(building=world.building_a, number="1-909")
    BillFactory(
        unit=lonely, fee_item=FeeItemFactory(estate=world.estate_a), period=date(2026, 1, 1)
    )
    resident = ResidencyFactory(unit=world.unit_a).resident
    world.company_a.phone = "0571-88888888"
    db.session.add(
        SubscriptionConsent(resident_id=resident.id, template_id="tmpl-fee-reminder", remaining=1)
    )
    db.session.commit()
    fake_wechat.subscribe(resident.openid, {"tmpl-fee-reminder": "accept"})
    client = as_staff(world.desk_a)

    listed = client.get(f"/admin/arrears?estate_id={world.estate_a.id}").text
    assert f'id="pick-unit-{world.unit_a.id}"' in listed and 'id="arrears-building"' in listed
    old_only = client.get("/admin/arrears?age=365").text  # January's bill is not a year old
    assert f'id="arrears-{lonely.id}"' not in old_only

    query = f"unit_id={world.unit_a.id}&unit_id={lonely.id}&unit_id={world.unit_b.id}"
    preview = client.get(f"/admin/arrears/remind?{query}").text
    assert f'id="plan-{world.unit_a.id}"' in preview and f'id="plan-{lonely.id}"' in preview
    assert f'id="plan-{world.unit_b.id}"' not in preview  # another company's: left out
    assert "无已绑定住户" in preview and "确定发送吗" in preview
    assert not db.session.scalars(sa.select(Reminder)).all()  # a preview sends nothing

    resp = client.post(
        "/admin/arrears/remind", data={"unit_id": [str(world.unit_a.id), str(lonely.id)]}
    )

    assert resp.status_code == 302
    (reminder,) = db.session.scalars(sa.select(Reminder)).all()
    assert (reminder.unit_id, reminder.recipients, len(reminder.bill_ids)) == (
        world.unit_a.id,
        1,
        2,
    )
    (message,) = fake_wechat.messages(resident.openid)
    assert message["template_id"] == "tmpl-fee-reminder"
    page = client.get("/admin/reminders").text
    assert "已向 1 户（1 位住户）发送催缴提醒" in page
    assert "1-909 未发送" in page


def test_batch_reminders_are_for_those_who_remind(as_staff, world):
    _bills(world)
    client = as_staff(world.technician_a)
    assert client.get(f"/admin/arrears/remind?unit_id={world.unit_a.id}").status_code == 403
    assert client.post("/admin/arrears/remind", data={"unit_id": "1"}).status_code == 403


def test_the_bill_list_offers_page_sizes(as_staff, world):
    _bills(world, n=2)
    client = as_staff(world.admin_a)
    page = client.get("/admin/bills?per_page=50").text
    assert '<option value="50" selected>每页 50 条</option>' in page
    assert '<option value="20" selected>' in client.get("/admin/bills?per_page=9").text
