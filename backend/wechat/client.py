"""The wechatpy client of the mini-app, its access token cached in Redis by wechatpy."""

from __future__ import annotations

import requests
from flask import current_app
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.redisstorage import RedisStorage

from backend.extensions import redis_store


class WeChatError(Exception):
    """WeChat refused a call or could not be reached."""

    def __init__(self, message: str, errcode: int | None = None):
        super().__init__(message)
        self.errcode = errcode


class MiniAppClient(WeChatClient):
    """wechatpy's client with every endpoint under ``api_base`` (real WeChat or the fake)."""

    def __init__(self, appid: str, secret: str, api_base: str, **kwargs):
        super().__init__(appid, secret, **kwargs)
        base = api_base.rstrip("/")
        self.API_BASE_URL = f"{base}/cgi-bin/"
        self.wxa.API_BASE_URL = f"{base}/"
        self._token_url = f"{base}/cgi-bin/token"

    def fetch_access_token(self):
        return self._fetch_access_token(
            url=self._token_url,
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


def get_client() -> MiniAppClient:
    """The app's client, made once per app (wechatpy keeps the token in Redis)."""
    client = current_app.extensions.get("linli_wechat")
    if client is None:
        cfg = current_app.config
        client = MiniAppClient(
            cfg["WECHAT_APPID"],
            cfg["WECHAT_SECRET"],
            cfg["WECHAT_API_BASE"],
            session=RedisStorage(redis_store.client, prefix="wechatpy"),
            timeout=cfg["WECHAT_TIMEOUT"],
        )
        current_app.extensions["linli_wechat"] = client
    return client


def _call(fn, *args, **kwargs) -> dict:
    try:
        return fn(*args, **kwargs)
    except WeChatClientException as exc:
        raise WeChatError(f"{exc.errcode}: {exc.errmsg}", exc.errcode) from exc
    except requests.RequestException as exc:
        # never the exception's text: it holds the request URL, and the token URL holds
        # the app secret; this message is logged and stored with the delivery attempt
        raise WeChatError(f"network: {exc.__class__.__name__}") from exc


def code_to_session(code: str) -> dict:
    """Exchange a ``wx.login`` code for ``{openid, session_key, unionid?}`` (code2session)."""
    return _call(get_client().wxa.code_to_session, code)


def send_subscribe_message(openid: str, template_id: str, data: dict, page: str = "") -> dict:
    """Send a mini-app subscribe message (订阅消息) to ``openid``."""
    return _call(
        get_client().wxa.send_subscribe_message, openid, template_id, data, page=page or None
    )
