"""Check-in codes: the QR code posted at a piece of equipment proves the worker was there.

A code is ``LLS1.<equipment id>.<estate id>.<signature>``, the signature an HMAC-SHA256 of
the two ids under the app's ``SECRET_KEY``: it cannot be forged without the key, and a
code names exactly one point of one estate, so another point's or another estate's code
is refused. A patrol point's code is ``LLP1.<point id>.<estate id>.<signature>``, signed
under another purpose, so an equipment's code never passes for a point's or the reverse.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io

from flask import current_app

from backend.core.errors import Invalid

PREFIX = "LLS1"
POINT_PREFIX = "LLP1"
#: prefix → what the signature is for
_PURPOSE = {PREFIX: "safety-checkin", POINT_PREFIX: "safety-patrol"}


def _signature(equipment_id: int, estate_id: int, prefix: str = PREFIX) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    message = f"{_PURPOSE[prefix]}:{equipment_id}:{estate_id}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def code_for(equipment_id: int, estate_id: int, prefix: str = PREFIX) -> str:
    """The check-in code posted at equipment ``equipment_id`` of estate ``estate_id`` (with
    ``POINT_PREFIX``: at patrol point ``equipment_id``)."""
    signature = _signature(equipment_id, estate_id, prefix)
    return f"{prefix}.{equipment_id}.{estate_id}.{signature}"


def read(code: str, prefix: str = PREFIX) -> tuple[int, int]:
    """The (point id, estate id) a genuine code names; refused if forged or malformed."""
    parts = (code or "").strip().split(".")
    if (
        len(parts) != 4
        or parts[0] != prefix
        or not all(p.isascii() and p.isdigit() and len(p) <= 9 for p in parts[1:3])
    ):
        raise Invalid("签到码无效，请扫描现场张贴的二维码", {"code": ["签到码无效"]})
    point, estate = int(parts[1]), int(parts[2])
    if not hmac.compare_digest(parts[3], _signature(point, estate, prefix)):
        raise Invalid("签到码无效（签名不符），请扫描现场张贴的二维码", {"code": ["签名不符"]})
    return point, estate


def verify(code: str, equipment_id: int, estate_id: int, prefix: str = PREFIX) -> None:
    """Accept ``code`` only if it is the signed code of this point of this estate."""
    point, estate = read(code, prefix)
    if estate != estate_id:
        raise Invalid("这是其他小区的签到码", {"code": ["不是本小区的签到码"]})
    if point != equipment_id:
        what = "设备" if prefix == PREFIX else "巡查点"
        raise Invalid(
            f"这是其他{what}的签到码，请到本{what}处扫码", {"code": [f"不是本{what}的签到码"]}
        )


def qr_png(code: str) -> bytes:
    """The code as a PNG QR image, to print and post at the point."""
    import qrcode

    image = qrcode.make(code, box_size=8, border=2)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
