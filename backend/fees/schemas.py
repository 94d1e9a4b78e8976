"""Schemas of the resident API's fees endpoints. Amounts are integer fen."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from backend.accounts.schemas import LocalDateTime
from backend.core.api import MAX_ID, Schema
from backend.fees.models import BillStatus

_STATUSES = [s.value for s in BillStatus]


class BillQuerySchema(Schema):
    unit_id = ma.fields.Integer(validate=validate.Range(min=1, max=MAX_ID), load_default=None)
    status = ma.fields.String(
        validate=validate.OneOf(_STATUSES, error="状态只能是未缴、已缴或已减免"),
        load_default=None,
    )
    period = ma.fields.String(
        validate=validate.Regexp(r"^\d{4}-\d{2}$", error="账期格式应为 YYYY-MM"),
        load_default=None,
        metadata={"description": "账期，YYYY-MM"},
    )


class BillSchema(Schema):
    id = ma.fields.Integer()
    unit_id = ma.fields.Integer()
    unit = ma.fields.Function(lambda b: b.unit.label)
    estate = ma.fields.String(attribute="estate.name")
    fee_item = ma.fields.String(attribute="fee_item.name")
    basis = ma.fields.String(attribute="fee_item.basis.value")
    basis_label = ma.fields.String(attribute="fee_item.basis.label")
    period = ma.fields.String(attribute="period_label", metadata={"description": "YYYY-MM"})
    quantity = ma.fields.Decimal(as_string=True, metadata={"description": "面积、户数或用量"})
    price_yuan = ma.fields.Decimal(as_string=True, metadata={"description": "单价，元"})
    amount_fen = ma.fields.Integer()
    waived_fen = ma.fields.Integer()
    due_fen = ma.fields.Integer(metadata={"description": "应缴 = 金额 − 减免，分"})
    status = ma.fields.String(attribute="status.value")
    status_label = ma.fields.String(attribute="status.label")
    in_payment = ma.fields.Function(
        lambda b: b.order_id is not None, metadata={"description": "是否正在支付中"}
    )
    payment_id = ma.fields.Integer(allow_none=True)
    paid_at = LocalDateTime(allow_none=True)


class AdjustmentSchema(Schema):
    kind = ma.fields.String(attribute="kind.value")
    kind_label = ma.fields.String(attribute="kind.label")
    amount_before = ma.fields.Integer()
    amount_after = ma.fields.Integer()
    waived_before = ma.fields.Integer()
    waived_after = ma.fields.Integer()
    reason = ma.fields.String()
    created_at = LocalDateTime()


class BillDetailSchema(BillSchema):
    pricing_form = ma.fields.String(attribute="fee_item.pricing_form.label")
    basis_document = ma.fields.String(attribute="fee_item.basis_document")
    adjustments = ma.fields.List(ma.fields.Nested(AdjustmentSchema))


class PayBillsSchema(Schema):
    bill_ids = ma.fields.List(
        ma.fields.Integer(validate=validate.Range(min=1, max=MAX_ID)),
        required=True,
        validate=validate.Length(min=1, max=60, error="请选择 1–60 张账单"),
    )


class PrepaySchema(Schema):
    unit_id = ma.fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    fee_item_id = ma.fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_ID))
    months = ma.fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=24, error="预缴月数为 1–24 个月"),
        metadata={"description": "预缴的月数（自下一个未出账的月份起）"},
    )


class PayParamsSchema(Schema):
    timeStamp = ma.fields.String()
    nonceStr = ma.fields.String()
    package = ma.fields.String()
    signType = ma.fields.String()
    paySign = ma.fields.String()


class OrderSchema(Schema):
    id = ma.fields.Integer()
    out_trade_no = ma.fields.String()
    total_fen = ma.fields.Integer()
    status = ma.fields.String(attribute="status.value")
    expires_at = LocalDateTime()
    bill_ids = ma.fields.List(ma.fields.Integer())
    pay_params = ma.fields.Nested(
        PayParamsSchema, metadata={"description": "原样传给 wx.requestPayment"}
    )


class PaymentSchema(Schema):
    id = ma.fields.Integer()
    receipt_no = ma.fields.String()
    estate = ma.fields.String(attribute="estate.name")
    method = ma.fields.String(attribute="method.value")
    method_label = ma.fields.String(attribute="method.label")
    amount_fen = ma.fields.Integer()
    status = ma.fields.String(attribute="status.value")
    status_label = ma.fields.String(attribute="status.label")
    paid_at = LocalDateTime()


class ReceiptSchema(PaymentSchema):
    cashier_name = ma.fields.String()
    bills = ma.fields.List(ma.fields.Nested(BillSchema))
    verify_url = ma.fields.String(metadata={"description": "二维码指向的公开验证页"})
    qr_url = ma.fields.String(metadata={"description": "收据二维码图片（PNG）"})
