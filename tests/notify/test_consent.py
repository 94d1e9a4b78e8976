"""The consent ledger: WeChat is asked only against a resident's remaining consent.

Each 允许 in ``wx.requestSubscribeMessage`` allows one message of that template; without
one the message reaches the in-app message center only. 43101 is a refusal, never retried;
transient errors are retried, then delivered. Every delivery attempt is recorded.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from backend.core.db import commit
from backend.extensions import db
from backend.notify import notify_resident
from backend.notify.models import (
    DeliveryAttempt,
    DeliveryStatus,
    Notification,
    SubscriptionConsent,
)
from backend.notify.services import record_subscription_answers, unread_count
from tests.factories import ResidentFactory
from tests.helpers import subscribe

BILL = "tmpl-bill-issued"


def _bill(resident, amount_fen: int = 123450) -> Notification:
    notification = notify_resident(
        resident.id,
        "bill_issued",
        unit_label="翠苑一区 3幢1502",
        item_name="物业服务费 2026年12月",
        amount_fen=amount_fen,
        due_on=date(2026, 12, 31),
    )
    commit()
    return notification


def _status(notification_id: int) -> DeliveryStatus:
    db.session.expire_all()
    return db.session.get(Notification, notification_id).status


def _remaining(resident, template_id: str = BILL) -> int:
    return db.session.scalar(
        sa.select(SubscriptionConsent.remaining).where(
            SubscriptionConsent.resident_id == resident.id,
            SubscriptionConsent.template_id == template_id,
        )
    )


def test_without_consent_nothing_is_sent_and_the_message_center_has_it(db, fake_wechat):
    resident = ResidentFactory()

    notification = _bill(resident)

    assert _status(notification.id) == DeliveryStatus.app_only
    assert fake_wechat.messages() == []
    assert db.session.scalar(sa.select(sa.func.count(DeliveryAttempt.id))) == 0
    assert unread_count(resident.id) == 1


def test_one_consent_gives_exactly_one_wechat_message(db, fake_wechat):
    resident = ResidentFactory()
    subscribe(fake_wechat, resident, {BILL: "accept"})

    first = _bill(resident)
    second = _bill(resident, amount_fen=100)

    assert _status(first.id) == DeliveryStatus.sent
    assert _status(second.id) == DeliveryStatus.app_only
    [message] = fake_wechat.messages(resident.openid)
    assert message["data"]["amount3"]["value"] == "¥1,234.50"
    assert _remaining(resident) == 0
    assert unread_count(resident.id) == 2


def test_two_consents_give_two_messages(db, fake_wechat):
    resident = ResidentFactory()
    subscribe(fake_wechat, resident, {BILL: "accept"})
    subscribe(fake_wechat, resident, {BILL: "accept"})

    _bill(resident)
    _bill(resident)

    assert len(fake_wechat.messages(resident.openid)) == 2


def test_rejected_template_stays_in_the_message_center(db, fake_wechat):
    resident = ResidentFactory()
    subscribe(fake_wechat, resident, {BILL: "reject", "tmpl-residency-active": "accept"})

    notification = _bill(resident)

    assert _status(notification.id) == DeliveryStatus.app_only
    assert fake_wechat.messages() == []
    assert _remaining(resident, "tmpl-residency-active") == 1


def test_refusal_43101_is_recorded_refused_and_never_retried(db, fake_wechat, app):
    resident = ResidentFactory()
    # the backend believes in a consent WeChat does not hold (e.g. reported twice)
    record_subscription_answers(resident.id, {BILL: "accept"})
    commit()
    fake_wechat.subscribe(resident.openid, {"tmpl-residency-active": "accept"})

    notification = _bill(resident)

    assert _status(notification.id) == DeliveryStatus.refused
    attempts = db.session.scalars(sa.select(DeliveryAttempt)).all()
    assert [(a.ok, a.errcode) for a in attempts] == [(False, 43101)]
    assert db.session.get(Notification, notification.id).attempt_count == 1
    assert _remaining(resident) == 0
    assert fake_wechat.messages() == []


def test_a_transient_error_is_retried_then_delivered(db, fake_wechat):
    resident = ResidentFactory()
    subscribe(fake_wechat, resident, {BILL: "accept"})
    fake_wechat.fail_next("subscribe", count=1, errcode=-1)

    notification = _bill(resident)

    assert _status(notification.id) == DeliveryStatus.sent
    attempts = db.session.scalars(sa.select(DeliveryAttempt).order_by(DeliveryAttempt.id)).all()
    assert [(a.ok, a.errcode) for a in attempts] == [(False, -1), (True, None)]
    assert len(fake_wechat.messages(resident.openid)) == 1


def test_rate_limit_45009_is_transient(db, fake_wechat):
    resident = ResidentFactory()
    subscribe(fake_wechat, resident, {BILL: "accept"})
    fake_wechat.fail_next("subscribe", count=2, errcode=45009)

    notification = _bill(resident)

    assert _status(notification.id) == DeliveryStatus.sent
    assert db.session.get(Notification, notification.id).attempt_count == 3


def test_a_permanent_error_fails_at_once_and_gives_the_consent_back(db, fake_wechat):
    resident = ResidentFactory()
    subscribe(fake_wechat, resident, {BILL: "accept"})
    fake_wechat.fail_next("subscribe", count=1, errcode=47003)

    notification = _bill(resident)

    assert _status(notification.id) == DeliveryStatus.failed
    assert db.session.get(Notification, notification.id).attempt_count == 1
    assert _remaining(resident) == 1


def test_a_long_term_template_is_not_used_up(db, fake_wechat, app, tmp_path, monkeypatch):
    from backend.wechat.templates import DEFAULT_FILE

    text = DEFAULT_FILE.read_text(encoding="utf-8").replace(
        'id = "tmpl-bill-issued"', 'id = "tmpl-bill-issued"\nkind = "long_term"'
    )
    path = tmp_path / "templates.toml"
    path.write_text(text, encoding="utf-8")
    from backend.wechat.templates import load_templates

    monkeypatch.setattr(fake_wechat.state, "templates", load_templates(path))
    monkeypatch.setattr(
        "backend.notify.services.templates", lambda: load_templates(path), raising=True
    )
    resident = ResidentFactory()
    subscribe(fake_wechat, resident, {BILL: "accept"})

    _bill(resident)
    _bill(resident)
    subscribe(fake_wechat, resident, {BILL: "reject"})
    third = _bill(resident)

    assert len(fake_wechat.messages(resident.openid)) == 2
    assert _status(third.id) == DeliveryStatus.app_only


def test_reported_answers_are_counted_per_template(db):
    resident = ResidentFactory()

    record_subscription_answers(resident.id, {BILL: "accept", "tmpl-ticket-status": "ban"})
    found = record_subscription_answers(resident.id, {BILL: "accept"})

    by_id = {s["template_id"]: s for s in found}
    assert by_id[BILL]["remaining"] == 2
    assert by_id["tmpl-ticket-status"]["remaining"] == 0
    assert by_id["tmpl-ticket-status"]["last_answer"] == "ban"
    assert by_id["tmpl-vote-result"]["remaining"] == 0


def test_every_event_has_a_template_of_the_shared_file(app):
    from backend.notify.messages import EVENTS
    from backend.notify.services import templates

    with app.app_context():
        for event in EVENTS.values():
            assert templates()[event.template].id


def test_staff_figures_count_wechat_and_app_only_per_event(db, fake_wechat):
    from backend.notify.services import reach_by_event

    reached, unreached = ResidentFactory(), ResidentFactory()
    subscribe(fake_wechat, reached, {BILL: "accept"})
    _bill(reached)
    _bill(unreached)
    notify_resident(
        unreached.id, "vote_result", motion_id=1, title="增设充电桩", passed=True, summary="通过"
    )
    commit()

    rows = {r["event"]: r for r in reach_by_event(None)}
    assert (rows["bill_issued"]["total"], rows["bill_issued"]["wechat"]) == (2, 1)
    assert rows["bill_issued"]["app_only"] == 1
    assert (rows["vote_result"]["total"], rows["vote_result"]["app_only"]) == (1, 1)
    assert rows["payment_received"]["total"] == 0
