"""Paying bills: residents' view, WeChat Pay orders and notifications, counter payments,
refunds and receipts.

Crediting is idempotent: an order moves from pending to paid by one conditional UPDATE,
and a payment row is unique per order, so however often and however concurrently WeChat
notifies, an order is credited once.
"""

from __future__ import annotations

import logging
import secrets
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import joinedload, selectinload

from backend.accounts.models import Residency, ResidencyRole, Resident, Staff
from backend.audit import services as audit
from backend.authz import scope
from backend.authz.resident import in_my_units
from backend.core import payment_hook
from backend.core.db import defer, transition
from backend.core.errors import Conflict, Invalid, NotFound, UpstreamError
from backend.core.faults import pause_point
from backend.core.origin import public_url_for
from backend.core.time import SHANGHAI, to_local, utcnow
from backend.extensions import db
from backend.fees import wechat_pay
from backend.fees.models import (
    FINAL_REFUND_STATES,
    OFFLINE_METHODS,
    Bill,
    BillStatus,
    FeeItem,
    NotificationOutcome,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentNotification,
    PaymentOrder,
    PaymentStatus,
    Refund,
    RefundState,
    order_bills,
    payment_bills,
)
from backend.org.models import Unit
from backend.org.services import units_like
from backend.wechat.client import WeChatError

log = logging.getLogger(__name__)


# --- what a resident sees --------------------------------------------------------------------


def _visible_to(resident: Resident):
    """Bills of units where the resident lives now: owners and family always, tenants for
    the fee items a tenant pays. Planned from the resident's units (see
    :func:`backend.authz.resident.in_my_units`)."""
    return in_my_units(Bill.unit_id, resident, tenant_allowed=FeeItem.tenant_pays.is_(True))


def my_bills_query(
    resident: Resident,
    unit_id: int | None = None,
    status: str | None = None,
    period: date | None = None,
) -> sa.Select:
    """The resident's bills, newest month first, filtered by unit, status and period."""
    stmt = (
        sa.select(Bill)
        .join(FeeItem, FeeItem.id == Bill.fee_item_id)
        .where(_visible_to(resident))
        .options(
            joinedload(Bill.fee_item),
            joinedload(Bill.unit).joinedload(Unit.building),
            joinedload(Bill.estate),
        )
        .order_by(Bill.period.desc(), Bill.id.desc())
    )
    if unit_id is not None:
        stmt = stmt.where(Bill.unit_id == unit_id)
    if status:
        stmt = stmt.where(Bill.status == BillStatus(status))
    if period is not None:
        stmt = stmt.where(Bill.period == period)
    return stmt


def my_bill(resident: Resident, bill_id: int) -> Bill:
    """One of the resident's bills; another unit's bill is "not found"."""
    bill = db.session.scalars(my_bills_query(resident).where(Bill.id == bill_id)).first()
    if bill is None:
        raise NotFound("未找到该账单")
    return bill


def prepay(resident: Resident, unit_id: int, fee_item_id: int, months: int) -> list[Bill]:
    """Bills for the coming months of a unit one lives in, to pay ahead (预缴)."""
    from backend.fees.services import prepay_bills

    residency = db.session.scalars(
        sa.select(Residency).where(
            Residency.resident_id == resident.id, Residency.unit_id == unit_id, Residency.is_current
        )
    ).first()
    item = db.session.get(FeeItem, fee_item_id)
    if residency is None or item is None or not item.active:
        raise NotFound("未找到该房屋或收费项目")
    if residency.role == ResidencyRole.tenant and not item.tenant_pays:
        raise NotFound("未找到该房屋或收费项目")
    return prepay_bills(unit_id, item, months)


def my_payments_query(resident: Resident) -> sa.Select:
    """Payments of the resident's orders and of the units they live in, newest first.

    The ids come from two indexed lookups (the resident's own payments; the payments of
    their units' bills) united first, so the planner never walks all payments for an ``OR``.
    """
    mine = sa.union(
        sa.select(Payment.id).where(Payment.resident_id == resident.id),
        sa.select(payment_bills.c.payment_id)
        .join(Bill, Bill.id == payment_bills.c.bill_id)
        .where(in_my_units(Bill.unit_id, resident)),
    )
    return (
        sa.select(Payment)
        .where(Payment.id.in_(mine))
        .options(joinedload(Payment.estate))
        .order_by(Payment.paid_at.desc(), Payment.id.desc())
    )


def my_payment(resident: Resident, payment_id: int) -> Payment:
    payment = db.session.scalars(
        my_payments_query(resident).where(Payment.id == payment_id)
    ).first()
    if payment is None:
        raise NotFound("未找到该缴费记录")
    return payment


# --- WeChat Pay orders ------------------------------------------------------------------------


def _new_trade_no(prefix: str) -> str:
    return f"{prefix}{datetime.now(SHANGHAI):%Y%m%d%H%M%S}{secrets.token_hex(4)}"


def _notify_url() -> str:
    return current_app.config.get("WECHAT_PAY_NOTIFY_URL") or public_url_for(
        "wechat_pay.wechat_notify"
    )


def create_order(resident: Resident, bill_ids: list[int]) -> tuple[PaymentOrder, dict]:
    """An order for the selected unpaid bills, and the ``wx.requestPayment`` parameters.

    A bill already in a pending order is not put in a second one: asking again for the same
    bills returns the same order; any other overlap is refused until that order ends.
    """
    ids = sorted(set(bill_ids))
    if not ids or len(ids) > current_app.config["PAY_MAX_BILLS"]:
        raise Invalid("请选择要缴纳的账单", {"bill_ids": ["账单数量不正确"]})
    bills = list(
        db.session.scalars(
            sa.select(Bill)
            .join(FeeItem, FeeItem.id == Bill.fee_item_id)
            .where(Bill.id.in_(ids), _visible_to(resident))
            .options(joinedload(Bill.fee_item), joinedload(Bill.estate))
        ).unique()
    )
    if len(bills) != len(ids):
        raise NotFound("未找到所选账单")
    if any(b.status != BillStatus.unpaid for b in bills):
        raise Conflict("所选账单中有已缴清或已减免的账单，请刷新后重试")
    if len({b.estate_id for b in bills}) != 1:
        raise Invalid("一次只能缴纳同一小区的账单")
    locked = {b.order_id for b in bills if b.order_id is not None}
    if locked:
        order = db.session.get(PaymentOrder, locked.pop()) if len(locked) == 1 else None
        if (
            order is not None
            and order.status == OrderStatus.pending
            and order.resident_id == resident.id
            and sorted(b.id for b in order.bills) == ids
        ):
            return order, wechat_pay.request_payment_params(order.prepay_id)
        raise Conflict("所选账单中有正在支付的账单，请完成支付或稍后再试")
    total = sum(b.due_fen for b in bills)
    if total <= 0:
        raise Invalid("所选账单无需缴费")
    now = utcnow()
    order = PaymentOrder(
        out_trade_no=_new_trade_no("LL"),
        resident_id=resident.id,
        estate_id=bills[0].estate_id,
        total_fen=total,
        expires_at=now + current_app.config["WECHAT_PAY_ORDER_TTL"],
    )
    db.session.add(order)
    db.session.flush()
    # the conditional lock: a bill taken by another order a moment ago makes this one fail
    taken = _lock_bills(ids, order.id)
    if taken != len(ids):
        raise Conflict("所选账单中有正在支付的账单，请稍后再试")
    db.session.execute(order_bills.insert(), [{"order_id": order.id, "bill_id": i} for i in ids])
    estate_name = bills[0].estate.name
    body = (
        f"{estate_name}-物业缴费" if len(bills) > 1 else f"{estate_name}-{bills[0].fee_item.name}"
    )
    try:
        order.prepay_id = wechat_pay.unified_order(
            order.out_trade_no,
            total,
            body,
            resident.openid,
            _notify_url(),
            request.remote_addr or "127.0.0.1",
            order.expires_at,
        )
    except WeChatError as exc:
        log.warning("unified order %s refused: %s", order.out_trade_no, exc)
        raise UpstreamError("微信支付下单失败，请稍后再试") from exc
    return order, wechat_pay.request_payment_params(order.prepay_id)


def _receipt_no(payment: Payment) -> str:
    return f"{to_local(payment.paid_at):%Y%m%d}{payment.id:08d}"


def _add_payment(payment: Payment, bill_ids: list[int], amounts: dict[int, int]) -> Payment:
    payment.receipt_no = "pending-" + secrets.token_hex(8)
    db.session.add(payment)
    db.session.flush()
    payment.receipt_no = _receipt_no(payment)
    if bill_ids:
        db.session.execute(
            payment_bills.insert(),
            [{"payment_id": payment.id, "bill_id": i, "amount_fen": amounts[i]} for i in bill_ids],
        )
    return payment


def _wechat_payment(
    order: PaymentOrder, transaction_id: str, now: datetime, amounts: dict[int, int], note=""
) -> Payment:
    """The payment of a paid order: its whole amount, for the bills in ``amounts``."""
    return _add_payment(
        Payment(
            estate_id=order.estate_id,
            method=PaymentMethod.wechat,
            amount_fen=order.total_fen,
            order_id=order.id,
            transaction_id=transaction_id,
            resident_id=order.resident_id,
            note=note,
            paid_at=now,
        ),
        sorted(amounts),
        amounts,
    )


def credit_order(order: PaymentOrder, transaction_id: str) -> bool:
    """Credit a pending order's bills once. ``False`` if it was credited (or ended) before."""
    now = utcnow()
    if not transition(
        PaymentOrder,
        order.id,
        PaymentOrder.status,
        OrderStatus.pending,
        status=OrderStatus.paid,
        transaction_id=transaction_id or None,
        paid_at=now,
    ):
        return False
    _credit_bills(order, transaction_id, now)
    return True


def _credit_bills(order: PaymentOrder, transaction_id: str, now: datetime) -> Payment:
    """The payment of an order just marked paid: its bills paid, its payer told."""
    rows = db.session.execute(
        sa.select(Bill.id, Bill.amount_fen - Bill.waived_fen)
        .join(order_bills, order_bills.c.bill_id == Bill.id)
        .where(order_bills.c.order_id == order.id)
    ).all()
    payment = _wechat_payment(order, transaction_id, now, dict(rows))
    db.session.execute(
        sa.update(Bill)
        .where(Bill.order_id == order.id)
        .values(status=BillStatus.paid, payment_id=payment.id, paid_at=now, order_id=None)
        .execution_options(synchronize_session=False)
    )
    _tell_payer(order, payment)
    # another feature may follow (请家人帮忙: the asker is told), in this transaction
    payment_hook.bills_paid(sorted(bill_id for bill_id, _ in rows), order.resident_id)
    log.info("order %s credited as payment %s", order.out_trade_no, payment.id)
    return payment


def _tell_payer(order: PaymentOrder, payment: Payment) -> None:
    """The resident who paid gets a "payment received" message (message center; WeChat
    too if they subscribed)."""
    from backend.notify.services import notify_resident
    from backend.org.models import Building, Estate

    estate, building, number = db.session.execute(
        sa.select(Estate.name, Building.name, Unit.number)
        .join(Bill, Bill.estate_id == Estate.id)
        .join(Unit, Unit.id == Bill.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .where(Bill.payment_id == payment.id)
        .order_by(Bill.id)
        .limit(1)
    ).one()
    notify_resident(
        order.resident_id,
        "payment_received",
        estate_id=order.estate_id,
        payment_id=payment.id,
        unit_label=f"{estate}{building}{number}",
        amount_fen=payment.amount_fen,
        receipt_no=payment.receipt_no,
        at=payment.paid_at,
    )


def _lock_bills(ids: list[int], order_id: int) -> int:
    """Put the unpaid bills ``ids`` that are in no order into ``order_id`` (one conditional
    UPDATE: a bill another order took a moment ago is not taken); how many were taken."""
    return db.session.execute(
        sa.update(Bill)
        .where(Bill.id.in_(ids), Bill.status == BillStatus.unpaid, Bill.order_id.is_(None))
        .values(order_id=order_id)
        .execution_options(synchronize_session=False)
    ).rowcount


def _free_bills(order_id: int) -> None:
    """Take the bills of an order that ended unpaid out of it, for another payment."""
    db.session.execute(
        sa.update(Bill)
        .where(Bill.order_id == order_id)
        .values(order_id=None)
        .execution_options(synchronize_session=False)
    )


def _release(order: PaymentOrder) -> None:
    """Close a pending order and free its bills for another payment."""
    if transition(
        PaymentOrder,
        order.id,
        PaymentOrder.status,
        OrderStatus.pending,
        status=OrderStatus.closed,
        closed_at=utcnow(),
    ):
        _free_bills(order.id)


def handle_notification(body: bytes, remote_addr: str = "") -> tuple[bool, str]:
    """Check and apply one payment notification; every one is recorded.

    Returns ``(ok, message)`` for WeChat's XML answer: ``ok`` once the notification is
    verified and applied (or was applied before), else ``False`` with the reason.
    """
    note = PaymentNotification(
        body=body[:4000].decode("utf-8", "replace"), remote_addr=remote_addr[:45]
    )
    # added once decided (a flush before would store a notification without an outcome)
    ok, message = _apply_notification(note, body)
    if note.reason in UNVERIFIED:
        # anyone can post junk here: it is counted, and only a bounded sample is kept
        _count_unverified()
        if not _sample_has_room():
            return ok, message
        note.body = note.body[:UNVERIFIED_BODY_CHARS]
    db.session.add(note)
    return ok, message


#: reasons of refusal before the body was shown to come from WeChat Pay (its signature)
UNVERIFIED = frozenset({"XML 格式错误", "通信失败（return_code）", "签名错误"})
#: of unverified bodies, at most this many are kept per hour, each cut at this length
UNVERIFIED_SAMPLE_PER_HOUR = 50
UNVERIFIED_BODY_CHARS = 1000
UNVERIFIED_COUNTER = "payments:notify:unverified"


def _count_unverified() -> None:
    from backend.extensions import redis_store

    try:
        redis_store.client.incr(UNVERIFIED_COUNTER)
    except Exception:  # the count is a gauge; a Redis outage must not fail the answer
        log.warning("could not count an unverified payment notification")


def unverified_count() -> int:
    """How many notifications failed verification (since Redis was last emptied)."""
    from backend.extensions import redis_store

    return int(redis_store.client.get(UNVERIFIED_COUNTER) or 0)


def _sample_has_room() -> bool:
    kept = db.session.scalar(
        sa.select(sa.func.count(PaymentNotification.id)).where(
            PaymentNotification.outcome == NotificationOutcome.refused,
            PaymentNotification.reason.in_(UNVERIFIED),
            PaymentNotification.received_at > utcnow() - timedelta(hours=1),
        )
    )
    return kept < UNVERIFIED_SAMPLE_PER_HOUR


def _apply_notification(note: PaymentNotification, body: bytes) -> tuple[bool, str]:
    def refuse(reason: str) -> tuple[bool, str]:
        note.outcome = NotificationOutcome.refused
        note.reason = reason
        log.warning("payment notification %s refused: %s", note.out_trade_no or "-", reason)
        return False, reason

    try:
        data = wechat_pay.parse_notification(body)
    except wechat_pay.BadNotification:
        return refuse("XML 格式错误")
    note.out_trade_no = data.get("out_trade_no", "")[:64]
    note.transaction_id = data.get("transaction_id", "")[:64]
    if data.get("total_fee", "").isdigit() and len(data["total_fee"]) < 15:
        note.total_fee = int(data["total_fee"])
    if data.get("return_code") != "SUCCESS":
        return refuse("通信失败（return_code）")
    if not wechat_pay.signature_valid(data):
        return refuse("签名错误")
    cfg = current_app.config
    if data.get("appid") != cfg["WECHAT_APPID"]:
        return refuse("appid 不符")
    if data.get("mch_id") != cfg["WECHAT_PAY_MCH_ID"]:
        return refuse("商户号不符")
    if data.get("result_code") != "SUCCESS":
        return refuse("支付未成功（result_code）")
    order = db.session.scalars(
        sa.select(PaymentOrder).where(PaymentOrder.out_trade_no == note.out_trade_no)
    ).first()
    if order is None:
        return refuse("订单不存在")
    if note.total_fee != order.total_fen:
        return refuse("金额与订单不符")
    if not note.transaction_id:
        return refuse("缺少微信支付单号")
    if credit_order(order, note.transaction_id):
        pause_point("payment_credited")  # fault tests: killed before the commit
        note.outcome = NotificationOutcome.credited
        return True, "OK"
    db.session.refresh(order)
    if order.status == OrderStatus.paid and order.transaction_id == note.transaction_id:
        note.outcome = NotificationOutcome.duplicate
        return True, "OK"
    if order.status == OrderStatus.closed:
        # the resident's money arrived after we closed the order (WeChat only closes an
        # unpaid order, so the payer was mid-payment): credit or refund it, never keep it
        note.outcome = settle_late_payment(order, note.transaction_id)
        return True, "OK"
    return refuse(f"订单状态为{order.status.label}，未入账")


def settle_late_payment(order: PaymentOrder, transaction_id: str) -> NotificationOutcome:
    """A payment for an order that was closed: credit its bills if every one is still unpaid
    and free, else record the money and refund it in full through WeChat Pay (by a job) and
    tell the payer. Either way the order ends paid, once (conditional update)."""
    now = utcnow()
    ids = list(
        db.session.scalars(
            sa.select(order_bills.c.bill_id).where(order_bills.c.order_id == order.id)
        )
    )
    taken = _lock_bills(ids, order.id)
    credit = (
        taken == len(ids)
        and sum(
            db.session.scalars(sa.select(Bill.amount_fen - Bill.waived_fen).where(Bill.id.in_(ids)))
        )
        == order.total_fen
    )
    if not credit:
        _free_bills(order.id)
    if not transition(
        PaymentOrder,
        order.id,
        PaymentOrder.status,
        OrderStatus.closed,
        status=OrderStatus.paid,
        transaction_id=transaction_id,
        paid_at=now,
    ):
        return NotificationOutcome.duplicate  # another copy of this notification won
    if credit:
        _credit_bills(order, transaction_id, now)
        log.info("late payment of closed order %s credited", order.out_trade_no)
        return NotificationOutcome.credited
    payment = _wechat_payment(order, transaction_id, now, {}, note=LATE_REFUND_REASON)
    request_refund(payment, LATE_REFUND_REASON, approved_by_id=None)
    log.warning("late payment of closed order %s: bills settled otherwise, refunding", order.id)
    return NotificationOutcome.late_refund


#: why a late payment is refunded (on the refund record, the payment and the message)
LATE_REFUND_REASON = "订单关闭后到账，账单已另行结清，原路退回"
#: what the payer's message says about a late payment's refund
LATE_REFUND_MESSAGE = "订单已关闭，账单已另行结清"


def settle_lost_orders(older_than: timedelta = timedelta(minutes=2)) -> dict[str, int]:
    """Ask WeChat Pay about pending orders whose notification has not come: credit the paid
    ones, close the expired unpaid ones. Safe to run twice."""
    now = utcnow()
    orders = db.session.scalars(
        sa.select(PaymentOrder)
        .where(
            PaymentOrder.status == OrderStatus.pending,
            PaymentOrder.created_at < now - older_than,
        )
        .order_by(PaymentOrder.id)
        .limit(500)
    ).all()
    outcome = {"credited": 0, "closed": 0, "waiting": 0, "failed": 0}
    for order in orders:
        try:
            result = wechat_pay.query_order(order.out_trade_no)
        except WeChatError as exc:
            if exc.errcode == "ORDERNOTEXIST" and order.expires_at < now:
                _release(order)
                outcome["closed"] += 1
            else:
                log.warning("order query %s failed: %s", order.out_trade_no, exc)
                outcome["failed"] += 1
            continue
        state = result.get("trade_state")
        if state == "SUCCESS" and int(result.get("total_fee", -1)) == order.total_fen:
            credit_order(order, result.get("transaction_id", ""))
            outcome["credited"] += 1
        elif state in {"CLOSED", "REVOKED", "PAYERROR"}:
            _release(order)
            outcome["closed"] += 1
        elif state == "NOTPAY" and order.expires_at < now:
            try:
                wechat_pay.close_order(order.out_trade_no)
            except WeChatError as exc:
                log.warning("closing order %s failed: %s", order.out_trade_no, exc)
                outcome["failed"] += 1
                continue
            _release(order)
            outcome["closed"] += 1
        else:
            outcome["waiting"] += 1
    return outcome


# --- staff: counter payments, refunds, reports ---------------------------------------------


def record_offline_payment(
    staff: Staff,
    bill_ids: list[int],
    method: PaymentMethod,
    payer_name: str = "",
    note: str = "",
) -> Payment:
    """Record money received at the counter (cash, transfer, POS) for unpaid bills."""
    scope.require(staff, "fees.collect")
    if method not in OFFLINE_METHODS:
        raise Invalid("请选择收款方式", {"method": ["收款方式无效"]})
    ids = sorted(set(bill_ids))
    if not ids:
        raise Invalid("请选择要收款的账单", {"bill_ids": ["请选择账单"]})
    bills = list(
        db.session.scalars(
            scope.scoped(sa.select(Bill).where(Bill.id.in_(ids)), staff, Bill.estate_id)
        )
    )
    if len(bills) != len(ids):
        raise NotFound("未找到所选账单，或不在您的管辖范围内")
    if len({b.estate_id for b in bills}) != 1:
        raise Invalid("一次只能收取同一小区的账单")
    if any(b.status != BillStatus.unpaid for b in bills):
        raise Conflict("所选账单中有已缴清或已减免的账单")
    if any(b.order_id is not None for b in bills):
        raise Conflict("所选账单中有正在线上支付的账单，请稍后再试")
    amounts = {b.id: b.due_fen for b in bills}
    now = utcnow()
    payment = _add_payment(
        Payment(
            estate_id=bills[0].estate_id,
            method=method,
            amount_fen=sum(amounts.values()),
            cashier_id=staff.id,
            cashier_name=staff.name,
            payer_name=(payer_name or "").strip()[:60],
            note=(note or "").strip()[:200],
            paid_at=now,
        ),
        ids,
        amounts,
    )
    taken = db.session.execute(
        sa.update(Bill)
        .where(Bill.id.in_(ids), Bill.status == BillStatus.unpaid, Bill.order_id.is_(None))
        .values(status=BillStatus.paid, payment_id=payment.id, paid_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != len(ids):
        raise Conflict("所选账单刚刚被缴纳或进入支付，请刷新后重试")
    audit.record(
        staff,
        "payment.offline",
        "payment",
        payment.id,
        after={
            "receipt_no": payment.receipt_no,
            "method": method.value,
            "amount_fen": payment.amount_fen,
            "bill_ids": ids,
        },
        estate_id=payment.estate_id,
    )
    return payment


#: how the payment list sorts (``admin.page.ListSpec``), by ``?sort=``
PAYMENT_SORTS = {
    "paid": Payment.paid_at,
    "amount": Payment.amount_fen,
    "receipt": Payment.receipt_no,
    "method": Payment.method,
}


def _day_start(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), SHANGHAI)


def payments_query(
    staff: Staff,
    *,
    estate_id: int | None = None,
    unit: str = "",
    payer: str = "",
    method: PaymentMethod | None = None,
    status: PaymentStatus | None = None,
    day_from: date | None = None,
    day_to: date | None = None,
) -> sa.Select:
    """Payments in ``staff``'s scope, newest first, with the list's filters: a unit as the
    tables write it ("1幢 201", of any of the bills paid), the payer's or cashier's name, the
    method, the status and the days (Beijing time) of payment."""
    stmt = sa.select(Payment).options(joinedload(Payment.estate))
    stmt = stmt.order_by(Payment.paid_at.desc(), Payment.id.desc())
    if estate_id:
        stmt = stmt.where(Payment.estate_id == estate_id)
    units = units_like(unit)
    if units is not None:
        paid = sa.select(payment_bills.c.payment_id).join(Bill, Bill.id == payment_bills.c.bill_id)
        stmt = stmt.where(Payment.id.in_(paid.where(Bill.unit_id.in_(units))))
    if payer:
        stmt = stmt.where(
            sa.or_(
                Payment.payer_name.contains(payer, autoescape=True),
                Payment.cashier_name.contains(payer, autoescape=True),
            )
        )
    if method:
        stmt = stmt.where(Payment.method == method)
    if status:
        stmt = stmt.where(Payment.status == status)
    if day_from:
        stmt = stmt.where(Payment.paid_at >= _day_start(day_from))
    if day_to:
        stmt = stmt.where(Payment.paid_at < _day_start(day_to + timedelta(days=1)))
    return scope.scoped(stmt, staff, Payment.estate_id)


def get_payment(staff: Staff, payment_id: int) -> Payment:
    return scope.get_scoped(Payment, payment_id, staff)


# --- refunds: recorded first, then asked of WeChat Pay by a job, following its answers -----

#: WeChat Pay's refusals of a refund that no retry changes (others, and network errors, are
#: retried with the same out_refund_no: SYSTEMERROR, NOTENOUGH, FREQUENCY_LIMITED, …)
FINAL_REFUND_REFUSALS = frozenset(
    {
        "TRADE_OVERDUE",
        "USER_ACCOUNT_ABNORMAL",
        "INVALID_TRANSACTIONID",
        "INVALID_REQUEST",
        "ORDERNOTEXIST",
        "PARAM_ERROR",
        "ERROR",
    }
)


def request_refund(payment: Payment, reason: str, approved_by_id: int | None) -> Refund:
    """Record a full refund of an online payment and have a job ask WeChat Pay for it after
    the commit. The payment stays valid until WeChat Pay says the money went back; a second
    refund of one payment is refused by the database (one refund per payment)."""
    refund = Refund(
        payment_id=payment.id,
        out_refund_no=_new_trade_no("RF"),
        amount_fen=payment.amount_fen,
        reason=reason,
        approved_by_id=approved_by_id,
        state=RefundState.requested,
        next_try_at=utcnow(),
    )
    db.session.add(refund)
    db.session.flush()
    from backend.fees.jobs import refund_job

    defer(refund_job, refund.id, key=f"refund:{refund.id}:try:0")
    return refund


def claim_refund_try(refund_id: int) -> Refund | None:
    """Claim the next try of a refund that is not final, or ``None``.

    One conditional UPDATE of the try count, so two workers never ask at once; the claim
    sets when the next try is due (backoff, ``REFUND_RETRY_DELAYS``), so a try whose process
    died is picked up by :func:`resume_refunds` then. Commit before calling WeChat Pay.
    """
    refund = db.session.get(Refund, refund_id)
    if refund is None or refund.state in FINAL_REFUND_STATES:
        return None
    delays = current_app.config["REFUND_RETRY_DELAYS"] or (60,)
    delay = delays[min(refund.attempts, len(delays) - 1)]
    if not transition(
        Refund,
        refund.id,
        Refund.attempts,
        refund.attempts,
        attempts=refund.attempts + 1,
        next_try_at=utcnow() + timedelta(seconds=delay),
    ):
        return None
    return refund


def try_refund(refund: Refund) -> RefundState:
    """One claimed try: ask WeChat Pay to refund (with the refund's own ``out_refund_no``),
    then query the refund and follow the answer.

    A try after an earlier one first queries: if the earlier try reached WeChat Pay and
    only its answer was lost, the query finds the refund, and nothing is asked twice.
    """
    try:
        status = refund_id = None
        if refund.state == RefundState.requested and refund.attempts > 1:
            status, refund_id = _refund_status_or_none(refund)
        if refund.state == RefundState.requested and status is None:
            payment = refund.payment
            result = wechat_pay.refund(
                payment.order.out_trade_no,
                refund.out_refund_no,
                payment.order.total_fen,
                refund.amount_fen,
                refund.reason,
            )
            _accepted(refund, str(result.get("refund_id", "")))
        if status is None:
            status, refund_id = wechat_pay.refund_status(refund.out_refund_no)
    except WeChatError as exc:
        refund.last_error = str(exc)[:200]
        if exc.errcode in FINAL_REFUND_REFUSALS:
            _refund_ended(refund, RefundState.failed)
        log.warning("refund %s try %s: %s", refund.out_refund_no, refund.attempts, exc)
        return refund.state
    _follow_refund_status(refund, status, refund_id or "")
    return refund.state


def _refund_status_or_none(refund: Refund) -> tuple[str | None, str | None]:
    try:
        return wechat_pay.refund_status(refund.out_refund_no)
    except WeChatError as exc:
        if exc.errcode == "REFUNDNOTEXIST":
            return None, None
        raise


def _accepted(refund: Refund, refund_id: str) -> None:
    if refund_id:
        refund.refund_id = refund_id[:64]
    if refund.state == RefundState.requested:
        refund.state = RefundState.processing
        refund.accepted_at = utcnow()


def _follow_refund_status(refund: Refund, status: str, refund_id: str) -> None:
    """The refund (and its payment) as WeChat Pay's refund query says."""
    _accepted(refund, refund_id)
    if status == "SUCCESS":
        _refund_ended(refund, RefundState.succeeded)
    elif status in {"REFUNDCLOSE", "CHANGE"}:
        refund.last_error = f"微信支付退款状态 {status}"
        _refund_ended(refund, RefundState.failed)
    else:
        refund.last_error = "" if status == "PROCESSING" else f"微信支付退款状态 {status}"


def _refund_ended(refund: Refund, state: RefundState) -> None:
    """A final answer: a succeeded refund makes its payment refunded (its bills unpaid
    again) and tells the payer; a failed one leaves the payment as it was."""
    if not transition(
        Refund,
        refund.id,
        Refund.state,
        refund.state,
        state=state,
        finished_at=utcnow(),
        next_try_at=None,
    ):
        return
    if state != RefundState.succeeded:
        log.error("refund %s failed: %s", refund.out_refund_no, refund.last_error)
        return
    payment = refund.payment
    if not transition(
        Payment, payment.id, Payment.status, PaymentStatus.valid, status=PaymentStatus.refunded
    ):
        return
    db.session.execute(
        sa.update(Bill)
        .where(Bill.payment_id == payment.id)
        .values(status=BillStatus.unpaid, payment_id=None, paid_at=None)
        .execution_options(synchronize_session=False)
    )
    from backend.notify.services import notify_resident

    notify_resident(
        payment.resident_id,
        "payment_refunded",
        estate_id=payment.estate_id,
        payment_id=payment.id,
        amount_fen=refund.amount_fen,
        reason=LATE_REFUND_MESSAGE if refund.approved_by_id is None else refund.reason,
        at=utcnow(),
    )
    log.info("refund %s of payment %s succeeded", refund.out_refund_no, payment.id)


def refund_of(payment: Payment) -> Refund | None:
    """The refund of a payment, if one was asked for."""
    return db.session.scalars(sa.select(Refund).where(Refund.payment_id == payment.id)).first()


def due_refunds(limit: int = 200) -> list[int]:
    """Refunds not final whose next try is due (their job was lost, or is waiting)."""
    return list(
        db.session.scalars(
            sa.select(Refund.id)
            .where(
                Refund.state.in_([RefundState.requested, RefundState.processing]),
                sa.or_(Refund.next_try_at.is_(None), Refund.next_try_at <= utcnow()),
            )
            .order_by(Refund.id)
            .limit(limit)
        )
    )


def refund_payment(staff: Staff, payment_id: int, reason: str) -> Refund:
    """Refund an online payment in full through WeChat Pay: recorded now, asked of WeChat Pay
    after the commit; the payment is refunded and its bills unpaid again once WeChat Pay
    says the money went back."""
    scope.require(staff, "fees.refund")
    payment = get_payment(staff, payment_id)
    reason = (reason or "").strip()
    if not 2 <= len(reason) <= 200:
        raise Invalid("请填写退款原因", {"reason": ["请填写退款原因"]})
    if payment.method != PaymentMethod.wechat or payment.order is None:
        raise Invalid("只有微信支付的款项可以原路退回")
    if (
        payment.status != PaymentStatus.valid
        or db.session.scalars(sa.select(Refund.id).where(Refund.payment_id == payment.id)).first()
    ):
        raise Conflict("该笔款项已申请退款")
    refund = request_refund(payment, reason, approved_by_id=staff.id)
    audit.record(
        staff,
        "payment.refund",
        "payment",
        payment.id,
        before={"status": "valid"},
        after={
            "refund": refund.out_refund_no,
            "state": refund.state.value,
            "reason": reason,
            "amount_fen": payment.amount_fen,
        },
        estate_id=payment.estate_id,
    )
    return refund


def cash_report(staff: Staff, day: date, cashier_id: int | None = None) -> dict:
    """The day-end report (日结): counter payments of ``day`` per cashier and method."""
    start = datetime.combine(day, datetime.min.time(), SHANGHAI)
    stmt = payments_query(staff).where(
        Payment.method.in_(OFFLINE_METHODS),
        Payment.paid_at >= start,
        Payment.paid_at < start + timedelta(days=1),
    )
    if cashier_id is not None:
        stmt = stmt.where(Payment.cashier_id == cashier_id)
    payments = list(db.session.scalars(stmt.options(joinedload(Payment.estate))))
    cashiers: dict[str, dict] = {}
    for p in payments:
        row = cashiers.setdefault(
            p.cashier_name or "—", {"count": 0, "total_fen": 0, "by_method": {}, "refunded": 0}
        )
        if p.status == PaymentStatus.valid:
            row["count"] += 1
            row["total_fen"] += p.amount_fen
            row["by_method"][p.method.label] = (
                row["by_method"].get(p.method.label, 0) + p.amount_fen
            )
        else:
            row["refunded"] += 1
    return {
        "day": day,
        "payments": payments,
        "cashiers": cashiers,
        "total_fen": sum(r["total_fen"] for r in cashiers.values()),
    }


# --- receipts ----------------------------------------------------------------------------------


def _receipt_signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="linli-receipt")


def receipt_code(payment: Payment) -> str:
    """The code in a receipt's QR: the payment id, signed (a changed code verifies nothing)."""
    return _receipt_signer().dumps(payment.id)


def payment_for_code(code: str) -> Payment | None:
    """The payment a receipt code names, or ``None`` for an unknown or tampered code."""
    try:
        payment_id = _receipt_signer().loads(code)
    except BadSignature:
        return None
    if not isinstance(payment_id, int) or isinstance(payment_id, bool):
        return None
    return db.session.scalars(
        sa.select(Payment)
        .where(Payment.id == payment_id)
        .options(
            joinedload(Payment.estate),
            selectinload(Payment.bills).joinedload(Bill.unit).joinedload(Unit.building),
        )
    ).first()


def receipt_url(payment: Payment) -> str:
    return public_url_for("receipts.verify", code=receipt_code(payment))


def receipt_qr_png(payment: Payment) -> bytes:
    import io

    import qrcode

    image = qrcode.make(receipt_url(payment), box_size=6, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def masked_unit(unit: Unit) -> str:
    """A unit as a stranger who scans a receipt may see it: ``1幢 **01``."""
    number = unit.number or ""
    shown = number[-2:] if len(number) > 2 else ""
    return f"{unit.building.name} {'*' * max(len(number) - len(shown), 2)}{shown}"


def receipt_units(payment: Payment) -> list[Unit]:
    seen: dict[int, Unit] = {}
    for bill in payment.bills:
        seen.setdefault(bill.unit_id, bill.unit)
    return list(seen.values())
