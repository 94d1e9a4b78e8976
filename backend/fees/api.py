"""Resident API of fees: my bills, paying them with WeChat Pay, my payments and receipts
(thin views). WeChat Pay's notification endpoint is in ``backend.fees.public``."""

from __future__ import annotations

from backend.authz.resident import BEARER, current_resident, resident_rate_key, resident_required
from backend.core.api import Blueprint, SelectPage
from backend.extensions import limiter
from backend.fees import payments
from backend.fees.schemas import (
    BillDetailSchema,
    BillQuerySchema,
    BillSchema,
    OrderSchema,
    PayBillsSchema,
    PaymentSchema,
    PrepaySchema,
    ReceiptSchema,
)
from backend.fees.services import parse_period

blp = Blueprint("fees", __name__, tag="物业缴费", description="物业费：账单、缴费与收据")


@blp.get("/me/bills")
@blp.doc(security=BEARER)
@resident_required
@blp.arguments(BillQuerySchema, location="query")
@blp.response(200, BillSchema(many=True))
@blp.paginate(SelectPage, page_size=20, max_page_size=100)
@blp.errors(401)
def my_bills(args):
    """我的账单（按房屋、状态、账期筛选；分页）"""
    period = parse_period(args["period"]) if args["period"] else None
    return payments.my_bills_query(current_resident(), args["unit_id"], args["status"], period)


@blp.get("/me/bills/<int:bill_id>")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, BillDetailSchema)
@blp.errors(401, 404)
def my_bill(bill_id):
    """账单详情（他人房屋的账单一律 404）"""
    return payments.my_bill(current_resident(), bill_id)


@blp.post("/me/bills/prepay")
@blp.doc(security=BEARER)
@resident_required
@limiter.limit("20 per minute", key_func=resident_rate_key)
@blp.arguments(PrepaySchema)
@blp.response(201, BillSchema(many=True))
@blp.errors(400, 401, 404, 409, 429)
def prepay(payload):
    """预缴：为所住房屋生成之后若干个月的账单（随后可一并缴纳）"""
    return payments.prepay(
        current_resident(), payload["unit_id"], payload["fee_item_id"], payload["months"]
    )


@blp.post("/me/payments")
@blp.doc(security=BEARER)
@resident_required
@limiter.limit("20 per minute", key_func=resident_rate_key)
@blp.arguments(PayBillsSchema)
@blp.response(201, OrderSchema)
@blp.alt_response(409, description="账单已缴清，或正在另一笔支付中")
@blp.alt_response(502, description="微信支付下单失败")
@blp.errors(400, 401, 404, 429)
def pay_bills(payload):
    """缴纳所选账单：微信支付统一下单，返回 wx.requestPayment 参数"""
    order, params = payments.create_order(current_resident(), payload["bill_ids"])
    return {
        "id": order.id,
        "out_trade_no": order.out_trade_no,
        "total_fen": order.total_fen,
        "status": order.status,
        "expires_at": order.expires_at,
        "bill_ids": [b.id for b in order.bills],
        "pay_params": params,
    }


@blp.get("/me/payments")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, PaymentSchema(many=True))
@blp.paginate(SelectPage, page_size=20, max_page_size=100)
@blp.errors(401, 422)
def my_payments():
    """我的缴费记录（分页）"""
    return payments.my_payments_query(current_resident())


@blp.get("/me/payments/<int:payment_id>/receipt")
@blp.doc(security=BEARER)
@resident_required
@blp.response(200, ReceiptSchema)
@blp.errors(401, 404)
def my_receipt(payment_id):
    """收据详情（含验证二维码）"""
    payment = payments.my_payment(current_resident(), payment_id)
    return {
        **{f: getattr(payment, f) for f in ("id", "receipt_no", "estate", "method", "amount_fen")},
        "status": payment.status,
        "paid_at": payment.paid_at,
        "cashier_name": payment.cashier_name,
        "bills": payment.bills,
        "verify_url": payments.receipt_url(payment),
        "qr_url": payments.receipt_url(payment) + "/qr.png",
    }
