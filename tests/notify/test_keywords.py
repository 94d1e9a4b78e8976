"""Typed keyword helpers: every value fits WeChat's rule for its type, at the limits.

The fake WeChat server holds WeChat's rules (``keyword_error``); a value a helper makes is
never refused by it (47003), and neither is a whole message at the limits.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from backend.core.db import commit
from backend.notify import keywords as kw
from backend.notify import notify_resident
from backend.notify.models import DeliveryAttempt, DeliveryStatus, Notification
from miniapp_mock.wechat_server import keyword_error
from tests.factories import ResidentFactory
from tests.helpers import subscribe

TWENTY = "一二三四五六七八九十一二三四五六七八九十"


def _accepted(kind: str, value: dict) -> str:
    assert keyword_error(kind, value["value"]) is None, value
    return value["value"]


def test_thing_of_exactly_20_characters_is_kept():
    assert _accepted("thing", kw.thing(TWENTY)) == TWENTY


def test_thing_of_21_characters_ends_in_an_ellipsis_at_20():
    value = _accepted("thing", kw.thing(TWENTY + "多"))
    assert len(value) == 20
    assert value == TWENTY[:19] + "…"


def test_a_40_character_ticket_title_becomes_20_characters():
    assert len(_accepted("thing", kw.thing("楼道灯不亮" * 8))) == 20


def test_thing_is_one_line_and_never_empty():
    assert _accepted("thing", kw.thing("  a\n\tb\x00c ")) == "a b c"
    assert _accepted("thing", kw.thing("")) == "无"


def test_phrase_of_5_is_kept_and_6_is_cut():
    assert _accepted("phrase", kw.phrase("已经受理了")) == "已经受理了"
    assert _accepted("phrase", kw.phrase("已经受理完毕")) == "已经受理完"
    assert _accepted("phrase", kw.phrase("业主 (owner)")) == "业主"
    with pytest.raises(ValueError):
        kw.phrase("OK")


def test_character_string_of_32_is_kept_33_cut_and_chinese_dropped():
    assert _accepted("character_string", kw.character_string("A" * 32)) == "A" * 32
    assert _accepted("character_string", kw.character_string("B" * 33)) == "B" * 32
    assert _accepted("character_string", kw.character_string("工单T-2026-0001")) == "T-2026-0001"


@pytest.mark.parametrize(
    ("fen", "shown"),
    [
        (0, "¥0.00"),
        (5, "¥0.05"),
        (123450, "¥1,234.50"),
        (99999999999, "¥999,999,999.99"),
    ],
)
def test_amount_from_integer_fen(fen, shown):
    assert _accepted("amount", kw.amount(fen)) == shown


def test_amount_refuses_floats_and_negative_fen():
    with pytest.raises(ValueError):
        kw.amount(12.5)
    with pytest.raises(ValueError):
        kw.amount(-1)


def test_number():
    assert _accepted("number", kw.number(42)) == "42"
    assert _accepted("number", kw.number(Decimal("89.50"))) == "89.50"
    with pytest.raises(TypeError):
        kw.number(1.5)


def test_date_and_time_in_shanghai():
    moment = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 January in Shanghai
    assert _accepted("date", kw.date(date(2026, 2, 28))) == "2026年2月28日"
    assert _accepted("date", kw.date(moment)) == "2027年1月1日"
    assert _accepted("time", kw.time(moment)) == "2027年1月1日 00:30"


def test_phone_number_at_17():
    assert _accepted("phone_number", kw.phone_number("0571-8888 6666")) == "0571-88886666"
    assert len(_accepted("phone_number", kw.phone_number("+86 " + "1" * 20))) == 17


def test_car_number():
    assert _accepted("car_number", kw.car_number("浙A·12345")) == "浙A12345"
    assert _accepted("car_number", kw.car_number("浙a12345d")) == "浙A12345D"
    with pytest.raises(ValueError):
        kw.car_number("浙A1234567")


def test_name_of_10_chinese_characters_or_20_letters():
    assert _accepted("name", kw.name("张伟")) == "张伟"
    assert _accepted("name", kw.name("一二三四五六七八九十百")) == "一二三四五六七八九十"
    assert _accepted("name", kw.name("买买提·艾力")) == "买买提·艾力"
    assert len(_accepted("name", kw.name("Alexander Maximilian Smith"))) <= 20


def test_the_fake_server_refuses_what_wechat_refuses():
    assert keyword_error("thing", TWENTY + "多") is not None
    assert keyword_error("phrase", "已经受理完毕") is not None
    assert keyword_error("character_string", "工单1") is not None
    assert keyword_error("amount", "1234.5元") is None
    assert keyword_error("amount", "一千元") is not None
    assert keyword_error("time", "明天") is not None
    assert keyword_error("name", "张" * 11) is not None


@pytest.mark.parametrize(
    ("title", "status_label"),
    [
        (TWENTY, "已经受理了"),  # exactly at the limits
        (TWENTY + "多", "已经受理完毕"),  # one over each limit
        ("楼道灯不亮" * 8, "处理中"),
    ],
)
def test_messages_at_the_limits_are_never_refused_by_wechat(db, fake_wechat, title, status_label):
    resident = ResidentFactory()
    subscribe(fake_wechat, resident, {"tmpl-ticket-status": "accept"})

    notification = notify_resident(
        resident.id,
        "ticket_status_changed",
        ticket_id=7,
        ticket_no="T20261130-0007",
        title=title,
        status_label=status_label,
        at=datetime(2026, 11, 30, 10, 0, tzinfo=UTC),
        note="x" * 50,
    )
    commit()

    db.session.expire_all()
    assert db.session.get(Notification, notification.id).status == DeliveryStatus.sent
    assert db.session.scalars(sa.select(DeliveryAttempt.errcode)).all() == [None]
    [message] = fake_wechat.messages(resident.openid)
    assert len(message["data"]["thing2"]["value"]) <= 20
    assert message["page"] == "pages/tickets/detail?id=7"


def test_every_event_builds_a_message_wechat_accepts(db, fake_wechat):
    """One message per event, each sent against a consent: none is refused (47003, 41030)."""
    from backend.notify.messages import EVENTS
    from backend.notify.services import template_of

    at = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    facts = {
        "binding_approved": dict(
            estate_name="翠苑一区", unit_label="3幢1502", role_label="业主", at=at
        ),
        "ticket_status_changed": dict(
            ticket_id=1, ticket_no="T1", title="漏水", status_label="已受理", at=at
        ),
        "bill_issued": dict(
            unit_label="3幢1502", item_name="物业费", amount_fen=1, due_on=date(2026, 12, 1)
        ),
        "payment_received": dict(
            payment_id=1, unit_label="3幢1502", amount_fen=100, receipt_no="R-1", at=at
        ),
        "payment_refunded": dict(payment_id=1, amount_fen=100, reason="订单已关闭", at=at),
        "fee_reminder": dict(
            unit_label="3幢1502", amount_fen=100, period="2026年", phone="0571-88886666"
        ),
        "vote_announced": dict(
            motion_id=1,
            title="增设充电桩",
            estate_name="翠苑一区",
            opens_on=date(2026, 12, 15),
            closes_on=date(2026, 12, 30),
        ),
        "vote_closing": dict(motion_id=1, title="增设充电桩", closes_at=at),
        "vote_result": dict(motion_id=1, title="增设充电桩", passed=False, summary="参与不足"),
        "survey_opened": dict(
            survey_id=1, title="年度物业服务满意度测评", estate_name="嘉绿景苑", closes_on=at.date()
        ),
        "survey_closing": dict(survey_id=1, title="年度物业服务满意度测评", closes_at=at),
        "must_read_notice": dict(
            notice_id=1, title="停水通知", publisher="杭州某某物业服务有限公司", published_at=at
        ),
        "supervision_answered": dict(
            ticket_id=1, ticket_no="T1", answer="已安排维修", answered_by="李经理", at=at
        ),
        "fund_use_progress": dict(
            use_id=1,
            event_id=2,
            title="7、8 幢屋面防水层翻修",
            progress="审核退回",
            note="预算依据不足，请补充报价单",
            at=at,
        ),
        "family_help": dict(
            requester="冯淑芬",
            unit_label="3幢1502",
            matter="缴2026年12月物业服务费",
            at=at,
            bill_id=1,
        ),
        "family_acted": dict(
            helper="张伟",
            act="代为催办，已提醒物业尽快处理",
            matter="户内报修：厨房水龙头漏水，关不紧一直滴水",
            at=at,
            ticket_id=1,
        ),
    }
    assert set(facts) == set(EVENTS)
    resident = ResidentFactory()
    ids = sorted({template_of(name).id for name in EVENTS})
    for start in range(0, len(ids), 3):
        subscribe(fake_wechat, resident, dict.fromkeys(ids[start : start + 3], "accept"))

    for name, event_facts in facts.items():
        notify_resident(resident.id, name, **event_facts)
    commit()

    db.session.expire_all()
    statuses = db.session.scalars(sa.select(Notification.status)).all()
    assert statuses == [DeliveryStatus.sent] * len(EVENTS)
    assert len(fake_wechat.messages(resident.openid)) == len(EVENTS)
