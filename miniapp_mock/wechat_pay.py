"""The fake WeChat Pay (api.mch.weixin.qq.com, API v2): unified order, order query, close
and refund; and ``/_mock/pay/complete``, the phone's payment sheet, which marks an order paid
and posts a correctly signed notification to the backend (as often as asked, as WeChat Pay
repeats notifications).

Everything is signed with the merchant's API key (MD5, as wechatpy does), so the backend's
checks run exactly as against the real service.
"""

from __future__ import annotations

import functools
import secrets
import threading
import time
from dataclasses import dataclass, field

import requests
from defusedxml import ElementTree
from flask import Blueprint, Response, current_app, g, jsonify, request
from wechatpy.pay.utils import calculate_signature, dict_to_xml

blueprint = Blueprint("fake_wechat_pay", __name__)


@dataclass
class FakePayState:
    appid: str
    mch_id: str
    api_key: str
    #: out_trade_no → order as WeChat Pay keeps it
    orders: dict[str, dict] = field(default_factory=dict)
    refunds: list[dict] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: levers: refund requests whose answer is lost after the refund is made (a timeout on
    #: the merchant's side), and whether new refunds stay PROCESSING (the bank is slow)
    lose_refund_answers: int = 0
    hold_refunds: bool = False
    #: seconds the answer of a refund request is held back after the refund is made (a
    #: slow network: the merchant's process may die before it reads the answer)
    refund_answer_delay: float = 0
    #: the out_refund_no of every refund request that reached secapi (with the certificate)
    refund_requests: list[str] = field(default_factory=list)

    def reset(self) -> None:
        with self.lock:
            self.orders.clear()
            self.refunds.clear()
            self.lose_refund_answers = 0
            self.hold_refunds = False
            self.refund_answer_delay = 0
            self.refund_requests.clear()


def install(app, appid: str, mch_id: str, api_key: str) -> FakePayState:
    """Add the fake WeChat Pay to the fake server ``app``."""
    state = FakePayState(appid=appid, mch_id=mch_id, api_key=api_key)
    app.extensions["fake_wechat_pay"] = state
    app.register_blueprint(blueprint)
    return state


def _state() -> FakePayState:
    return current_app.extensions["fake_wechat_pay"]


def _signed_xml(data: dict) -> str:
    data = {k: v for k, v in data.items() if v not in (None, "")}
    data["nonce_str"] = secrets.token_hex(16)
    return dict_to_xml(data, calculate_signature(data, _state().api_key))


def _answer(data: dict) -> Response:
    body = {"return_code": "SUCCESS", "return_msg": "OK", **data}
    body.setdefault("result_code", "SUCCESS")
    return Response(_signed_xml(body), mimetype="text/xml")


def _fail(err_code: str, message: str) -> Response:
    return _answer({"result_code": "FAIL", "err_code": err_code, "err_code_des": message})


def _read_request() -> dict | Response:
    """The signed XML of a merchant's request, checked like WeChat Pay checks it."""
    try:
        root = ElementTree.fromstring(request.get_data(), forbid_dtd=True)
        data = {child.tag: child.text or "" for child in root}
    except Exception:
        return Response(
            "<xml><return_code>FAIL</return_code><return_msg>XML 格式错误</return_msg></xml>",
            mimetype="text/xml",
        )
    state = _state()
    sign = data.pop("sign", "")
    if sign != calculate_signature(data, state.api_key):
        return Response(
            "<xml><return_code>FAIL</return_code><return_msg>签名错误</return_msg></xml>",
            mimetype="text/xml",
        )
    if data.get("mch_id") != state.mch_id or data.get("appid", state.appid) != state.appid:
        return _fail("MCHID_NOT_EXIST", "商户号或 appid 不符")
    return data


@blueprint.post("/pay/unifiedorder")
def unified_order():
    data = _read_request()
    if isinstance(data, Response):
        return data
    state = _state()
    out_trade_no = data.get("out_trade_no", "")
    if not data.get("total_fee", "").isdigit() or int(data["total_fee"]) <= 0:
        return _fail("PARAM_ERROR", "total_fee 无效")
    if data.get("trade_type") != "JSAPI" or not data.get("openid"):
        return _fail("PARAM_ERROR", "JSAPI 需要 openid")
    with state.lock:
        if out_trade_no in state.orders:
            return _fail("OUT_TRADE_NO_USED", "商户订单号重复")
        prepay_id = "wx" + secrets.token_hex(14)
        state.orders[out_trade_no] = {
            "out_trade_no": out_trade_no,
            "prepay_id": prepay_id,
            "total_fee": int(data["total_fee"]),
            "openid": data["openid"],
            "body": data.get("body", ""),
            "notify_url": data.get("notify_url", ""),
            "trade_state": "NOTPAY",
            "transaction_id": "",
            "notifications": [],
        }
    return _answer(
        {
            "appid": state.appid,
            "mch_id": state.mch_id,
            "prepay_id": prepay_id,
            "trade_type": "JSAPI",
        }
    )


def _order_call(missing: str, *, paid: bool = False):
    """A merchant call about one order (``out_trade_no``): the signed request is read and
    checked, and the view runs as ``view(state, data, order)`` under the state's lock; an
    unknown order (or, with ``paid``, an unpaid one) is ``ORDERNOTEXIST`` with ``missing``."""

    def decorate(view):
        @functools.wraps(view)
        def run():
            data = _read_request()
            if isinstance(data, Response):
                return data
            state = _state()
            with state.lock:
                order = state.orders.get(data.get("out_trade_no", ""))
                if order is None or (paid and order["trade_state"] not in {"SUCCESS", "REFUND"}):
                    return _fail("ORDERNOTEXIST", missing)
                return view(state, data, order)

        return run

    return decorate


@blueprint.post("/pay/orderquery")
@_order_call("此交易订单号不存在")
def order_query(state: FakePayState, data: dict, order: dict):
    return _answer(
        {
            "appid": state.appid,
            "mch_id": state.mch_id,
            "out_trade_no": order["out_trade_no"],
            "trade_state": order["trade_state"],
            "total_fee": order["total_fee"],
            "transaction_id": order["transaction_id"],
            "openid": order["openid"],
        }
    )


@blueprint.post("/pay/closeorder")
@_order_call("订单不存在")
def close_order(state: FakePayState, data: dict, order: dict):
    if order["trade_state"] in {"SUCCESS", "REFUND"}:
        return _fail("ORDERPAID", "订单已支付")
    order["trade_state"] = "CLOSED"
    return _answer({"appid": state.appid, "mch_id": state.mch_id})


def _merchant_certificate_missing() -> Response | None:
    """WeChat Pay's ``secapi`` answers only a client presenting the merchant certificate
    over TLS (the TLS layer has checked it against the CA; its name must be the 商户号)."""
    from miniapp_mock.tls import client_common_name

    if client_common_name(request.environ.get("SSL_CLIENT_CERT", "")) != _state().mch_id:
        return Response(
            "<xml><return_code>FAIL</return_code>"
            "<return_msg>证书错误：请使用商户 API 证书</return_msg></xml>",
            mimetype="text/xml",
        )
    return None


@blueprint.after_request
def _hold_the_answer(response: Response) -> Response:
    # outside the state's lock: other calls (a refund query) are answered meanwhile
    delay = g.pop("fake_pay_answer_delay", 0)
    if delay:
        time.sleep(delay)
    return response


@blueprint.before_request
def _secapi_needs_the_certificate():
    if request.path.startswith("/secapi/"):
        return _merchant_certificate_missing()
    return None


@blueprint.post("/secapi/pay/refund")
@_order_call("订单不存在或未支付", paid=True)
def refund(state: FakePayState, data: dict, order: dict):
    refund_fee = int(data.get("refund_fee") or 0)
    out_refund_no = data.get("out_refund_no", "")
    state.refund_requests.append(out_refund_no)
    record = next((r for r in state.refunds if r["out_refund_no"] == out_refund_no), None)
    if record is not None:
        # 同一退款单号多次请求只退一笔: a repeat answers the refund already made
        if record["refund_fee"] != refund_fee or record["out_trade_no"] != order["out_trade_no"]:
            return _fail("INVALID_REQUEST", "退款单号已用于另一笔退款")
    else:
        refunded = sum(
            r["refund_fee"] for r in state.refunds if r["out_trade_no"] == order["out_trade_no"]
        )
        if not out_refund_no or refund_fee <= 0 or refund_fee + refunded > order["total_fee"]:
            return _fail("INVALID_REQUEST", "退款金额无效")
        record = {
            "out_trade_no": order["out_trade_no"],
            "out_refund_no": out_refund_no,
            "refund_id": "50" + secrets.token_hex(12),
            "refund_fee": refund_fee,
            "refund_desc": data.get("refund_desc", ""),
            "refund_status": "PROCESSING" if state.hold_refunds else "SUCCESS",
        }
        state.refunds.append(record)
        order["trade_state"] = "REFUND"
    if state.lose_refund_answers > 0:
        state.lose_refund_answers -= 1
        return Response("upstream timeout", status=504)
    g.fake_pay_answer_delay = state.refund_answer_delay
    return _answer(
        {
            "appid": state.appid,
            "mch_id": state.mch_id,
            "out_trade_no": record["out_trade_no"],
            "out_refund_no": record["out_refund_no"],
            "refund_id": record["refund_id"],
            "refund_fee": refund_fee,
            "total_fee": order["total_fee"],
        }
    )


@blueprint.post("/pay/refundquery")
def refund_query():
    """查询退款 by ``out_refund_no`` (or the order): ``REFUNDNOTEXIST`` when none was made."""
    data = _read_request()
    if isinstance(data, Response):
        return data
    state = _state()
    with state.lock:
        found = [
            r
            for r in state.refunds
            if (data.get("out_refund_no") and r["out_refund_no"] == data["out_refund_no"])
            or (data.get("out_trade_no") and r["out_trade_no"] == data["out_trade_no"])
        ]
        if not found:
            return _fail("REFUNDNOTEXIST", "退款订单查询失败")
        answer = {
            "appid": state.appid,
            "mch_id": state.mch_id,
            "out_trade_no": found[0]["out_trade_no"],
            "total_fee": state.orders[found[0]["out_trade_no"]]["total_fee"],
            "refund_count": len(found),
        }
        for n, record in enumerate(found):
            answer[f"out_refund_no_{n}"] = record["out_refund_no"]
            answer[f"refund_id_{n}"] = record["refund_id"]
            answer[f"refund_fee_{n}"] = record["refund_fee"]
            answer[f"refund_status_{n}"] = record["refund_status"]
    return _answer(answer)


@blueprint.post("/_mock/pay/refunds/settle")
def settle_refunds():
    """The bank finishes the refunds held PROCESSING: ``{"status": "SUCCESS"|"REFUNDCLOSE"}``."""
    status = (request.get_json(force=True, silent=True) or {}).get("status", "SUCCESS")
    state = _state()
    with state.lock:
        for record in state.refunds:
            if record["refund_status"] == "PROCESSING":
                record["refund_status"] = status
    return jsonify({"ok": True})


# --- control: the phone's payment sheet and the tests' levers -------------------------------


def notification_xml(order: dict, **overrides) -> str:
    """A payment notification for ``order`` as WeChat Pay sends it, correctly signed."""
    state = _state()
    data = {
        "return_code": "SUCCESS",
        "appid": state.appid,
        "mch_id": state.mch_id,
        "result_code": "SUCCESS",
        "openid": order["openid"],
        "trade_type": "JSAPI",
        "bank_type": "OTHERS",
        "total_fee": order["total_fee"],
        "cash_fee": order["total_fee"],
        "fee_type": "CNY",
        "transaction_id": order["transaction_id"],
        "out_trade_no": order["out_trade_no"],
        "time_end": time.strftime("%Y%m%d%H%M%S"),
        **overrides,
    }
    return _signed_xml(data)


@blueprint.post("/_mock/pay/complete")
def complete():
    """The resident confirms the payment sheet: the order is paid and WeChat Pay notifies.

    Body: ``{"out_trade_no"| "prepay_id", "repeat": 1, "deliver": true}``. ``repeat`` posts the
    same notification several times; ``deliver: false`` loses it (the backend's order query
    must then find the payment). The signed XML is returned either way.
    """
    body = request.get_json(force=True, silent=True) or {}
    state = _state()
    with state.lock:
        order = state.orders.get(body.get("out_trade_no", ""))
        if order is None and body.get("prepay_id"):
            order = next(
                (o for o in state.orders.values() if o["prepay_id"] == body["prepay_id"]), None
            )
        if order is None:
            return jsonify({"errmsg": "订单不存在"}), 404
        if order["trade_state"] == "CLOSED":
            return jsonify({"errmsg": "订单已关闭"}), 409
        if order["trade_state"] == "NOTPAY":
            order["trade_state"] = "SUCCESS"
            order["transaction_id"] = "42" + time.strftime("%Y%m%d") + secrets.token_hex(8)
        snapshot = dict(order)
    xml = notification_xml(snapshot)
    answers = []
    if body.get("deliver", True):
        for _ in range(max(1, min(int(body.get("repeat", 1)), 20))):
            try:
                resp = requests.post(
                    snapshot["notify_url"],
                    data=xml.encode(),
                    headers={"Content-Type": "text/xml"},
                    timeout=10,
                )
                answers.append({"status": resp.status_code, "body": resp.text})
            except requests.RequestException as exc:
                answers.append({"status": None, "body": exc.__class__.__name__})
    with state.lock:
        order["notifications"].extend(answers)
    return jsonify(
        {
            "out_trade_no": snapshot["out_trade_no"],
            "transaction_id": snapshot["transaction_id"],
            "xml": xml,
            "answers": answers,
        }
    )


@blueprint.get("/_mock/pay/orders")
def orders():
    state = _state()
    with state.lock:
        return jsonify(list(state.orders.values()))


@blueprint.post("/_mock/pay/reset")
def reset():
    _state().reset()
    return jsonify({"ok": True})
