"""WeChat Pay (JSAPI, API v2) through wechatpy's ``WeChatPay``: orders, queries, refunds and
the safe reading of payment notifications.
"""

from __future__ import annotations

from datetime import datetime

import requests
from defusedxml import ElementTree
from flask import current_app
from wechatpy.exceptions import WeChatPayException
from wechatpy.pay import WeChatPay

from backend.core.time import to_local
from backend.wechat.client import WeChatError

#: a notification larger than this is not WeChat's
MAX_NOTIFICATION_BYTES = 64 * 1024


class _SessionTrusting(requests.Session):
    """A session that checks the server against one CA file, whatever REQUESTS_CA_BUNDLE
    says (requests lets that variable override a session's own ``verify``)."""

    def __init__(self, ca_bundle: str):
        super().__init__()
        self.ca_bundle = ca_bundle

    def request(self, method, url, **kwargs):
        kwargs.setdefault("verify", self.ca_bundle)
        return super().request(method, url, **kwargs)


def get_pay() -> WeChatPay:
    """The app's WeChat Pay client (real WeChat Pay or the fake server, by configuration)."""
    client = current_app.extensions.get("linli_wechat_pay")
    if client is None:
        cfg = current_app.config
        client = WeChatPay(
            cfg["WECHAT_APPID"],
            cfg["WECHAT_PAY_API_KEY"],
            cfg["WECHAT_PAY_MCH_ID"],
            # wechatpy presents the merchant certificate only when both are set; WeChat Pay
            # refuses a refund (secapi) without it
            mch_cert=cfg["WECHAT_PAY_MCH_CERT"],
            mch_key=cfg["WECHAT_PAY_MCH_KEY"],
            timeout=cfg["WECHAT_TIMEOUT"],
        )
        client.API_BASE_URL = cfg["WECHAT_PAY_API_BASE"].rstrip("/") + "/"
        if cfg["WECHAT_PAY_CA_BUNDLE"]:
            client._http = _SessionTrusting(cfg["WECHAT_PAY_CA_BUNDLE"])
        current_app.extensions["linli_wechat_pay"] = client
    return client


def _call(fn, *args, **kwargs) -> dict:
    try:
        return fn(*args, **kwargs)
    except WeChatPayException as exc:
        code = exc.result_code or exc.return_code
        detail = exc.errmsg or exc.return_msg or ""
        raise WeChatError(f"{code}: {exc.errcode or ''} {detail}".strip(), exc.errcode) from exc
    except requests.RequestException as exc:
        raise WeChatError(f"network: {exc.__class__.__name__} {exc}") from exc


def unified_order(
    out_trade_no: str,
    total_fen: int,
    body: str,
    openid: str,
    notify_url: str,
    client_ip: str,
    expires_at: datetime,
) -> str:
    """Create a JSAPI order (统一下单) and return its ``prepay_id``."""
    result = _call(
        get_pay().order.create,
        trade_type="JSAPI",
        body=body[:40],
        total_fee=total_fen,
        notify_url=notify_url,
        client_ip=client_ip,
        user_id=openid,
        out_trade_no=out_trade_no,
        time_expire=to_local(expires_at),
    )
    return result["prepay_id"]


def request_payment_params(prepay_id: str) -> dict:
    """What the mini-app passes to ``wx.requestPayment`` (signed with the API key)."""
    params = get_pay().jsapi.get_jsapi_params(prepay_id)
    return {
        "timeStamp": params["timeStamp"],
        "nonceStr": params["nonceStr"],
        "package": params["package"],
        "signType": params["signType"],
        "paySign": params["paySign"],
    }


def query_order(out_trade_no: str) -> dict:
    """The order as WeChat Pay knows it (``trade_state``, ``total_fee``, ``transaction_id``)."""
    return _call(get_pay().order.query, out_trade_no=out_trade_no)


def close_order(out_trade_no: str) -> dict:
    return _call(get_pay().order.close, out_trade_no)


def refund(out_trade_no: str, out_refund_no: str, total_fen: int, refund_fen: int, reason: str):
    """Ask WeChat Pay to refund an order (in full or part). WeChat refunds once per
    ``out_refund_no``, so asking again with the same number is safe."""
    return _call(
        get_pay().refund.apply,
        total_fee=total_fen,
        refund_fee=refund_fen,
        out_refund_no=out_refund_no,
        out_trade_no=out_trade_no,
        refund_desc=reason[:80],
    )


def refund_status(out_refund_no: str) -> tuple[str, str]:
    """``(refund_status, refund_id)`` of a refund as WeChat Pay knows it (查询退款):
    ``SUCCESS``, ``PROCESSING``, ``REFUNDCLOSE`` or ``CHANGE``; ``WeChatError`` with errcode
    ``REFUNDNOTEXIST`` when WeChat never made it."""
    result = _call(get_pay().refund.query, out_refund_no=out_refund_no)
    count = int(result.get("refund_count") or 0)
    for n in range(count):
        if result.get(f"out_refund_no_{n}") == out_refund_no:
            return result.get(f"refund_status_{n}", ""), result.get(f"refund_id_{n}", "")
    raise WeChatError("REFUNDNOTEXIST: refund not in the answer", "REFUNDNOTEXIST")


class BadNotification(ValueError):
    """The body is not a well-formed, entity-free WeChat Pay XML document."""


def parse_notification(body: bytes) -> dict:
    """The flat ``<xml>`` of a notification as a dict of text values.

    defusedxml refuses any DTD, so entity expansion (billion laughs) and external
    entities never happen; anything but a flat ``<xml>`` is refused.
    """
    if not body or len(body) > MAX_NOTIFICATION_BYTES:
        raise BadNotification("empty or oversized body")
    try:
        root = ElementTree.fromstring(body, forbid_dtd=True)
    except Exception as exc:  # ParseError, DTDForbidden, EntitiesForbidden, …
        raise BadNotification(exc.__class__.__name__) from None
    if root.tag != "xml" or any(len(child) for child in root):
        raise BadNotification("not a flat <xml> document")
    return {child.tag: (child.text or "") for child in root}


def signature_valid(data: dict) -> bool:
    """Whether ``data['sign']`` is the merchant key's signature of the other fields."""
    return bool(data.get("sign")) and get_pay().check_signature(data)


def xml_answer(ok: bool, message: str = "") -> str:
    """The answer WeChat Pay expects to a notification."""
    code = "SUCCESS" if ok else "FAIL"
    msg = message or ("OK" if ok else "FAIL")
    return (
        f"<xml><return_code><![CDATA[{code}]]></return_code>"
        f"<return_msg><![CDATA[{msg}]]></return_msg></xml>"
    )
