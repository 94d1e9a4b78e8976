"""Subscribe messages: sent by jobs after commit, retried with backoff, every try recorded.

Every test here first has the resident allow the template (``wx.requestSubscribeMessage``):
without a consent nothing is sent at all (see ``test_consent.py``).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from backend.accounts import services
from backend.accounts.models import Residency, ResidencyStatus
from backend.core.db import commit
from backend.notify.models import DeliveryAttempt, DeliveryStatus, Notification
from tests.conftest import STACK
from tests.factories import NotificationFactory, ResidencyFactory, StaffFactory
from tests.helpers import subscribe

TEMPLATE = "tmpl-residency-active"


def _approve_pending(fake_wechat) -> Residency:
    """A pending residency whose resident allowed the template once, approved by staff."""
    residency = ResidencyFactory(status=ResidencyStatus.pending, source=None)
    subscribe(fake_wechat, residency.resident, {TEMPLATE: "accept"})
    services.approve_residency(StaffFactory(), residency.id)
    commit()
    return residency


def test_approval_sends_one_subscribe_message(db, fake_wechat):
    residency = _approve_pending(fake_wechat)

    messages = fake_wechat.messages(residency.resident.openid)
    assert len(messages) == 1
    assert messages[0]["template_id"] == "tmpl-residency-active"
    assert messages[0]["data"]["thing2"]["value"] == residency.unit.label
    notification = db.session.scalars(sa.select(Notification)).one()
    assert notification.status == DeliveryStatus.sent
    assert [a.ok for a in notification.attempts] == [True]


def test_failing_send_is_retried_then_succeeds(db, fake_wechat):
    fake_wechat.fail_next("subscribe", count=1)

    residency = _approve_pending(fake_wechat)

    assert len(fake_wechat.messages(residency.resident.openid)) == 1
    notification = db.session.scalars(sa.select(Notification)).one()
    assert notification.status == DeliveryStatus.sent
    assert [a.ok for a in notification.attempts] == [False, True]


def test_send_failing_every_time_is_recorded_failed_and_keeps_the_residency(db, fake_wechat, app):
    fake_wechat.fail_next("subscribe", count=10)

    residency = _approve_pending(fake_wechat)

    db.session.expire_all()
    notification = db.session.scalars(sa.select(Notification)).one()
    retries = len(app.config["NOTIFY_RETRY_DELAYS"])
    assert notification.status == DeliveryStatus.failed
    assert notification.attempt_count == retries + 1
    assert db.session.scalar(sa.select(sa.func.count(DeliveryAttempt.id))) == retries + 1
    assert "-1" in notification.last_error
    assert db.session.get(Residency, residency.id).status == ResidencyStatus.active
    assert fake_wechat.messages(residency.resident.openid) == []


def test_nothing_is_sent_when_the_transaction_rolls_back(db, fake_wechat):
    from backend.core.db import rollback

    residency = ResidencyFactory(status=ResidencyStatus.pending, source=None)
    subscribe(fake_wechat, residency.resident, {TEMPLATE: "accept"})
    services.approve_residency(StaffFactory(), residency.id)
    rollback()

    assert fake_wechat.messages() == []
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0


def test_delivering_twice_sends_once(db, fake_wechat):
    from backend.notify.jobs import deliver_notification

    _approve_pending(fake_wechat)
    notification = db.session.scalars(sa.select(Notification)).one()

    deliver_notification(notification.id)

    assert len(fake_wechat.messages()) == 1


@pytest.mark.realstack
@pytest.mark.skipif(STACK != "real", reason="the RQ worker needs the real stack (Redis)")
class TestThroughRQWorker:
    """On the real stack jobs go through Redis to an RQ worker."""

    @pytest.fixture
    def queued(self, app, monkeypatch):
        monkeypatch.setitem(app.config, "JOBS_INLINE", False)

    def _work(self):
        from rq import SimpleWorker

        from backend.jobs import get_queue

        queue = get_queue()
        SimpleWorker([queue], connection=queue.connection).work(burst=True)
        return queue

    def test_approval_message_goes_through_the_worker(self, db, fake_wechat, queued):
        residency = _approve_pending(fake_wechat)
        assert fake_wechat.messages() == []  # queued, not sent yet

        self._work()

        assert len(fake_wechat.messages(residency.resident.openid)) == 1
        db.session.expire_all()
        assert db.session.scalars(sa.select(Notification)).one().status == DeliveryStatus.sent

    def test_worker_retries_then_records_failure(self, db, fake_wechat, queued, app):
        fake_wechat.fail_next("subscribe", count=10)
        residency = _approve_pending(fake_wechat)

        self._work()

        db.session.expire_all()
        notification = db.session.scalars(sa.select(Notification)).one()
        assert notification.status == DeliveryStatus.failed
        assert notification.attempt_count == len(app.config["NOTIFY_RETRY_DELAYS"]) + 1
        assert db.session.get(Residency, residency.id).status == ResidencyStatus.active

    def test_a_failed_send_is_retried_later_not_at_once(
        self, db, fake_wechat, queued, app, monkeypatch
    ):
        from rq.registry import ScheduledJobRegistry

        monkeypatch.setitem(app.config, "NOTIFY_RETRY_DELAYS", (120, 600))
        fake_wechat.fail_next("subscribe", count=1)
        _approve_pending(fake_wechat)

        queue = self._work()

        db.session.expire_all()
        notification = db.session.scalars(sa.select(Notification)).one()
        assert notification.status == DeliveryStatus.pending
        assert notification.attempt_count == 1
        scheduled = ScheduledJobRegistry(queue=queue)
        [job_id] = scheduled.get_job_ids()
        # measured from the failed attempt's recorded time, not from the clock now (a busy
        # machine may take long to get here); RQ keeps whole seconds, and the retry is
        # scheduled a moment after the attempt is recorded
        [failed] = notification.attempts
        assert not failed.ok
        wait = (scheduled.get_scheduled_time(job_id) - failed.at).total_seconds()
        assert 119 <= wait <= 120 + 15


def test_unreachable_wechat_is_recorded_without_the_app_secret(
    db, app, fake_wechat, monkeypatch, caplog
):
    monkeypatch.setitem(app.config, "WECHAT_API_BASE", "http://127.0.0.1:9")
    app.extensions.pop("linli_wechat", None)

    _approve_pending(fake_wechat)

    attempts = db.session.scalars(sa.select(DeliveryAttempt)).all()
    assert attempts and all(a.error.startswith("network: ConnectionError") for a in attempts)
    assert app.config["WECHAT_SECRET"] not in "".join(a.error for a in attempts)
    assert app.config["WECHAT_SECRET"] not in caplog.text


def test_a_lost_job_is_found_by_the_outbox_sweep_and_sent(db, fake_wechat, app, monkeypatch):
    """The process dies between the commit and the hand-over: the approval and its
    message command are saved; the outbox's sweep sends the message, once."""
    from datetime import timedelta

    from backend.core import outbox
    from backend.core.time import utcnow

    with monkeypatch.context() as m:
        m.setattr(outbox, "dispatch", lambda commands: None)  # killed right after commit
        residency = _approve_pending(fake_wechat)

    notification = db.session.scalars(sa.select(Notification)).one()
    assert notification.status == DeliveryStatus.pending
    assert db.session.get(Residency, residency.id).status == ResidencyStatus.active
    assert outbox.sweep() == 0  # handed over a moment ago, as far as anyone knows

    db.session.execute(
        sa.update(outbox.OutboxCommand).values(
            dispatched_at=utcnow() - app.config["OUTBOX_REDISPATCH_AFTER"] - timedelta(seconds=1)
        )
    )
    db.session.commit()
    assert outbox.sweep() == 1
    assert outbox.sweep() == 0

    db.session.expire_all()
    assert db.session.get(Notification, notification.id).status == DeliveryStatus.sent
    assert len(fake_wechat.messages(residency.resident.openid)) == 1


def test_wechat_is_called_with_the_claim_committed_and_no_row_lock_held(
    db, fake_wechat, monkeypatch
):
    """While WeChat is being called, another connection sees the notification claimed
    (``sending``) and can lock its row: the slow HTTP call holds no lock."""
    from backend.notify import jobs

    seen = []
    real_send = jobs.send_subscribe_message

    def send_and_look(*args, **kwargs):
        with db.engine.connect() as other:
            lock = " FOR UPDATE NOWAIT" if other.dialect.name == "postgresql" else ""
            seen.append(
                other.execute(sa.text(f"SELECT status FROM notifications{lock}")).scalar_one()
            )
            other.rollback()
        return real_send(*args, **kwargs)

    monkeypatch.setattr(jobs, "send_subscribe_message", send_and_look)

    residency = _approve_pending(fake_wechat)

    assert seen == ["sending"]
    assert len(fake_wechat.messages(residency.resident.openid)) == 1


def test_a_send_whose_worker_died_is_marked_unknown_not_sent_again(db, fake_wechat, app):
    """Killed after calling WeChat: sent or not, nobody knows. The sweep does not send it
    again (that could spend a second one-time consent); it is marked unknown."""
    from datetime import timedelta

    from backend.core.time import utcnow
    from backend.notify.jobs import resend_stale_notifications

    residency = ResidencyFactory(status=ResidencyStatus.pending, source=None)
    subscribe(fake_wechat, residency.resident, {TEMPLATE: "accept"})
    notification = NotificationFactory(
        resident=residency.resident,
        kind="binding_approved",
        template_id=TEMPLATE,
        data={
            "thing1": {"value": "翠苑一区"},
            "thing2": {"value": "3幢1502"},
            "phrase3": {"value": "业主"},
            "time4": {"value": "2026年11月30日 10:00"},
        },
        status=DeliveryStatus.sending,
        attempt_count=1,
        claimed_at=utcnow() - app.config["NOTIFY_STALE_AFTER"] - timedelta(minutes=1),
    )

    consents_before = fake_wechat.consents(residency.resident.openid)
    assert resend_stale_notifications() == 1

    db.session.rollback()
    assert db.session.get(Notification, notification.id).status == DeliveryStatus.unknown
    assert fake_wechat.messages(residency.resident.openid) == []
    assert fake_wechat.consents(residency.resident.openid) == consents_before
    assert resend_stale_notifications() == 0
