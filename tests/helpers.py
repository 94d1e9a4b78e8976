"""Small helpers shared by tests."""

from __future__ import annotations

from backend.authz.tokens import issue_token


def bearer(resident) -> dict:
    """Headers that sign a request in as ``resident``."""
    token, _ = issue_token(resident)
    return {"Authorization": f"Bearer {token}"}


def subscribe(fake_wechat, resident, choices: dict[str, str]) -> dict:
    """The resident answers ``wx.requestSubscribeMessage`` as the mini-app does: WeChat
    records the choices, and the mini-app reports WeChat's answer to the backend."""
    from backend.core.db import commit
    from backend.notify.services import record_subscription_answers

    answer = fake_wechat.subscribe(resident.openid, choices)
    record_subscription_answers(resident.id, {k: v for k, v in answer.items() if k != "errMsg"})
    commit()
    return answer
