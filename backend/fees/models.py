"""Models of fees: fee items and their prices, bills, payments, receipts and reminders.

Money is integer fen in every column; prices and quantities are exact decimals.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.enums import LabeledEnum
from backend.core.time import UTCDateTime, utcnow
from backend.extensions import db


def _enum(cls, length: int = 20):
    return sa.Enum(cls, native_enum=False, length=length)


class FeeBasis(LabeledEnum):
    """How a fee item's charge is measured."""

    per_area = "per_area", "按面积（元/㎡/月）"  # 元/m²/月, on the unit's registered area
    fixed = "fixed", "按户（元/户/月）"  # 元/户/月
    metered = "metered", "按用量"  # 元/度, 元/吨: consumption from meter readings


class PricingForm(LabeledEnum):
    """定价形式 (物业服务收费管理办法 Art. 6)."""

    government_guided = "government_guided", "政府指导价"  # 政府指导价
    market = "market", "市场调节价"  # 市场调节价


fee_item_buildings = sa.Table(
    "fee_item_buildings",
    db.metadata,
    sa.Column("fee_item_id", sa.ForeignKey("fee_items.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("building_id", sa.ForeignKey("buildings.id"), primary_key=True),
)


class FeeItem(db.Model):
    """A fee item (收费项目) of an estate, e.g. 物业服务费, 水费."""

    __tablename__ = "fee_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(sa.ForeignKey("estates.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    basis: Mapped[FeeBasis] = mapped_column(_enum(FeeBasis))
    pricing_form: Mapped[PricingForm] = mapped_column(_enum(PricingForm, 30))
    #: the document the price rests on (price bureau notice, contract clause, owners' decision)
    basis_document: Mapped[str] = mapped_column(sa.String(200), default="")
    #: unit of consumption for metered items (度, 吨, 立方米)
    meter_unit: Mapped[str] = mapped_column(sa.String(10), default="")
    #: whether a tenant (rather than the owner) pays it; tenants then see its bills
    tenant_pays: Mapped[bool] = mapped_column(default=False)
    #: whether units still held by the developer are billed
    developer_held_included: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    estate = relationship("Estate")
    prices: Mapped[list[FeePrice]] = relationship(
        back_populates="fee_item", order_by="FeePrice.effective_from"
    )
    #: empty: every building of the estate
    buildings = relationship("Building", secondary=fee_item_buildings, order_by="Building.name")

    __table_args__ = (sa.UniqueConstraint("estate_id", "name"),)

    def price_on(self, day: date) -> FeePrice | None:
        """The price in effect on ``day`` (the latest one that started on or before it)."""
        current = None
        for price in self.prices:
            if price.effective_from <= day:
                current = price
        return current


class FeePrice(db.Model):
    """A unit price of a fee item from a date on: earlier bills keep their own price."""

    __tablename__ = "fee_prices"

    id: Mapped[int] = mapped_column(primary_key=True)
    fee_item_id: Mapped[int] = mapped_column(sa.ForeignKey("fee_items.id"), index=True)
    #: yuan, exact, up to four decimals (e.g. 2.3500 元/m²/月, 0.5380 元/度)
    price_yuan: Mapped[Decimal] = mapped_column(sa.Numeric(12, 4))
    effective_from: Mapped[date] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    fee_item: Mapped[FeeItem] = relationship(back_populates="prices")

    __table_args__ = (
        sa.UniqueConstraint("fee_item_id", "effective_from"),
        sa.CheckConstraint("price_yuan >= 0", name="price"),
    )


class MeterReading(db.Model):
    """A meter reading of a unit for a metered fee item and period (抄表)."""

    __tablename__ = "meter_readings"

    id: Mapped[int] = mapped_column(primary_key=True)
    fee_item_id: Mapped[int] = mapped_column(sa.ForeignKey("fee_items.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    period: Mapped[date] = mapped_column()
    previous: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    current: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit = relationship("Unit")

    __table_args__ = (
        sa.UniqueConstraint("fee_item_id", "unit_id", "period"),
        sa.CheckConstraint("current >= previous AND previous >= 0", name="reading"),
    )

    @property
    def consumption(self) -> Decimal:
        return self.current - self.previous


class BillStatus(LabeledEnum):
    unpaid = "unpaid", "未缴"
    paid = "paid", "已缴"
    waived = "waived", "已减免"  # fully waived (减免)


class Bill(db.Model):
    """A bill (账单) of one unit for one fee item and one month."""

    __tablename__ = "bills"

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(sa.ForeignKey("estates.id"))
    building_id: Mapped[int] = mapped_column(sa.ForeignKey("buildings.id"))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    fee_item_id: Mapped[int] = mapped_column(sa.ForeignKey("fee_items.id"))
    #: the month billed, as its first day
    period: Mapped[date] = mapped_column()
    #: m² for per-area items, 1 for fixed ones, consumption for metered ones
    quantity: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    price_yuan: Mapped[Decimal] = mapped_column(sa.Numeric(12, 4))
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    #: the part waived (减免); what is due is ``amount_fen - waived_fen``
    waived_fen: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    status: Mapped[BillStatus] = mapped_column(_enum(BillStatus), default=BillStatus.unpaid)
    #: the online order paying this bill right now: a bill is in one pending order at most
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payment_orders.id"))
    payment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payments.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit = relationship("Unit")
    building = relationship("Building")
    estate = relationship("Estate")
    fee_item: Mapped[FeeItem] = relationship()
    adjustments: Mapped[list[BillAdjustment]] = relationship(
        back_populates="bill", order_by="BillAdjustment.id"
    )

    __table_args__ = (
        # generating a period twice creates nothing
        sa.UniqueConstraint("unit_id", "fee_item_id", "period"),
        sa.Index("ix_bills_estate_period", "estate_id", "period"),
        sa.Index("ix_bills_unit_status", "unit_id", "status"),
        # a unit's bills, newest month first (what a resident pages through)
        sa.Index("ix_bills_unit_period", "unit_id", "period"),
        sa.Index("ix_bills_order", "order_id"),
        sa.Index("ix_bills_payment", "payment_id"),
        sa.CheckConstraint("amount_fen >= 0", name="amount"),
        sa.CheckConstraint("waived_fen >= 0 AND waived_fen <= amount_fen", name="waived"),
    )

    @property
    def due_fen(self) -> int:
        return self.amount_fen - self.waived_fen

    @property
    def period_label(self) -> str:
        return f"{self.period:%Y-%m}"


class BillNotice(db.Model):
    """A resident was told that a period's bills of an estate are out: once per resident and
    period, however many bills, units or generation runs."""

    __tablename__ = "bill_notices"

    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("residents.id"), primary_key=True)
    estate_id: Mapped[int] = mapped_column(sa.ForeignKey("estates.id"), primary_key=True)
    period: Mapped[date] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AdjustmentKind(LabeledEnum):
    waiver = "waiver", "减免"  # 减免
    correction = "correction", "更正"  # 更正


class BillAdjustment(db.Model):
    """A waiver or correction of a bill, with its reason and approver: never a silent edit."""

    __tablename__ = "bill_adjustments"

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(sa.ForeignKey("bills.id"), index=True)
    kind: Mapped[AdjustmentKind] = mapped_column(_enum(AdjustmentKind))
    amount_before: Mapped[int] = mapped_column(sa.BigInteger)
    amount_after: Mapped[int] = mapped_column(sa.BigInteger)
    waived_before: Mapped[int] = mapped_column(sa.BigInteger)
    waived_after: Mapped[int] = mapped_column(sa.BigInteger)
    reason: Mapped[str] = mapped_column(sa.String(200))
    approved_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    bill: Mapped[Bill] = relationship(back_populates="adjustments")
    approved_by = relationship("Staff", foreign_keys=[approved_by_id])
    recorded_by = relationship("Staff", foreign_keys=[recorded_by_id])


class OrderStatus(LabeledEnum):
    pending = "pending", "待支付"
    paid = "paid", "已支付"
    closed = "closed", "已关闭"


order_bills = sa.Table(
    "order_bills",
    db.metadata,
    sa.Column("order_id", sa.ForeignKey("payment_orders.id"), primary_key=True),
    sa.Column("bill_id", sa.ForeignKey("bills.id"), primary_key=True),
)


class PaymentOrder(db.Model):
    """A WeChat Pay order (统一下单) for some unpaid bills of one estate."""

    __tablename__ = "payment_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    out_trade_no: Mapped[str] = mapped_column(sa.String(32), unique=True)
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("residents.id"), index=True)
    estate_id: Mapped[int] = mapped_column(sa.ForeignKey("estates.id"), index=True)
    total_fen: Mapped[int] = mapped_column(sa.BigInteger)
    status: Mapped[OrderStatus] = mapped_column(_enum(OrderStatus), default=OrderStatus.pending)
    prepay_id: Mapped[str] = mapped_column(sa.String(64), default="")
    transaction_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    resident = relationship("Resident")
    estate = relationship("Estate")
    bills: Mapped[list[Bill]] = relationship(secondary=order_bills, order_by="Bill.id")

    __table_args__ = (
        sa.CheckConstraint("total_fen > 0", name="total"),
        sa.Index("ix_payment_orders_status_created", "status", "created_at"),
    )


class PaymentMethod(LabeledEnum):
    wechat = "wechat", "微信支付"
    cash = "cash", "现金"
    transfer = "transfer", "银行转账"
    pos = "pos", "POS 刷卡"


OFFLINE_METHODS = (PaymentMethod.cash, PaymentMethod.transfer, PaymentMethod.pos)


class PaymentStatus(LabeledEnum):
    valid = "valid", "有效"
    refunded = "refunded", "已退款"


payment_bills = sa.Table(
    "payment_bills",
    db.metadata,
    sa.Column("payment_id", sa.ForeignKey("payments.id"), primary_key=True),
    sa.Column("bill_id", sa.ForeignKey("bills.id"), primary_key=True, index=True),
    sa.Column("amount_fen", sa.BigInteger, nullable=False),
)


class Payment(db.Model):
    """Money received for bills, online or at the counter, with its receipt (收据)."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(sa.ForeignKey("estates.id"), index=True)
    method: Mapped[PaymentMethod] = mapped_column(_enum(PaymentMethod))
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    #: one payment per order: a notification can credit an order once only
    order_id: Mapped[int | None] = mapped_column(sa.ForeignKey("payment_orders.id"), unique=True)
    transaction_id: Mapped[str] = mapped_column(sa.String(64), default="")
    resident_id: Mapped[int | None] = mapped_column(sa.ForeignKey("residents.id"), index=True)
    cashier_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"), index=True)
    #: the cashier's name as printed on the receipt
    cashier_name: Mapped[str] = mapped_column(sa.String(60), default="")
    payer_name: Mapped[str] = mapped_column(sa.String(60), default="")
    receipt_no: Mapped[str] = mapped_column(sa.String(32), unique=True)
    status: Mapped[PaymentStatus] = mapped_column(_enum(PaymentStatus), default=PaymentStatus.valid)
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    estate = relationship("Estate")
    cashier = relationship("Staff")
    order = relationship("PaymentOrder")
    bills: Mapped[list[Bill]] = relationship(secondary=payment_bills, order_by="Bill.id")

    __table_args__ = (sa.CheckConstraint("amount_fen > 0", name="amount"),)


class NotificationOutcome(LabeledEnum):
    credited = "credited", "已入账"
    duplicate = "duplicate", "重复通知"
    refused = "refused", "已拒绝"
    #: paid after its order was closed and its bills were settled otherwise: refunded
    late_refund = "late_refund", "迟到付款，原路退回"


class PaymentNotification(db.Model):
    """Every payment notification received from WeChat Pay, accepted or not."""

    __tablename__ = "payment_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    out_trade_no: Mapped[str] = mapped_column(sa.String(64), default="", index=True)
    transaction_id: Mapped[str] = mapped_column(sa.String(64), default="")
    total_fee: Mapped[int | None] = mapped_column(sa.BigInteger)
    outcome: Mapped[NotificationOutcome] = mapped_column(_enum(NotificationOutcome))
    reason: Mapped[str] = mapped_column(sa.String(200), default="")
    #: the body as received (cut at 4,000 characters)
    body: Mapped[str] = mapped_column(sa.Text, default="")
    remote_addr: Mapped[str] = mapped_column(sa.String(45), default="")


class RefundState(LabeledEnum):
    #: recorded; WeChat Pay has not (surely) accepted it yet
    requested = "requested", "待提交"
    #: WeChat Pay accepted it; the money is on its way back
    processing = "processing", "退款中"
    succeeded = "succeeded", "已退款"
    #: WeChat Pay gave a final no (REFUNDCLOSE, CHANGE, or a refusal that no retry changes)
    failed = "failed", "退款失败"


#: states that no later answer of WeChat Pay changes
FINAL_REFUND_STATES = (RefundState.succeeded, RefundState.failed)


class Refund(db.Model):
    """A refund of an online payment through WeChat Pay, with reason and approver.

    The row is committed before WeChat Pay is asked, with the ``out_refund_no`` every try
    reuses (WeChat refunds once per number); its state, and the payment's, follow WeChat
    Pay's answers.
    """

    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: a payment is refunded in full, once
    payment_id: Mapped[int] = mapped_column(sa.ForeignKey("payments.id"), unique=True)
    out_refund_no: Mapped[str] = mapped_column(sa.String(32), unique=True)
    amount_fen: Mapped[int] = mapped_column(sa.BigInteger)
    reason: Mapped[str] = mapped_column(sa.String(200))
    #: none for the automatic refund of a payment that arrived after its order was closed
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    #: WeChat Pay's refund id (微信退款单号), once it accepted the refund
    refund_id: Mapped[str] = mapped_column(sa.String(64), default="")
    state: Mapped[RefundState] = mapped_column(
        _enum(RefundState), default=RefundState.requested, index=True
    )
    #: tries so far (each is claimed and committed before WeChat Pay is called)
    attempts: Mapped[int] = mapped_column(default=0)
    #: when the next try is due (the sweep picks up a try whose job was lost)
    next_try_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: WeChat Pay accepted it, and it ended (succeeded or failed)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    payment: Mapped[Payment] = relationship()
    approved_by = relationship("Staff")


class ReminderChannel(LabeledEnum):
    wechat = "wechat", "微信订阅消息"  # subscribe message
    written = "written", "书面通知书"  # 书面催交通知书, printed and delivered


class Reminder(db.Model):
    """A reminder (催缴) of a unit's arrears: the record is the evidence of written demand."""

    __tablename__ = "reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(sa.ForeignKey("estates.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    channel: Mapped[ReminderChannel] = mapped_column(_enum(ReminderChannel))
    text: Mapped[str] = mapped_column(sa.Text)
    bill_ids: Mapped[list] = mapped_column(sa.JSON)
    total_fen: Mapped[int] = mapped_column(sa.BigInteger)
    #: how many residents the subscribe message went to (0 for a written notice)
    recipients: Mapped[int] = mapped_column(default=0)
    sent_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit = relationship("Unit")
    sent_by = relationship("Staff")
