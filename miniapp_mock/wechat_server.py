"""A fake WeChat server: the endpoints of api.weixin.qq.com that Linli calls through wechatpy.

It keeps its state in memory: demo WeChat users, the ``wx.login`` codes it issued, access
tokens, and every subscribe message it received (listed at ``/_mock/messages``). Control
endpoints under ``/_mock`` let tests and the simulator imitate the phone (``wx.login``) and
inject failures. Point the backend at it with ``WECHAT_API_BASE``.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

from flask import Flask, jsonify, request, send_from_directory

DEMO_USERS = [
    {"openid": "o-demo-zhang", "nickname": "张伟（业主）", "unionid": "u-demo-zhang"},
    {"openid": "o-demo-li", "nickname": "李娜（业主）", "unionid": "u-demo-li"},
    {"openid": "o-demo-wang", "nickname": "王芳（家属）", "unionid": "u-demo-wang"},
    {"openid": "o-demo-zhao", "nickname": "赵磊（租户）", "unionid": "u-demo-zhao"},
    {"openid": "o-demo-chen", "nickname": "陈静（新住户）", "unionid": "u-demo-chen"},
]

#: WeChat's error codes used here
INVALID_CREDENTIAL = 40001
INVALID_APPSECRET = 40125
INVALID_APPID = 40013
INVALID_CODE = 40029
CODE_USED = 40163
SEND_FAILED = 45015  # stands for any refusal of a send (e.g. quota, user not subscribed)


@dataclass
class FakeWeChatState:
    """Everything the fake server remembers; reset with ``/_mock/reset``."""

    appid: str
    secret: str
    code_ttl: int = 300
    token_ttl: int = 7200
    codes: dict[str, dict] = field(default_factory=dict)
    tokens: dict[str, float] = field(default_factory=dict)
    messages: list[dict] = field(default_factory=list)
    #: how many of the next calls of each kind ("subscribe", "jscode2session") fail
    failures: dict[str, int] = field(default_factory=dict)
    token_requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.codes.clear()
            self.tokens.clear()
            self.messages.clear()
            self.failures.clear()
            self.token_requests = 0

    def take_failure(self, kind: str) -> bool:
        with self.lock:
            left = self.failures.get(kind, 0)
            if left > 0:
                self.failures[kind] = left - 1
                return True
            return False


def _error(errcode: int, errmsg: str):
    return jsonify({"errcode": errcode, "errmsg": errmsg})


def create_app(
    appid: str = "wxlinlidemo0000001",
    secret: str = "linli-demo-secret",
    simulator_api_base: str = "http://127.0.0.1:5000/api/v1",
) -> Flask:
    """The fake WeChat server (and the H5 simulator's static files at ``/simulator/``)."""
    app = Flask(__name__, static_folder=None)
    app.json.ensure_ascii = False
    state = FakeWeChatState(appid=appid, secret=secret)
    app.extensions["fake_wechat"] = state
    app.config["SIMULATOR_API_BASE"] = simulator_api_base
    users = {u["openid"]: u for u in DEMO_USERS}

    def valid_token() -> bool:
        token = request.args.get("access_token", "")
        with state.lock:
            expires = state.tokens.get(token)
        return expires is not None and expires > time.time()

    # --- api.weixin.qq.com --------------------------------------------------------------

    @app.get("/cgi-bin/token")
    def token():
        if request.args.get("appid") != state.appid:
            return _error(INVALID_APPID, "invalid appid")
        if request.args.get("secret") != state.secret:
            return _error(INVALID_APPSECRET, "invalid appsecret")
        access_token = "fake-at-" + secrets.token_hex(16)
        with state.lock:
            state.tokens[access_token] = time.time() + state.token_ttl
            state.token_requests += 1
        return jsonify({"access_token": access_token, "expires_in": state.token_ttl})

    @app.get("/sns/jscode2session")
    def jscode2session():
        if request.args.get("appid") != state.appid or request.args.get("secret") != state.secret:
            return _error(INVALID_APPSECRET, "invalid appid or secret")
        if state.take_failure("jscode2session"):
            return jsonify({"errcode": -1, "errmsg": "system error"}), 200
        code = request.args.get("js_code", "")
        with state.lock:
            issued = state.codes.get(code)
            if issued is None or issued["expires"] < time.time():
                return _error(INVALID_CODE, "invalid code")
            if issued["used"]:
                return _error(CODE_USED, "code been used")
            issued["used"] = True
        user = users.get(issued["openid"], {"openid": issued["openid"]})
        body = {"openid": user["openid"], "session_key": secrets.token_urlsafe(16)}
        if user.get("unionid"):
            body["unionid"] = user["unionid"]
        return jsonify(body)

    @app.post("/cgi-bin/message/subscribe/send")
    def subscribe_send():
        if not valid_token():
            return _error(INVALID_CREDENTIAL, "invalid credential, access_token is invalid")
        if state.take_failure("subscribe"):
            return _error(SEND_FAILED, "fake failure injected by /_mock/failures")
        body = request.get_json(force=True, silent=True) or {}
        if not body.get("touser") or not body.get("template_id") or "data" not in body:
            return _error(47001, "data format error")
        with state.lock:
            message = {
                "msgid": len(state.messages) + 1,
                "touser": body["touser"],
                "template_id": body["template_id"],
                "page": body.get("page", ""),
                "data": body["data"],
                "received_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            }
            state.messages.append(message)
        return jsonify({"errcode": 0, "errmsg": "ok", "msgid": message["msgid"]})

    # --- control: the phone's side and the tests' levers --------------------------------

    @app.get("/_mock/users")
    def list_users():
        return jsonify(DEMO_USERS)

    @app.post("/_mock/login")
    def login():
        """What ``wx.login`` gives the mini-app: a one-time code for a WeChat user."""
        body = request.get_json(force=True, silent=True) or {}
        openid = body.get("openid", "")
        if not openid:
            return jsonify({"errmsg": "openid required"}), 400
        code = "code-" + secrets.token_urlsafe(12)
        with state.lock:
            state.codes[code] = {
                "openid": openid,
                "used": False,
                "expires": time.time() + state.code_ttl,
            }
        return jsonify({"code": code})

    @app.get("/_mock/messages")
    def messages():
        openid = request.args.get("openid")
        with state.lock:
            found = [m for m in state.messages if not openid or m["touser"] == openid]
        return jsonify(found)

    @app.post("/_mock/failures")
    def failures():
        body = request.get_json(force=True, silent=True) or {}
        with state.lock:
            state.failures[body.get("api", "subscribe")] = int(body.get("count", 1))
        return jsonify({"ok": True})

    @app.post("/_mock/reset")
    def reset():
        state.reset()
        return jsonify({"ok": True})

    @app.get("/_mock/stats")
    def stats():
        with state.lock:
            return jsonify(
                {"token_requests": state.token_requests, "messages": len(state.messages)}
            )

    # --- the H5 simulator ----------------------------------------------------------------

    @app.get("/simulator/config.js")
    def simulator_config():
        body = "window.LINLI = " + app.json.dumps({"apiBase": app.config["SIMULATOR_API_BASE"]})
        return app.response_class(body + ";\n", mimetype="application/javascript")

    @app.get("/simulator/")
    @app.get("/simulator/<path:name>")
    def simulator(name: str = "index.html"):
        import os

        return send_from_directory(os.path.join(os.path.dirname(__file__), "simulator"), name)

    @app.get("/")
    def home():
        from flask import redirect

        return redirect("/simulator/")

    return app
