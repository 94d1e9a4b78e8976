"""WeChat Pay: orders for selected bills, notifications credited exactly once, the order
query for lost notifications, refunds."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from wechatpy.pay.utils import calculate_signature

from backend.core.db import commit
from backend.fees.models import (
    Bill,
    NotificationOutcome,
    OrderStatus,
    Payment,
    PaymentNotification,
    PaymentOrder,
    PaymentStatus,
    RefundState,
)
from backend.fees.payments import refund_payment, settle_lost_orders
from tests.conftest import STACK
from tests.factories import StaffFactory
from tests.fees.conftest import bill_status, notify, pay, signed

KEY = "linlidemopaykey00000000000000000"


def _payments(db) -> list[Payment]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Payment)))


def _notes(db) -> list[PaymentNotification]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(PaymentNotification).order_by(PaymentNotification.id)))


def _ordered(client, home):
    resp = pay(client, home.headers, [b.id for b in home.bills])
    assert resp.status_code == 201, resp.json
    return resp.json


def _xml_fields(xml: str) -> dict:
    from defusedxml import ElementTree

    return {c.tag: c.text or "" for c in ElementTree.fromstring(xml)}


def test_an_order_returns_signed_request_payment_parameters(client, home):
    order = _ordered(client, home)
    params = order["pay_params"]
    assert order["total_fen"] == home.total
    assert params["package"].startswith("prepay_id=wx")
    expected = calculate_signature(
        {
            "appId": "wxlinlitest0000001",
            "timeStamp": params["timeStamp"],
            "nonceStr": params["nonceStr"],
            "package": params["package"],
            "signType": "MD5",
        },
        KEY,
    )
    assert params["paySign"] == expected
    listed = client.get("/api/v1/me/bills", headers=home.headers).json
    assert all(b["in_payment"] for b in listed)


def test_asking_again_for_the_same_bills_returns_the_same_order(client, home):
    first = _ordered(client, home)
    again = _ordered(client, home)
    assert again["out_trade_no"] == first["out_trade_no"]


def test_a_bill_in_a_pending_order_is_not_put_in_another(client, home):
    _ordered(client, home)
    resp = pay(client, home.headers, [home.bills[0].id])
    assert resp.status_code == 409


def test_a_valid_notification_credits_the_bills_once(client, db, home, fake_wechat):
    order = _ordered(client, home)
    xml = fake_wechat.complete_payment(order["out_trade_no"])["xml"]

    resp = notify(client, xml)

    assert resp.status_code == 200
    assert "<return_code><![CDATA[SUCCESS]]></return_code>" in resp.text
    (payment,) = _payments(db)
    assert payment.amount_fen == home.total
    assert payment.receipt_no
    assert [bill_status(db, b.id) for b in home.bills] == ["paid", "paid"]
    assert db.session.get(PaymentOrder, order["id"]).status == OrderStatus.paid
    assert [n.outcome for n in _notes(db)] == [NotificationOutcome.credited]


def test_the_same_notification_ten_times_credits_once(client, db, home, fake_wechat):
    order = _ordered(client, home)
    xml = fake_wechat.complete_payment(order["out_trade_no"])["xml"]

    answers = [notify(client, xml) for _ in range(10)]

    assert all("SUCCESS" in a.text and a.status_code == 200 for a in answers)
    assert len(_payments(db)) == 1
    outcomes = [n.outcome for n in _notes(db)]
    assert outcomes.count(NotificationOutcome.credited) == 1
    assert outcomes.count(NotificationOutcome.duplicate) == 9


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"sign": "0" * 32}, "签名错误"),
        ({"appid": "wxforeign000000001"}, "appid 不符"),
        ({"mch_id": "1999999999"}, "商户号不符"),
        ({"total_fee": "1"}, "金额与订单不符"),
        ({"result_code": "FAIL"}, "支付未成功"),
        ({"out_trade_no": "LLunknown"}, "订单不存在"),
    ],
)
def test_a_forged_or_mismatched_notification_credits_nothing_and_is_recorded(
    client, db, home, fake_wechat, change, reason
):
    order = _ordered(client, home)
    fields = _xml_fields(fake_wechat.complete_payment(order["out_trade_no"])["xml"])
    fields.pop("sign")
    forged_sign = change.pop("sign", None)
    fields.update(change)
    xml = signed(fields, KEY)
    if forged_sign:
        xml = xml.replace(calculate_signature(fields, KEY), forged_sign)

    resp = notify(client, xml)

    assert resp.status_code == 200
    assert "<return_code><![CDATA[FAIL]]></return_code>" in resp.text
    assert _payments(db) == []
    assert [bill_status(db, b.id) for b in home.bills] == ["unpaid", "unpaid"]
    (note,) = _notes(db)
    assert note.outcome == NotificationOutcome.refused
    assert reason in note.reason


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<xml><return_code>SUCCESS",
        b"not xml at all",
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;">]>'
        b"<xml><out_trade_no>&lol2;</out_trade_no></xml>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b"<xml><a>&e;</a></xml>",
        b"<xml><nested><deep>1</deep></nested></xml>",
        "<xml><a>\udcff</a></xml>".encode("utf-8", "surrogatepass"),
    ],
)
def test_malformed_empty_and_entity_bodies_are_answered_fail_without_5xx(client, db, body):
    resp = notify(client, body)
    assert resp.status_code == 200
    assert "<return_code><![CDATA[FAIL]]></return_code>" in resp.text
    (note,) = _notes(db)
    assert note.outcome == NotificationOutcome.refused


def test_the_order_query_settles_an_order_whose_notification_was_lost(
    client, db, home, fake_wechat
):
    order = _ordered(client, home)
    fake_wechat.complete_payment(order["out_trade_no"])  # paid, notification lost

    outcome = settle_lost_orders(older_than=timedelta(0))
    db.session.commit()

    assert outcome["credited"] == 1
    assert [bill_status(db, b.id) for b in home.bills] == ["paid", "paid"]
    assert len(_payments(db)) == 1
    # the late notification then changes nothing
    fields = fake_wechat.complete_payment(order["out_trade_no"])["xml"]
    assert "SUCCESS" in notify(client, fields).text
    assert len(_payments(db)) == 1


def test_an_expired_unpaid_order_is_closed_and_its_bills_freed(client, db, home, fake_wechat):
    order = _ordered(client, home)
    row = db.session.get(PaymentOrder, order["id"])
    row.expires_at = row.created_at - timedelta(minutes=1)
    db.session.commit()

    outcome = settle_lost_orders(older_than=timedelta(0))
    db.session.commit()

    assert outcome["closed"] == 1
    assert db.session.get(PaymentOrder, order["id"]).status == OrderStatus.closed
    db.session.expire_all()
    assert all(db.session.get(Bill, b.id).order_id is None for b in home.bills)
    assert fake_wechat.pay.orders[order["out_trade_no"]]["trade_state"] == "CLOSED"
    # the bills can be paid again
    assert pay(client, home.headers, [home.bills[0].id]).status_code == 201


def test_a_refund_goes_through_wechat_pay_and_reopens_the_bills(client, db, home, fake_wechat):
    order = _ordered(client, home)
    notify(client, fake_wechat.complete_payment(order["out_trade_no"])["xml"])
    (payment,) = _payments(db)
    admin = StaffFactory()

    refund = refund_payment(admin, payment.id, "重复缴费，原路退回")
    commit()  # the refund job runs after the commit (inline in tests)

    db.session.expire_all()
    assert refund.amount_fen == home.total
    assert refund.approved_by_id == admin.id
    assert refund.state == RefundState.succeeded
    assert db.session.get(Payment, payment.id).status == PaymentStatus.refunded
    assert [bill_status(db, b.id) for b in home.bills] == ["unpaid", "unpaid"]
    assert fake_wechat.pay.refunds[0]["refund_fee"] == home.total
    assert fake_wechat.pay.refunds[0]["out_refund_no"] == refund.out_refund_no


@pytest.mark.realstack
@pytest.mark.skipif(STACK != "real", reason="real concurrency needs PostgreSQL")
def test_concurrent_notifications_for_one_order_credit_once(app, client, db, home, fake_wechat):
    order = _ordered(client, home)
    xml = fake_wechat.complete_payment(order["out_trade_no"])["xml"]
    barrier = threading.Barrier(8)
    answers = []

    def post():
        with app.test_client() as own:
            barrier.wait()
            answers.append(notify(own, xml))

    threads = [threading.Thread(target=post) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert all(a.status_code == 200 and "SUCCESS" in a.text for a in answers)
    assert len(_payments(db)) == 1
    outcomes = [n.outcome for n in _notes(db)]
    assert outcomes.count(NotificationOutcome.credited) == 1
    assert len(outcomes) == 8


def _closed_here(db, order):
    """The order closed on our side (e.g. the sweep closed it) while the payer was paying."""
    from backend.fees.payments import _release

    _release(db.session.get(PaymentOrder, order["id"]))
    db.session.commit()


def test_a_late_payment_for_a_closed_order_credits_bills_still_unpaid(
    client, db, home, fake_wechat
):
    order = _ordered(client, home)
    _closed_here(db, order)
    xml = fake_wechat.complete_payment(order["out_trade_no"])["xml"]

    answer = notify(client, xml)
    assert "<return_code><![CDATA[SUCCESS]]></return_code>" in answer.text
    assert notify(client, xml).status_code == 200  # WeChat repeats: nothing more

    (payment,) = _payments(db)
    assert payment.amount_fen == home.total
    assert [bill_status(db, b.id) for b in home.bills] == ["paid", "paid"]
    assert db.session.get(PaymentOrder, order["id"]).status == OrderStatus.paid
    assert [n.outcome for n in _notes(db)] == [
        NotificationOutcome.credited,
        NotificationOutcome.duplicate,
    ]
    messages = client.get("/api/v1/me/messages", headers=home.headers).json
    assert [m["event"] for m in messages] == ["payment_received"]
    assert fake_wechat.pay.refunds == []


def test_a_late_payment_whose_bills_were_paid_otherwise_is_refunded_and_the_payer_told(
    client, db, home, fake_wechat
):
    from backend.fees.models import PaymentMethod, PaymentStatus, Refund
    from backend.fees.payments import record_offline_payment
    from tests.factories import StaffFactory as _Staff

    order = _ordered(client, home)
    _closed_here(db, order)
    # meanwhile the owner paid one bill at the counter
    desk = _Staff()
    record_offline_payment(desk, [home.bills[0].id], PaymentMethod.cash)
    db.session.commit()
    xml = fake_wechat.complete_payment(order["out_trade_no"])["xml"]

    assert "SUCCESS" in notify(client, xml).text
    assert "SUCCESS" in notify(client, xml).text

    late = db.session.scalars(sa.select(Payment).where(Payment.order_id == order["id"])).one()
    assert (late.amount_fen, late.status) == (home.total, PaymentStatus.refunded)
    assert late.bills == []
    refund = db.session.scalars(sa.select(Refund)).one()
    assert (refund.payment_id, refund.amount_fen, refund.approved_by_id) == (
        late.id,
        home.total,
        None,
    )
    assert fake_wechat.pay.refunds[0]["refund_fee"] == home.total
    # the second bill stays unpaid, the first paid once (at the counter)
    assert [bill_status(db, b.id) for b in home.bills] == ["paid", "unpaid"]
    assert [n.outcome for n in _notes(db)] == [
        NotificationOutcome.late_refund,
        NotificationOutcome.duplicate,
    ]
    messages = client.get("/api/v1/me/messages", headers=home.headers).json
    assert [m["event"] for m in messages] == ["payment_refunded"]
    assert "订单已关闭" in str(messages[0])
