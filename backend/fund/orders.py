"""The payment order (划款通知) the reviewer sends the fund's bank, and the code on it that
anyone can check: a signed, tamper-evident code naming the use and the approved amount."""

from __future__ import annotations

import io

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer

from backend.extensions import db
from backend.fund.models import FundUse, UseState

#: states in which a use has a valid payment order
ORDERED = (
    UseState.bank_notified,
    UseState.paid,
    UseState.accepted,
    UseState.disclosed,
    UseState.closed,
)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="fund-payment-order")


def order_code(use: FundUse) -> str:
    """The order's code: the use and the approved budget, signed."""
    return _serializer().dumps([use.id, use.budget_fen])


def use_for_code(code: str) -> FundUse | None:
    """The use a genuine order code names (None: forged, altered, or no order was sent)."""
    try:
        use_id, budget = _serializer().loads(code)
    except (BadSignature, ValueError, TypeError):
        return None
    use = db.session.get(FundUse, use_id) if isinstance(use_id, int) else None
    if use is None or use.budget_fen != budget or use.state not in ORDERED:
        return None
    return use


def order_url(use: FundUse) -> str:
    return url_for("fund_orders.verify", code=order_code(use), _external=True)


def order_qr_png(use: FundUse) -> bytes:
    """The QR code printed on the order, opening its verification page."""
    import qrcode

    image = qrcode.make(order_url(use), box_size=5, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
