"""The page a payment order's QR code opens (no sign-in): whether the order is genuine, for
which use, estate and approved amount, and what the bank has paid on it."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template

from backend.fees.money import yuan
from backend.fund import orders

blueprint = Blueprint("fund_orders", __name__, template_folder="templates")


@blueprint.get("/fund-orders/<code>")
def verify(code: str):
    """划款通知验证：使用事项、小区、核准金额与已划款；无效或被改动的码不显示任何信息。"""
    use = orders.use_for_code(code)
    status = 200 if use is not None else 404
    return render_template("fund/order_verify.html", use=use, yuan=yuan), status


@blueprint.get("/fund-orders/<code>/qr.png")
def qr(code: str):
    """划款通知二维码（PNG）。"""
    use = orders.use_for_code(code)
    if use is None:
        abort(404)
    return Response(orders.order_qr_png(use), mimetype="image/png")
