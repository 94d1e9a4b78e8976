"""The fake WeChat server answers subscribe/send as WeChat does: consent, ids, page, data."""

from __future__ import annotations

import pytest
import requests

from tests.conftest import APPID, SECRET

OPENID = "o-demo-zhang"
TEMPLATE = "tmpl-vote-result"
DATA = {
    "thing1": {"value": "增设充电桩"},
    "phrase2": {"value": "通过"},
    "thing3": {"value": "同意面积 80%"},
}


@pytest.fixture
def send(fake_wechat, db):
    token = requests.get(
        f"{fake_wechat.url}/cgi-bin/token",
        params={"grant_type": "client_credential", "appid": APPID, "secret": SECRET},
        timeout=5,
    ).json()["access_token"]

    def post(**changes) -> dict:
        body = {"touser": OPENID, "template_id": TEMPLATE, "page": "pages/home/index", "data": DATA}
        body.update(changes)
        return requests.post(
            f"{fake_wechat.url}/cgi-bin/message/subscribe/send",
            params={"access_token": token},
            json=body,
            timeout=5,
        ).json()

    return post


def test_one_accept_allows_one_message_then_43101(fake_wechat, send):
    answer = fake_wechat.subscribe(OPENID, {TEMPLATE: "accept", "tmpl-bill-issued": "reject"})

    assert answer == {
        "errMsg": "requestSubscribeMessage:ok",
        TEMPLATE: "accept",
        "tmpl-bill-issued": "reject",
    }
    assert send()["errcode"] == 0
    assert send()["errcode"] == 43101
    assert len(fake_wechat.messages(OPENID)) == 1


def test_without_consent_43101(fake_wechat, send):
    assert send()["errcode"] == 43101
    assert fake_wechat.messages() == []


@pytest.mark.parametrize(
    ("changes", "errcode"),
    [
        ({"template_id": "tmpl-nonexistent"}, 40037),
        ({"touser": "o-never-seen"}, 40003),
        ({"page": "pages/nowhere/index"}, 41030),
        ({"data": {**DATA, "thing1": {"value": "一" * 21}}}, 47003),
        ({"data": {**DATA, "phrase2": {"value": "通过了吗？"}}}, 47003),
        ({"data": {"thing1": {"value": "缺少字段"}}}, 47003),
    ],
)
def test_refusals_do_not_use_the_consent(fake_wechat, send, changes, errcode):
    fake_wechat.subscribe(OPENID, {TEMPLATE: "accept"})

    assert send(**changes)["errcode"] == errcode
    assert fake_wechat.consents(OPENID) == {TEMPLATE: 1}
    assert send()["errcode"] == 0


def test_a_page_with_a_query_is_valid(fake_wechat, send):
    fake_wechat.subscribe(OPENID, {TEMPLATE: "accept"})
    assert send(page="pages/votes/detail?id=3")["errcode"] == 0


def test_at_most_three_templates_per_ask(fake_wechat, db):
    choices = dict.fromkeys(
        ["tmpl-vote-result", "tmpl-bill-issued", "tmpl-ticket-status", "tmpl-fee-reminder"],
        "accept",
    )
    answer = fake_wechat.subscribe(OPENID, choices)

    assert answer["errCode"] == 20003
    assert fake_wechat.consents(OPENID) == {}


def test_an_unknown_template_is_refused_in_the_ask(fake_wechat, db):
    assert fake_wechat.subscribe(OPENID, {"tmpl-nope": "accept"})["errCode"] == 20001
