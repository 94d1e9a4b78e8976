"""督办 orders: an officer orders, the company answers; both on the ticket's timeline as
the resident sees it, the resident is told of the answer, a missed deadline is marked
once, written to the credit record and shown on the dashboard."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from backend.core.db import commit
from backend.core.errors import Conflict, Forbidden, Invalid, NotFound
from backend.supervision import dashboard, orders
from backend.supervision.dashboard import Filter
from backend.supervision.models import CreditRecord, CreditSource, OrderStatus
from backend.tickets import services
from backend.tickets.models import TicketKind
from backend.tickets.services import Actor
from tests.factories import StaffFactory
from tests.helpers import bearer, subscribe
from tests.supervision.conftest import T0

H = timedelta(hours=1)


def _order(world, hours=48):
    ticket = world.ticket(kind=TicketKind.complaint, now=T0)
    order = orders.issue_order(
        world.street, ticket.id, "请三日内修复并回复业主", T0 + hours * H, now=T0 + H
    )
    return ticket, order


def test_order_and_answer_are_on_the_residents_timeline(client, world, clock, fake_wechat):
    ticket, order = _order(world)
    commit()
    subscribe(fake_wechat, world.resident, {"tmpl-supervision-answered": "accept"})

    orders.answer_order(world.desk, order.id, "已安排师傅明天上门", now=T0 + 5 * H)
    commit()

    resp = client.get(f"/api/v1/me/tickets/{ticket.id}", headers=bearer(world.resident))
    assert resp.status_code == 200
    events = {e["action"]: e for e in resp.json["timeline"]}
    assert events["supervision_order"]["action_label"] == "街道督办"
    assert events["supervision_order"]["actor"] == "街道工作人员"
    assert "请三日内修复并回复业主" in events["supervision_order"]["note"]
    assert events["supervision_answer"]["action_label"] == "物业回复督办"
    assert events["supervision_answer"]["note"] == "已安排师傅明天上门"
    assert events["created"]["action_label"] == "提交"
    sent = fake_wechat.messages(world.resident.openid)
    assert [m["template_id"] for m in sent] == ["tmpl-supervision-answered"]
    assert sent[0]["data"]["thing2"]["value"] == "已安排师傅明天上门"
    assert services.db.session.get(type(order), order.id).status == OrderStatus.answered


def test_a_company_answers_once_and_only_its_own_orders(world, other, clock):
    _, order = _order(world)
    with pytest.raises(NotFound):
        orders.answer_order(other.desk, order.id, "不是我们的")
    with pytest.raises(Forbidden):
        orders.answer_order(world.tech, order.id, "师傅不能回复督办")
    orders.answer_order(world.admin, order.id, "已处理")
    with pytest.raises(Conflict):
        orders.answer_order(world.desk, order.id, "再回复一次")


def test_only_officers_in_scope_order(world, other, clock):
    ticket = world.ticket(now=T0)
    with pytest.raises(NotFound):
        orders.issue_order(other.street, ticket.id, "越界", T0 + 48 * H, now=T0)
    with pytest.raises(Forbidden):
        orders.issue_order(world.desk, ticket.id, "物业不能督办", T0 + 48 * H, now=T0)
    with pytest.raises(Invalid):
        orders.issue_order(world.street, ticket.id, "期限已过", T0 - H, now=T0)
    with pytest.raises(Invalid):
        orders.issue_order(world.street, ticket.id, "  ", T0 + H, now=T0)
    with pytest.raises(Invalid):
        orders.issue_order(world.street, ticket.id, "含\x00控制符", T0 + H, now=T0)


def test_a_missed_deadline_is_marked_once_with_a_credit_entry(world, clock):
    ticket, order = _order(world, hours=24)

    assert orders.mark_missed(T0 + 24 * H) == 0  # exactly at the deadline: not yet
    assert orders.mark_missed(T0 + 25 * H) == 1
    assert orders.mark_missed(T0 + 26 * H) == 0

    assert order.status == OrderStatus.missed
    entries = services.db.session.scalars(sa.select(CreditRecord)).all()
    assert [(e.source, e.points, e.company_id) for e in entries] == [
        (CreditSource.supervision_missed, -10, world.estate.company_id)
    ]
    assert [e.action for e in ticket.events][-1] == "supervision_missed"
    nov = Filter(date(2026, 11, 1), date(2026, 11, 30))
    assert [o.id for o in dashboard.missed_orders(world.street, nov)] == [order.id]
    # a late answer is still taken, and stays marked late
    orders.answer_order(world.desk, order.id, "抱歉，已处理", now=T0 + 30 * H)
    assert order.status == OrderStatus.answered_late
    assert [o.id for o in dashboard.missed_orders(world.street, nov)] == [order.id]


def test_orders_are_listed_by_scope(world, other, clock):
    _, order = _order(world)
    assert [o.id for o in services.db.session.scalars(orders.orders_query(world.street))] == [
        order.id
    ]
    assert services.db.session.scalars(orders.orders_query(other.street)).all() == []
    assert services.db.session.scalars(orders.orders_query(other.desk)).all() == []
    # the company's desk sees the order it must answer
    assert [o.id for o in services.db.session.scalars(orders.orders_query(world.desk))] == [
        order.id
    ]
    with pytest.raises(NotFound):
        orders.order_for(other.street, order.id)
    bureau = StaffFactory(role=world.street.role.__class__.bureau_officer, district="西湖区")
    assert orders.order_for(bureau, order.id) == order


def test_a_closed_ticket_is_not_ordered(world, clock):
    ticket = world.ticket(now=T0)
    services.apply(Actor(staff=world.desk), ticket, "reject", note="重复提交", now=T0 + H)
    with pytest.raises(Conflict):
        orders.issue_order(world.street, ticket.id, "督办", T0 + 48 * H, now=T0 + 2 * H)


# --- the officer's review: accept, or send back with a reason (issue 19) ----------------------


def _todo(staff) -> dict[str, int]:
    from backend.supervision.filings import todo

    return {item.label: item.count for item in todo(staff)}


def test_the_officer_accepts_an_answer_and_the_order_is_done(app, world, clock):
    ticket, order = _order(world)
    orders.answer_order(world.desk, order.id, "已修复", now=T0 + 5 * H)
    with app.test_request_context():
        assert _todo(world.street).get("待审核督办回复") == 1
        assert "待回复督办（含退回重办）" not in _todo(world.desk)
    orders.accept_answer(world.street, order.id, "处理及时", now=T0 + 6 * H)
    assert order.status == OrderStatus.accepted and order.review_note == "处理及时"
    assert order.reviewed_by_id == world.street.id
    assert [e.action for e in ticket.events][-1] == "supervision_accept"
    with app.test_request_context():
        assert "待审核督办回复" not in _todo(world.street)
    # reviewed once: a second review is refused
    with pytest.raises(Conflict):
        orders.accept_answer(world.street, order.id, now=T0 + 7 * H)
    with pytest.raises(Conflict):
        orders.return_answer(world.street, order.id, "再退回", T0 + 99 * H, now=T0 + 7 * H)


def test_a_sent_back_answer_goes_back_on_the_companys_to_do_with_its_reason(app, world, clock):
    ticket, order = _order(world)
    orders.answer_order(world.desk, order.id, "已联系", now=T0 + 5 * H)
    with pytest.raises(Invalid):
        orders.return_answer(world.street, order.id, " ", T0 + 72 * H, now=T0 + 6 * H)
    with pytest.raises(Invalid):
        orders.return_answer(world.street, order.id, "未说明结果", T0 + 5 * H, now=T0 + 6 * H)
    orders.return_answer(world.street, order.id, "未说明结果", T0 + 72 * H, now=T0 + 6 * H)
    assert order.status == OrderStatus.returned and order.deadline == T0 + 72 * H
    assert order.review_note == "未说明结果"
    last = ticket.events[-1]
    assert last.action == "supervision_return" and "未说明结果" in last.note
    with app.test_request_context():
        assert _todo(world.desk).get("待回复督办（含退回重办）") == 1
        assert "待审核督办回复" not in _todo(world.street)
    # the company answers again, on time; the officer accepts
    orders.answer_order(world.desk, order.id, "已修复并回访业主", now=T0 + 30 * H)
    assert order.status == OrderStatus.answered and order.answer == "已修复并回访业主"
    orders.accept_answer(world.street, order.id, now=T0 + 31 * H)
    assert order.status == OrderStatus.accepted
    answers = [e.note for e in ticket.events if e.action == "supervision_answer"]
    assert answers == ["已联系", "已修复并回访业主"]


def test_a_sent_back_order_past_its_new_deadline_is_missed_and_answered_late(world, clock):
    _, order = _order(world)
    orders.answer_order(world.desk, order.id, "已联系", now=T0 + 5 * H)
    orders.return_answer(world.street, order.id, "请补充照片", T0 + 24 * H, now=T0 + 6 * H)
    assert orders.mark_missed(T0 + 25 * H) == 1 and order.status == OrderStatus.missed
    orders.answer_order(world.desk, order.id, "补充照片", now=T0 + 26 * H)
    assert order.status == OrderStatus.answered_late


def test_only_an_officer_in_scope_reviews(world, other, clock):
    _, order = _order(world)
    with pytest.raises(Conflict):  # nothing answered yet
        orders.accept_answer(world.street, order.id, now=T0 + 2 * H)
    orders.answer_order(world.desk, order.id, "已处理", now=T0 + 5 * H)
    with pytest.raises(NotFound):
        orders.accept_answer(other.street, order.id, now=T0 + 6 * H)
    with pytest.raises(Forbidden):
        orders.accept_answer(world.desk, order.id, now=T0 + 6 * H)
