"""A fake WeChat server: the endpoints of api.weixin.qq.com that Linli calls through wechatpy.

It behaves as WeChat does where the backend depends on it:

- ``subscribe/send`` sends only against a consent the user gave in
  ``wx.requestSubscribeMessage``: each 允许 of a one-time template allows one message, a
  long-term template stays allowed; with none left it answers ``43101``;
- it checks the template id (``40037``), the openid (``40003``), the page path (``41030``)
  and every keyword's type and length (``47003``), with the templates and pages read from
  the same file as the backend's (``backend/wechat/subscribe_templates.toml``).

State lives in memory: demo WeChat users, the ``wx.login`` codes it issued, access tokens,
consents, and every message it delivered (``/_mock/messages``). Control endpoints under
``/_mock`` play the phone's side (``wx.login``, ``wx.requestSubscribeMessage``) and let tests
inject failures. Point the backend at it with ``WECHAT_API_BASE``.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
import time
from dataclasses import dataclass, field

from flask import Blueprint, Flask, current_app, jsonify, redirect, request, send_from_directory

from miniapp_mock.templates import Templates, read_templates

DEMO_USERS = [
    {"openid": "o-demo-zhang", "nickname": "张伟（业主）", "unionid": "u-demo-zhang"},
    {"openid": "o-demo-li", "nickname": "李娜（业主）", "unionid": "u-demo-li"},
    {"openid": "o-demo-wang", "nickname": "王芳（家属）", "unionid": "u-demo-wang"},
    {"openid": "o-demo-zhao", "nickname": "赵磊（租户）", "unionid": "u-demo-zhao"},
    {"openid": "o-demo-chen", "nickname": "陈静（新住户）", "unionid": "u-demo-chen"},
]

#: WeChat's error codes used here
SYSTEM_BUSY = -1
INVALID_CREDENTIAL = 40001
INVALID_OPENID = 40003
INVALID_APPID = 40013
INVALID_CODE = 40029
INVALID_TEMPLATE_ID = 40037
INVALID_APPSECRET = 40125
CODE_USED = 40163
INVALID_PAGE = 41030
USER_REFUSED = 43101
DATA_FORMAT_ERROR = 47001
ARGUMENT_INVALID = 47003

#: wx.requestSubscribeMessage: the answers per template, and how many one call may ask
SUBSCRIBE_ANSWERS = ("accept", "reject", "ban", "filter")
MAX_TEMPLATES_PER_ASK = 3

_HAN = "\u4e00-\u9fff"
_DATE = r"(\d{4}年\d{1,2}月\d{1,2}日|\d{4}-\d{1,2}-\d{1,2})"
_CLOCK = r"\d{1,2}:\d{2}(:\d{2})?"
_ONE_DATE = rf"{_DATE}( {_CLOCK})?"
_ONE_TIME = rf"({_DATE} )?{_CLOCK}"

#: WeChat's rule for each keyword type (订阅消息参数值内容限制)
KEYWORD_RULES: dict[str, re.Pattern] = {
    "thing": re.compile(r"(?s).{1,20}"),
    "number": re.compile(r"-?\d+(\.\d+)?"),
    "letter": re.compile(r"[A-Za-z]{1,32}"),
    "symbol": re.compile(r"[^\w\s]{1,5}"),
    "character_string": re.compile(r"[\x20-\x7e]{1,32}"),
    "phrase": re.compile(rf"[{_HAN}]{{1,5}}"),
    "amount": re.compile(r"[¥￥$]?(\d{1,10}|\d{1,3}(,\d{3}){1,3})(\.\d{1,2})?元?"),
    "date": re.compile(rf"{_ONE_DATE}(~{_ONE_DATE})?"),
    "time": re.compile(rf"{_ONE_TIME}(~{_ONE_TIME})?"),
    "phone_number": re.compile(r"[\d+\-() ]{1,17}"),
    "car_number": re.compile(rf"[{_HAN}A-Za-z0-9][A-Za-z0-9]{{0,6}}[{_HAN}A-Za-z0-9]?"),
    "name": re.compile(rf"[{_HAN}·]{{1,10}}|[A-Za-z .'·-]{{1,20}}"),
}


def keyword_error(kind: str, value) -> str | None:
    """Why WeChat refuses ``value`` for a keyword of type ``kind`` (None: accepted)."""
    if not isinstance(value, str):
        return "value must be a string"
    rule = KEYWORD_RULES[kind]
    if not rule.fullmatch(value):
        return f"{kind} value {value!r} breaks the {kind} rule"
    if kind in {"number", "amount"} and len(re.sub(r"\D", "", value)) > 32:
        return f"{kind} value too long"
    return None


@dataclass
class FakeWeChatState:
    """Everything the fake server remembers; reset with ``/_mock/reset``."""

    appid: str
    secret: str
    templates: Templates
    code_ttl: int = 300
    token_ttl: int = 7200
    codes: dict[str, dict] = field(default_factory=dict)
    tokens: dict[str, float] = field(default_factory=dict)
    messages: list[dict] = field(default_factory=list)
    #: WeChat users who opened the mini-app (demo users, anyone who logged in or subscribed)
    known_openids: set[str] = field(default_factory=set)
    #: (openid, template id) → one-time consents left; long-term grants in ``long_term``
    consents: dict[tuple[str, str], int] = field(default_factory=dict)
    long_term: set[tuple[str, str]] = field(default_factory=set)
    #: how many of the next calls of each kind fail, and with which errcode
    failures: dict[str, list] = field(default_factory=dict)
    token_requests: int = 0
    #: seconds a delivered subscribe message waits before WeChat's answer (a slow network:
    #: the fault tests kill the sender in between)
    subscribe_answer_delay: float = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self):
        self.known_openids.update(u["openid"] for u in DEMO_USERS)

    def reset(self) -> None:
        with self.lock:
            self.codes.clear()
            self.tokens.clear()
            self.messages.clear()
            self.failures.clear()
            self.consents.clear()
            self.long_term.clear()
            self.known_openids.clear()
            self.known_openids.update(u["openid"] for u in DEMO_USERS)
            self.token_requests = 0
            self.subscribe_answer_delay = 0

    def take_failure(self, kind: str) -> int | None:
        """The errcode the next call of ``kind`` fails with, if a failure was injected."""
        with self.lock:
            count, errcode = self.failures.get(kind, (0, SYSTEM_BUSY))
            if count > 0:
                self.failures[kind] = [count - 1, errcode]
                return errcode
            return None

    def take_consent(self, openid: str, template_id: str) -> bool:
        """Use one consent of ``openid`` for ``template_id``; False when there is none."""
        with self.lock:
            if (openid, template_id) in self.long_term:
                return True
            left = self.consents.get((openid, template_id), 0)
            if left <= 0:
                return False
            self.consents[(openid, template_id)] = left - 1
            return True


def state() -> FakeWeChatState:
    return current_app.extensions["fake_wechat"]


def _error(errcode: int, errmsg: str):
    return jsonify({"errcode": errcode, "errmsg": errmsg})


def _body() -> dict:
    body = request.get_json(force=True, silent=True)
    return body if isinstance(body, dict) else {}


# --- api.weixin.qq.com -----------------------------------------------------------------------

wechat_api = Blueprint("wechat_api", __name__)


def _valid_token() -> bool:
    token = request.args.get("access_token", "")
    with state().lock:
        expires = state().tokens.get(token)
    return expires is not None and expires > time.time()


@wechat_api.get("/cgi-bin/token")
def token():
    s = state()
    if request.args.get("appid") != s.appid:
        return _error(INVALID_APPID, "invalid appid")
    if request.args.get("secret") != s.secret:
        return _error(INVALID_APPSECRET, "invalid appsecret")
    access_token = "fake-at-" + secrets.token_hex(16)
    with s.lock:
        s.tokens[access_token] = time.time() + s.token_ttl
        s.token_requests += 1
    return jsonify({"access_token": access_token, "expires_in": s.token_ttl})


@wechat_api.get("/sns/jscode2session")
def jscode2session():
    s = state()
    if request.args.get("appid") != s.appid or request.args.get("secret") != s.secret:
        return _error(INVALID_APPSECRET, "invalid appid or secret")
    errcode = s.take_failure("jscode2session")
    if errcode is not None:
        return _error(errcode, "system error")
    code = request.args.get("js_code", "")
    with s.lock:
        issued = s.codes.get(code)
        if issued is None or issued["expires"] < time.time():
            return _error(INVALID_CODE, "invalid code")
        if issued["used"]:
            return _error(CODE_USED, "code been used")
        issued["used"] = True
    user = {u["openid"]: u for u in DEMO_USERS}.get(issued["openid"], {"openid": issued["openid"]})
    body = {"openid": user["openid"], "session_key": secrets.token_urlsafe(16)}
    if user.get("unionid"):
        body["unionid"] = user["unionid"]
    return jsonify(body)


@wechat_api.post("/cgi-bin/message/subscribe/send")
def subscribe_send():
    """Deliver a subscribe message, checked as WeChat checks it, against one consent."""
    s = state()
    if not _valid_token():
        return _error(INVALID_CREDENTIAL, "invalid credential, access_token is invalid")
    errcode = s.take_failure("subscribe")
    if errcode is not None:
        return _error(errcode, "fake failure injected by /_mock/failures")
    body = _body()
    data = body.get("data")
    if not body.get("touser") or not body.get("template_id") or not isinstance(data, dict):
        return _error(DATA_FORMAT_ERROR, "data format error")
    template = s.templates.by_id(str(body["template_id"]))
    if template is None:
        return _error(INVALID_TEMPLATE_ID, "invalid template_id")
    openid = str(body["touser"])
    with s.lock:
        known = openid in s.known_openids
    if not known:
        return _error(INVALID_OPENID, "invalid openid")
    page = str(body.get("page") or "")
    if page and page.split("?", 1)[0] not in s.templates.pages:
        return _error(INVALID_PAGE, "invalid page")
    problem = _data_error(template, data)
    if problem:
        return _error(ARGUMENT_INVALID, f"argument invalid! {problem}")
    if not s.take_consent(openid, template.id):
        return _error(USER_REFUSED, "user refuse to accept the msg")
    with s.lock:
        message = {
            "msgid": len(s.messages) + 1,
            "touser": openid,
            "template_id": template.id,
            "page": page,
            "data": data,
            "received_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        s.messages.append(message)
    if s.subscribe_answer_delay:
        time.sleep(s.subscribe_answer_delay)
    return jsonify({"errcode": 0, "errmsg": "ok", "msgid": message["msgid"]})


def _data_error(template, data: dict) -> str | None:
    expected = {k.key: k.type for k in template.keywords}
    if set(data) != set(expected):
        return f"data keys {sorted(data)} do not match the template's {sorted(expected)}"
    for key, kind in expected.items():
        entry = data[key]
        value = entry.get("value") if isinstance(entry, dict) else None
        problem = keyword_error(kind, value)
        if problem:
            return f"data.{key}.value: {problem}"
    return None


# --- control: the phone's side and the tests' levers -----------------------------------------

control = Blueprint("mock_control", __name__, url_prefix="/_mock")


@control.get("/users")
def list_users():
    return jsonify(DEMO_USERS)


@control.post("/login")
def login():
    """What ``wx.login`` gives the mini-app: a one-time code for a WeChat user."""
    openid = str(_body().get("openid") or "")
    if not openid:
        return jsonify({"errmsg": "openid required"}), 400
    code = "code-" + secrets.token_urlsafe(12)
    s = state()
    with s.lock:
        s.known_openids.add(openid)
        s.codes[code] = {"openid": openid, "used": False, "expires": time.time() + s.code_ttl}
    return jsonify({"code": code})


@control.get("/templates")
def templates():
    """The mini-app's templates (what the simulator's consent sheet shows)."""
    return jsonify(
        [{"name": t.name, "id": t.id, "title": t.title, "kind": t.kind} for t in state().templates]
    )


@control.post("/subscribe")
def request_subscribe_message():
    """``wx.requestSubscribeMessage``: record the user's choice per template, as the WeChat
    client does, and answer in WeChat's shape ``{errMsg, <template id>: accept|reject|…}``.

    Body: ``{"openid": "...", "choices": {"<template id>": "accept" | "reject" | …}}``.
    """
    body = _body()
    openid = str(body.get("openid") or "")
    choices = body.get("choices")
    if not openid or not isinstance(choices, dict) or not choices:
        return jsonify({"errMsg": "requestSubscribeMessage:fail invalid params", "errCode": 10001})
    if len(choices) > MAX_TEMPLATES_PER_ASK:
        return jsonify(
            {
                "errMsg": "requestSubscribeMessage:fail Templates count out of max bounds",
                "errCode": 20003,
            }
        )
    s = state()
    answer = {"errMsg": "requestSubscribeMessage:ok"}
    with s.lock:
        s.known_openids.add(openid)
        for template_id, choice in choices.items():
            template = s.templates.by_id(str(template_id))
            if template is None or choice not in SUBSCRIBE_ANSWERS:
                return jsonify(
                    {
                        "errMsg": "requestSubscribeMessage:fail No template data return, "
                        "verify the template id exist",
                        "errCode": 20001,
                    }
                )
            key = (openid, template.id)
            if choice == "accept":
                if template.kind == "long_term":
                    s.long_term.add(key)
                else:
                    s.consents[key] = s.consents.get(key, 0) + 1
            elif template.kind == "long_term":
                s.long_term.discard(key)
            answer[template.id] = choice
    return jsonify(answer)


@control.get("/consents")
def consents():
    """One-time consents left per template for ``?openid=`` (long-term ones as "long_term")."""
    openid = request.args.get("openid", "")
    s = state()
    with s.lock:
        left = {t: n for (o, t), n in s.consents.items() if o == openid}
        left.update({t: "long_term" for (o, t) in s.long_term if o == openid})
    return jsonify(left)


@control.get("/messages")
def messages():
    openid = request.args.get("openid")
    s = state()
    with s.lock:
        found = [m for m in s.messages if not openid or m["touser"] == openid]
    return jsonify(found)


@control.post("/failures")
def failures():
    """Make the next ``count`` calls of ``api`` fail with ``errcode`` (default -1, busy)."""
    body = _body()
    s = state()
    with s.lock:
        s.failures[str(body.get("api", "subscribe"))] = [
            int(body.get("count", 1)),
            int(body.get("errcode", SYSTEM_BUSY)),
        ]
    return jsonify({"ok": True})


@control.post("/reset")
def reset():
    state().reset()
    current_app.extensions["fake_wechat_pay"].reset()
    return jsonify({"ok": True})


@control.get("/stats")
def stats():
    s = state()
    with s.lock:
        return jsonify({"token_requests": s.token_requests, "messages": len(s.messages)})


# --- the H5 simulator ------------------------------------------------------------------------

simulator = Blueprint("simulator", __name__)
SIMULATOR_DIR = os.path.join(os.path.dirname(__file__), "simulator")


@simulator.get("/simulator/config.js")
def simulator_config():
    body = "window.LINLI = " + current_app.json.dumps(
        {"apiBase": current_app.config["SIMULATOR_API_BASE"]}
    )
    return current_app.response_class(body + ";\n", mimetype="application/javascript")


@simulator.get("/simulator/")
@simulator.get("/simulator/<path:name>")
def simulator_file(name: str = "index.html"):
    return send_from_directory(SIMULATOR_DIR, name)


@simulator.get("/")
def home():
    return redirect("/simulator/")


def create_app(
    appid: str = "wxlinlidemo0000001",
    secret: str = "linli-demo-secret",
    simulator_api_base: str = "http://127.0.0.1:5000/api/v1",
    templates_file: str | None = None,
    mch_id: str = "1900000109",
    pay_key: str = "linlidemopaykey00000000000000000",
) -> Flask:
    """The fake WeChat server (and the H5 simulator's static files at ``/simulator/``).

    ``templates_file`` is the backend's templates file (its default when None).
    """
    app = Flask(__name__, static_folder=None)
    app.json.ensure_ascii = False
    app.extensions["fake_wechat"] = FakeWeChatState(
        appid=appid, secret=secret, templates=read_templates(templates_file)
    )
    app.config["SIMULATOR_API_BASE"] = simulator_api_base
    for blueprint in (wechat_api, control, simulator):
        app.register_blueprint(blueprint)
    # WeChat Pay (merchant side) lives in its own module, with its own state
    from miniapp_mock import wechat_pay

    wechat_pay.install(app, appid, mch_id, pay_key)
    return app
