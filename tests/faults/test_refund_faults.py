"""A refund survives faults: the job process killed (kill -9) after WeChat Pay accepted
the refund, and Redis down when the refund was committed. Either way: one refund at WeChat
Pay, with the one out_refund_no of its row."""

from __future__ import annotations

import os
import signal

import sqlalchemy as sa

from backend.core.db import commit
from backend.fees.jobs import refund_job, resume_refunds_job
from backend.fees.models import Payment, PaymentStatus, Refund, RefundState
from backend.fees.payments import refund_payment
from tests.factories import StaffFactory
from tests.faults.conftest import process_env, spawn, wait_until


def _refund(db) -> Refund:
    db.session.rollback()
    return db.session.scalars(sa.select(Refund)).one()


def _pay_env(app) -> dict[str, str]:
    cfg = app.config
    return process_env(
        WECHAT_APPID=cfg["WECHAT_APPID"],
        WECHAT_SECRET=cfg["WECHAT_SECRET"],
        WECHAT_API_BASE=cfg["WECHAT_API_BASE"],
        WECHAT_PAY_API_BASE=cfg["WECHAT_PAY_API_BASE"],
        WECHAT_PAY_MCH_CERT=cfg["WECHAT_PAY_MCH_CERT"],
        WECHAT_PAY_MCH_KEY=cfg["WECHAT_PAY_MCH_KEY"],
        LINLI_WECHAT_PAY_CA_BUNDLE=cfg["WECHAT_PAY_CA_BUNDLE"],
        STORAGE_URL=cfg["STORAGE_URL"],
    )


def _requested_without_running(app, db, paid, monkeypatch) -> None:
    """A refund recorded and committed, its job queued, not run (no worker here)."""
    monkeypatch.setitem(app.config, "JOBS_INLINE", False)
    refund_payment(StaffFactory(), paid.id, "重复缴费，原路退回")
    commit()
    monkeypatch.setitem(app.config, "JOBS_INLINE", True)


def test_a_refund_job_killed_after_wechat_accepted_gives_one_refund_with_one_number(
    app, db, paid, fake_wechat, monkeypatch, tmp_path
):
    _requested_without_running(app, db, paid, monkeypatch)
    refund = _refund(db)
    fake_wechat.pay.refund_answer_delay = 20  # the answer is slow: the job dies first

    job = spawn(
        ["-c", f"from backend.fees.jobs import refund_job; refund_job({refund.id})"],
        _pay_env(app),
        tmp_path / "job.log",
    )
    try:
        made = wait_until(lambda: fake_wechat.pay.refunds, 60)
        assert made, (tmp_path / "job.log").read_text()
        os.kill(job.pid, signal.SIGKILL)
        job.wait(10)
    finally:
        if job.poll() is None:
            job.kill()
    fake_wechat.pay.refund_answer_delay = 0
    refund = _refund(db)
    assert (refund.state, refund.attempts) == (RefundState.requested, 1)  # claimed, no answer

    refund_job(refund.id)  # the retry (the job again, or the sweep)

    refund = _refund(db)
    assert refund.state == RefundState.succeeded
    assert fake_wechat.pay.refund_requests == [refund.out_refund_no]
    assert [r["out_refund_no"] for r in fake_wechat.pay.refunds] == [refund.out_refund_no]
    assert db.session.get(Payment, paid.id).status == PaymentStatus.refunded


def test_a_refund_committed_while_redis_is_down_is_made_once_when_it_is_back(
    app, db, paid, fake_wechat, redis_server, monkeypatch
):
    from backend.extensions import redis_store

    monkeypatch.setitem(app.extensions, "linli_redis", redis_server.client())
    monkeypatch.setitem(app.config, "JOBS_INLINE", False)
    redis_server.stop()
    refund_payment(StaffFactory(), paid.id, "重复缴费，原路退回")
    commit()  # the job cannot be queued now

    refund = _refund(db)
    assert refund.state == RefundState.requested and fake_wechat.pay.refunds == []

    redis_server.start()  # back, empty
    monkeypatch.setitem(app.extensions, "linli_redis", redis_server.client())
    monkeypatch.setitem(app.config, "JOBS_INLINE", True)
    assert redis_store.client.dbsize() == 0
    resume_refunds_job()  # the clock's sweep (every 5 minutes)
    resume_refunds_job()  # and again: nothing more

    refund = _refund(db)
    assert refund.state == RefundState.succeeded
    assert fake_wechat.pay.refund_requests == [refund.out_refund_no]
    assert db.session.get(Payment, paid.id).status == PaymentStatus.refunded
