"""Check-in codes: the QR code posted at a piece of equipment proves the worker was there.

A code is ``LLS1.<equipment id>.<estate id>.<signature>``, the signature an HMAC-SHA256 of
the two ids under the app's ``SECRET_KEY``: it cannot be forged without the key, and a
code names exactly one point of one estate, so another point's or another estate's code
is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io

from flask import current_app

from backend.core.errors import Invalid

PREFIX = "LLS1"


def _signature(equipment_id: int, estate_id: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    message = f"safety-checkin:{equipment_id}:{estate_id}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def code_for(equipment_id: int, estate_id: int) -> str:
    """The check-in code posted at equipment ``equipment_id`` of estate ``estate_id``."""
    return f"{PREFIX}.{equipment_id}.{estate_id}.{_signature(equipment_id, estate_id)}"


def verify(code: str, equipment_id: int, estate_id: int) -> None:
    """Accept ``code`` only if it is the signed code of this point of this estate."""
    parts = (code or "").strip().split(".")
    if len(parts) != 4 or parts[0] != PREFIX or not all(p.isdigit() for p in parts[1:3]):
        raise Invalid("签到码无效，请扫描设备上张贴的二维码", {"code": ["签到码无效"]})
    point, estate = int(parts[1]), int(parts[2])
    if not hmac.compare_digest(parts[3], _signature(point, estate)):
        raise Invalid("签到码无效（签名不符），请扫描设备上张贴的二维码", {"code": ["签名不符"]})
    if estate != estate_id:
        raise Invalid("这是其他小区的签到码", {"code": ["不是本小区的签到码"]})
    if point != equipment_id:
        raise Invalid("这是其他设备的签到码，请到本设备处扫码", {"code": ["不是本设备的签到码"]})


def qr_png(code: str) -> bytes:
    """The code as a PNG QR image, to print and post at the point."""
    import qrcode

    image = qrcode.make(code, box_size=8, border=2)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
