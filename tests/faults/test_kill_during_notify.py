"""A job process killed (kill -9) during a notify, just after the fake WeChat accepted the
subscribe message and before its answer came back: the message ends ``unknown``, no sweep
sends it again, and the resident's one-time consent is spent once (at WeChat and here)."""

from __future__ import annotations

import os
import signal
from datetime import timedelta

import sqlalchemy as sa

from backend.accounts import services as accounts
from backend.accounts.models import ResidencyStatus
from backend.core.db import commit
from backend.core.outbox import CommandState, OutboxCommand, drain
from backend.notify.jobs import resend_stale_notifications
from backend.notify.models import DeliveryStatus, Notification, SubscriptionConsent
from tests.factories import ResidencyFactory, StaffFactory
from tests.faults.conftest import process_env, spawn, wait_until
from tests.helpers import subscribe

TEMPLATE = "tmpl-residency-active"


def test_a_notify_job_killed_after_wechat_accepted_is_unknown_and_never_sent_again(
    app, db, fake_wechat, monkeypatch, tmp_path
):
    residency = ResidencyFactory(status=ResidencyStatus.pending, source=None)
    openid, resident_id = residency.resident.openid, residency.resident.id
    subscribe(fake_wechat, residency.resident, {TEMPLATE: "accept"})
    assert fake_wechat.consents(openid)[TEMPLATE] == 1
    monkeypatch.setitem(app.config, "JOBS_INLINE", False)
    accounts.approve_residency(StaffFactory(), residency.id)
    commit()  # the send is in the outbox, not run (no worker here)
    monkeypatch.setitem(app.config, "JOBS_INLINE", True)
    command_id = db.session.scalars(
        sa.select(OutboxCommand.id).where(OutboxCommand.command.like("%deliver_notification"))
    ).one()

    fake_wechat.state.subscribe_answer_delay = 20  # WeChat's answer is slow: the job dies first
    cfg = app.config
    job = spawn(
        ["-c", f"from backend.core.outbox import run_command; run_command({command_id})"],
        process_env(
            WECHAT_APPID=cfg["WECHAT_APPID"],
            WECHAT_SECRET=cfg["WECHAT_SECRET"],
            WECHAT_API_BASE=cfg["WECHAT_API_BASE"],
            STORAGE_URL=cfg["STORAGE_URL"],
        ),
        tmp_path / "job.log",
    )
    try:
        delivered = wait_until(lambda: fake_wechat.messages(openid), 60)
        assert delivered, (tmp_path / "job.log").read_text()
        os.kill(job.pid, signal.SIGKILL)
        job.wait(10)
    finally:
        if job.poll() is None:
            job.kill()
    fake_wechat.state.subscribe_answer_delay = 0

    db.session.rollback()
    notification = db.session.scalars(sa.select(Notification)).one()
    assert notification.status == DeliveryStatus.sending
    assert db.session.get(OutboxCommand, command_id).state == CommandState.running

    # later: both sweeps find what the dead job left
    monkeypatch.setitem(app.config, "OUTBOX_STALE_AFTER", timedelta(0))
    monkeypatch.setitem(app.config, "NOTIFY_STALE_AFTER", timedelta(0))
    drain()  # the outbox runs the command again: the notification is no longer pending
    assert resend_stale_notifications() == 1  # sending → unknown
    assert resend_stale_notifications() == 0
    drain()

    db.session.rollback()
    notification = db.session.get(Notification, notification.id)
    assert notification.status == DeliveryStatus.unknown
    assert db.session.get(OutboxCommand, command_id).state == CommandState.done
    assert len(fake_wechat.messages(openid)) == 1  # delivered once, never again
    assert fake_wechat.consents(openid).get(TEMPLATE, 0) == 0  # the one consent, spent once
    consent = db.session.scalars(
        sa.select(SubscriptionConsent).where(
            SubscriptionConsent.resident_id == resident_id,
            SubscriptionConsent.template_id == TEMPLATE,
        )
    ).one()
    assert (consent.remaining, consent.used_count) == (0, 1)  # not given back, not spent twice
