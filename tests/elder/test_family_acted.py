"""The asker is told when the family member she asked acts (请家人帮忙): a follow-up, an
urge or a rating on her ticket, the online payment of her bill. One message per act,
through the outbox, with her consent like every message; it opens her ticket or her bills."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from backend.authz.roles import StaffRole
from backend.core.db import commit
from backend.core.outbox import OutboxCommand
from backend.notify.models import DeliveryStatus, Notification
from backend.notify.services import template_of
from backend.tickets import services as tickets
from backend.tickets.services import Actor
from tests.elder.test_family_ticket import _asked
from tests.factories import BillFactory, FeeItemFactory, StaffFactory
from tests.fees.conftest import notify, pay
from tests.helpers import bearer, subscribe


def _told(db, asker) -> list[Notification]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(Notification)
            .where(Notification.resident_id == asker.id, Notification.kind == "family_acted")
            .order_by(Notification.id)
        )
    )


def _commands(db, notification: Notification) -> list[OutboxCommand]:
    return list(
        db.session.scalars(
            sa.select(OutboxCommand).where(OutboxCommand.key.like(f"notify:{notification.id}:%"))
        )
    )


def test_a_follow_up_sends_the_asker_one_wechat_message_opening_her_ticket(client, db, fake_wechat):
    _unit, elder, son, _tenant, ticket_id = _asked(client, db)
    subscribe(fake_wechat, elder, {template_of("family_acted").id: "accept"})

    resp = client.post(
        f"/api/v1/me/family-tickets/{ticket_id}/follow-ups",
        json={"note": "师傅下午三点后家里有人"},
        headers=bearer(son),
    )
    assert resp.status_code == 200, resp.json

    [message] = _told(db, elder)
    assert message.page == f"pages/tickets/detail?id={ticket_id}"
    assert message.status == DeliveryStatus.sent
    [command] = _commands(db, message)
    assert command.key == f"notify:{message.id}:0" and command.state.value == "done"
    [sent] = fake_wechat.messages(elder.openid)
    assert sent["template_id"] == "tmpl-family-acted"
    assert sent["page"] == f"pages/tickets/detail?id={ticket_id}"
    assert sent["data"]["thing1"]["value"] == "张伟"
    assert sent["data"]["thing2"]["value"].startswith("代为补充说明")
    assert sent["data"]["thing3"]["value"].startswith("户内报修：厨房水龙头漏水")
    # the family member is told nothing of his own act
    assert _told(db, son) == []


def test_without_a_consent_the_asker_finds_it_in_the_message_center_only(client, db, fake_wechat):
    _unit, elder, son, _tenant, ticket_id = _asked(client, db)
    resp = client.post(f"/api/v1/me/family-tickets/{ticket_id}/urge", headers=bearer(son))
    assert resp.status_code == 200, resp.json
    [message] = _told(db, elder)
    assert message.status == DeliveryStatus.app_only
    assert message.data["thing2"]["value"].startswith("代为催办")
    assert _commands(db, message) == []
    assert fake_wechat.messages(elder.openid) == []


def test_each_act_is_one_message_and_a_refused_act_is_none(client, db, fake_wechat):
    unit, elder, son, _tenant, ticket_id = _asked(client, db)
    urge = f"/api/v1/me/family-tickets/{ticket_id}/urge"
    assert client.post(urge, headers=bearer(son)).status_code == 200
    # too soon: refused, and nothing is sent
    assert client.post(urge, headers=bearer(son)).status_code == 409
    assert [m.data["thing2"]["value"] for m in _told(db, elder)] == ["代为催办，已提醒物业尽快处理"]

    ticket = tickets.resident_ticket(elder, ticket_id)
    desk = StaffFactory(role=StaffRole.service_desk, company=unit.estate.company)
    tech = StaffFactory(role=StaffRole.technician, company=unit.estate.company)
    tickets.accept_and_assign(desk, ticket, tech.id)
    tickets.apply(Actor(staff=tech), ticket, "resolve", note="已更换阀芯")
    commit()
    rating = f"/api/v1/me/family-tickets/{ticket_id}/rating"
    assert client.post(rating, json={"score": 4}, headers=bearer(son)).status_code == 200
    assert client.post(rating, json={"score": 5}, headers=bearer(son)).status_code == 409
    acts = [m.data["thing2"]["value"] for m in _told(db, elder)]
    assert acts == ["代为催办，已提醒物业尽快处理", "代为评价：4 星"]


def test_the_family_member_paying_the_bill_tells_the_asker_once(client, db, fake_wechat):
    unit, elder, son, _tenant, _ticket_id = _asked(client, db)
    item = FeeItemFactory(estate=unit.estate, name="物业服务费")
    bill = BillFactory(unit=unit, fee_item=item, period=date(2026, 12, 1))
    other = BillFactory(unit=unit, fee_item=item, period=date(2026, 11, 1))
    asked = client.post(
        "/api/v1/me/help-requests", json={"bill_id": bill.id}, headers=bearer(elder)
    )
    assert asked.status_code == 201, asked.json
    subscribe(fake_wechat, elder, {template_of("family_acted").id: "accept"})

    order = pay(client, bearer(son), [bill.id, other.id])
    assert order.status_code == 201, order.json
    xml = fake_wechat.complete_payment(order.json["out_trade_no"])["xml"]
    assert notify(client, xml).status_code == 200
    # WeChat Pay repeats its notification: the bill is credited once, the asker told once
    assert notify(client, xml).status_code == 200

    [message] = _told(db, elder)
    assert message.page == "pages/fees/bills" and message.status == DeliveryStatus.sent
    assert message.data["thing2"]["value"] == "已代缴这张账单"
    assert message.data["thing3"]["value"] == "缴2026年12月物业服务费"
    [sent] = fake_wechat.messages(elder.openid)
    assert sent["template_id"] == "tmpl-family-acted" and sent["page"] == "pages/fees/bills"


def test_paying_her_own_bill_tells_the_asker_nothing_more(client, db, fake_wechat):
    unit, elder, _son, _tenant, _ticket_id = _asked(client, db)
    item = FeeItemFactory(estate=unit.estate, name="物业服务费")
    bill = BillFactory(unit=unit, fee_item=item, period=date(2026, 12, 1))
    client.post("/api/v1/me/help-requests", json={"bill_id": bill.id}, headers=bearer(elder))
    order = pay(client, bearer(elder), [bill.id])
    assert order.status_code == 201, order.json
    notify(client, fake_wechat.complete_payment(order.json["out_trade_no"])["xml"])
    assert _told(db, elder) == []
