"""What others call without signing in: the receipt verification page that a receipt's QR
code opens, and WeChat Pay's payment notifications (XML, not the resident API's JSON)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request

from backend.extensions import configured_limit, limiter
from backend.fees import payments
from backend.fees.money import yuan
from backend.fees.wechat_pay import xml_answer

#: WeChat Pay's server posts here; it signs its body (checked), it holds no CSRF token
callbacks = Blueprint("wechat_pay", __name__)


@callbacks.post("/api/v1/payments/wechat/notify")
@limiter.limit(configured_limit("RATELIMIT_WECHAT_NOTIFY"))
def wechat_notify():
    """微信支付结果通知：校验后入账（只入账一次），应答 XML SUCCESS/FAIL。"""
    ok, message = payments.handle_notification(
        request.get_data(cache=False), request.remote_addr or ""
    )
    return Response(xml_answer(ok, "OK" if ok else message), status=200, mimetype="text/xml")


blueprint = Blueprint(
    "receipts",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/receipts/static",
)


@blueprint.get("/receipts/<code>")
def verify(code: str):
    """收据验证：小区、房屋（部分隐去）、金额、日期与状态；无效或被改动的码不显示任何信息。"""
    payment = payments.payment_for_code(code)
    if payment is None:
        return render_template("fees/receipt_verify.html", payment=None), 404
    return render_template(
        "fees/receipt_verify.html",
        payment=payment,
        units=[payments.masked_unit(u) for u in payments.receipt_units(payment)],
        yuan=yuan,
    )


@blueprint.get("/receipts/<code>/qr.png")
def qr(code: str):
    """收据二维码（PNG）。"""
    payment = payments.payment_for_code(code)
    if payment is None:
        abort(404)
    return Response(payments.receipt_qr_png(payment), mimetype="image/png")
