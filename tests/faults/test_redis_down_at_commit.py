"""Redis down when a change commits: once it is back (empty, as after a restart without
persistence), every committed change's side effects run exactly once.

The changes: bills generated, a payment notified by WeChat Pay (credit and receipt), a
ticket submitted with photos and accepted, a vote announced. Their commands wait in the
transactional outbox; the operator's ``flask --app backend outbox drain`` runs them after
the outage (the clock's sweep does the same unattended: ``test_redis_outage.py`` shows the
worker and the clock riding out the outage), and a second drain finds nothing to do.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from backend.accounts.models import StaffRole
from backend.core.db import commit
from backend.core.outbox import CommandState, OutboxCommand
from backend.fees.models import Payment
from backend.fees.services import generate_bills
from backend.media.models import Photo
from backend.notify.models import Notification
from backend.tickets import services
from backend.tickets.models import Ticket, TicketEvent
from backend.tickets.services import Actor
from backend.votes import motions
from tests.factories import BuildingFactory, EstateFactory, ResidencyFactory, StaffFactory
from tests.fees.conftest import bill_status, notify, pay
from tests.helpers import bearer, subscribe
from tests.media.conftest import jpeg, upload
from tests.votes.conftest import T0, VoteWorld


@pytest.fixture
def redis_outage(app, redis_server, monkeypatch):
    """``redis_outage()`` stops the app's Redis (the test's own server, the app's queue
    until then) and returns ``back()``, which restarts it empty."""
    monkeypatch.setitem(app.extensions, "linli_redis", redis_server.client())
    monkeypatch.setitem(app.config, "JOBS_INLINE", False)

    def stop():
        redis_server.stop()

        def back() -> None:
            redis_server.start()
            assert redis_server.client().dbsize() == 0
            monkeypatch.setitem(app.extensions, "linli_redis", redis_server.client())
            monkeypatch.setitem(app.config, "JOBS_INLINE", True)

        return back

    return stop


@pytest.fixture
def bring_redis_back(redis_outage):
    """Redis stops at once; calling the fixture restarts it empty."""
    return redis_outage()


def test_bills_made_while_redis_is_down_are_announced_once_when_it_is_back(
    app, db, home, bring_redis_back
):
    assert generate_bills(home.unit.estate_id, date(2027, 1, 1)).created >= 1
    commit()  # the bill-issued job cannot be queued now

    bring_redis_back()
    runner = app.test_cli_runner()
    for _ in range(2):  # after the outage, and again: nothing twice
        result = runner.invoke(args=["outbox", "drain"])
        assert result.exit_code == 0, result.output

    db.session.rollback()
    told = db.session.scalars(
        sa.select(Notification.resident_id).where(Notification.kind == "bill_issued")
    ).all()
    assert told == [home.resident.id]


def _drain_twice(app) -> None:
    """The operator's drain after the outage, and again: the second runs nothing."""
    runner = app.test_cli_runner()
    ran = []
    for _ in range(2):
        result = runner.invoke(args=["outbox", "drain"])
        assert result.exit_code == 0, result.output
        ran.append(result.output)
    assert ran[1].startswith("已执行 0 个任务"), ran


def _waiting(db) -> int:
    """Outbox commands pending (what the outage left for later)."""
    db.session.rollback()
    return db.session.scalar(
        sa.select(sa.func.count()).where(OutboxCommand.state == CommandState.pending)
    )


def _told(db, kind: str) -> list[tuple[int, str]]:
    db.session.rollback()
    return [
        (n.resident_id, n.status.value)
        for n in db.session.scalars(
            sa.select(Notification).where(Notification.kind == kind).order_by(Notification.id)
        )
    ]


def test_a_payment_notified_while_redis_is_down_credits_once_and_sends_one_receipt(
    app, db, client, home, fake_wechat, redis_outage
):
    subscribe(fake_wechat, home.resident, {"tmpl-payment-received": "accept"})
    order = pay(client, home.headers, [b.id for b in home.bills])
    assert order.status_code == 201, order.json
    xml = fake_wechat.complete_payment(order.json["out_trade_no"], deliver=False)["xml"]
    commit()

    bring_redis_back = redis_outage()  # Redis stops now
    answer = notify(client, xml)  # WeChat Pay's notification: credited, receipt in the outbox
    assert answer.status_code == 200 and "SUCCESS" in answer.text, answer.text
    assert fake_wechat.messages(home.resident.openid) == []
    assert _waiting(db) >= 1

    bring_redis_back()
    _drain_twice(app)
    assert "SUCCESS" in notify(client, xml).text  # WeChat Pay notifies again: nothing new
    _drain_twice(app)

    assert _told(db, "payment_received") == [(home.resident.id, "sent")]
    sent = fake_wechat.messages(home.resident.openid)
    assert [m["template_id"] for m in sent] == ["tmpl-payment-received"]
    payments = db.session.scalars(sa.select(Payment)).all()
    assert [p.amount_fen for p in payments] == [home.total]
    assert {bill_status(db, b.id) for b in home.bills} == {"paid"}


def test_a_ticket_with_photos_and_its_acceptance_while_redis_is_down_are_told_once(
    app, db, client, fake_wechat, redis_outage
):
    residency = ResidencyFactory()
    resident = residency.resident
    desk = StaffFactory(role=StaffRole.service_desk, company=residency.unit.building.estate.company)
    subscribe(fake_wechat, resident, {"tmpl-ticket-status": "accept"})
    headers = {**bearer(resident), "Idempotency-Key": "ticket-during-outage"}

    bring_redis_back = redis_outage()
    photos = [
        upload(client, bearer(resident), jpeg((120, 90), color=(n * 60, 90, 30))).json["id"]
        for n in range(3)
    ]
    body = {
        "kind": "home_repair",
        "urgency": "urgent",
        "unit_id": residency.unit_id,
        "description": "卫生间漏水到楼下",
        "photo_ids": photos,
    }
    first = client.post("/api/v1/tickets", json=body, headers=headers)
    again = client.post("/api/v1/tickets", json=body, headers=headers)  # a retry: the same
    assert (first.status_code, again.status_code) == (201, 201), (first.json, again.json)
    assert first.json["id"] == again.json["id"]
    ticket = db.session.get(Ticket, first.json["id"])
    services.apply(Actor(staff=desk), ticket, "accept")  # 已受理: the resident is told
    commit()
    assert fake_wechat.messages(resident.openid) == [] and _waiting(db) >= 1

    bring_redis_back()
    _drain_twice(app)

    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Ticket.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(Photo.id))) == 3
    created = db.session.scalars(
        sa.select(TicketEvent).where(TicketEvent.action == "created")
    ).all()
    assert len(created) == 1 and len(created[0].photos) == 3
    assert _told(db, "ticket_status_changed") == [(resident.id, "sent")]
    sent = fake_wechat.messages(resident.openid)
    assert [m["template_id"] for m in sent] == ["tmpl-ticket-status"]


def test_a_vote_announced_while_redis_is_down_is_told_to_each_owner_once(
    app, db, fake_wechat, redis_outage
):
    world = VoteWorld(
        estate=(estate := EstateFactory()),
        committee=StaffFactory(role=StaffRole.committee_member, estate=estate),
        street=StaffFactory(role=StaffRole.street_officer, street_id=estate.street_id),
        building=BuildingFactory(estate=estate, name="1幢"),
    )
    owners = [world.owner(world.unit("90.00", [name])) for name in ("甲", "乙")]
    for owner in owners:
        subscribe(fake_wechat, owner, {"tmpl-vote-announced": "accept"})
    motion = world.motion()

    bring_redis_back = redis_outage()
    motions.announce(world.committee, motion, now=T0 - timedelta(days=16))
    commit()
    assert fake_wechat.messages(owners[0].openid) == [] and _waiting(db) >= 1

    bring_redis_back()
    _drain_twice(app)

    assert sorted(_told(db, "vote_announced")) == sorted((o.id, "sent") for o in owners)
    for owner in owners:
        sent = fake_wechat.messages(owner.openid)
        assert [m["template_id"] for m in sent] == ["tmpl-vote-announced"], owner.id
