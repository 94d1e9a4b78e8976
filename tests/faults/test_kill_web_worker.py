"""A gunicorn web worker killed (kill -9) at a controlled point, as a crash or an OOM kill
would: after a photo's files are written and before its row is committed; during a payment
notification, before and after its commit. Nothing is lost, nothing is kept for nothing,
nothing is credited twice."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from backend.core.db import commit
from backend.fees.models import OrderStatus, Payment, PaymentNotification, PaymentOrder
from backend.media.jobs import delete_orphaned_files_job
from backend.media.models import Photo
from tests.factories import ResidencyFactory
from tests.fees.conftest import pay
from tests.helpers import bearer
from tests.media.conftest import jpeg


def _in_background(func, *args, **kwargs) -> threading.Thread:
    """A client's request whose connection will break (its worker dies): run aside."""

    def call():
        with contextlib.suppress(requests.RequestException):
            func(*args, **kwargs)

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    return thread


def _kill(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)


def _stored_files(app) -> list[str]:
    folder = Path(app.config["STORAGE_URL"].removeprefix("file://"))
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_a_web_worker_killed_after_a_photos_files_are_written_leaves_no_orphan(
    app, db, gunicorn, monkeypatch
):
    residency = ResidencyFactory()
    headers = bearer(residency.resident)
    commit()
    # the suite's storage folder outlives each test's rows: what earlier tests left there
    # is orphaned too, so this test speaks of the files it makes
    before = set(_stored_files(app))
    server = gunicorn("photo_files_written")
    photo = jpeg((320, 240), (20, 120, 200))

    def upload():
        return requests.post(
            server.url + "/api/v1/media/photos",
            files={"file": ("photo.jpg", photo, "image/jpeg")},
            headers=headers,
            timeout=120,
        )

    thread = _in_background(upload)
    _kill(server.paused_pid())
    thread.join(30)

    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Photo.id))) == 0
    written = set(_stored_files(app)) - before
    assert len(written) == 2  # the full-size JPEG and its thumbnail, with no row

    monkeypatch.setitem(app.config, "STORAGE_ORPHAN_GRACE", timedelta(0))
    assert delete_orphaned_files_job() >= 2
    assert _stored_files(app) == []

    server.wait_healthy()  # gunicorn has started a new worker
    retried = upload()  # the resident tries again
    assert retried.status_code == 201, retried.text
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Photo.id))) == 1
    assert set(_stored_files(app)) == written  # the same content, the same keys
    assert delete_orphaned_files_job() == 0  # a used photo is no orphan


@pytest.mark.parametrize(
    "pause_at",
    ["payment_credited", "committed /api/v1/payments/wechat/notify"],
    ids=["before-commit", "after-commit"],
)
def test_a_web_worker_killed_during_a_payment_notification_credits_once(
    app, db, client, home, fake_wechat, gunicorn, pause_at
):
    resp = pay(client, home.headers, [b.id for b in home.bills])
    assert resp.status_code == 201, resp.json
    out_trade_no = resp.json["out_trade_no"]
    xml = fake_wechat.complete_payment(out_trade_no, deliver=False)["xml"]
    commit()
    server = gunicorn(pause_at)

    def notify():
        return requests.post(
            server.url + "/api/v1/payments/wechat/notify",
            data=xml.encode(),
            headers={"Content-Type": "text/xml"},
            timeout=120,
        )

    thread = _in_background(notify)  # WeChat Pay's first notification
    _kill(server.paused_pid())
    thread.join(30)

    server.wait_healthy()
    answers = [notify(), notify()]  # no SUCCESS came back: WeChat Pay notifies again
    assert [a.status_code for a in answers] == [200, 200]
    assert all("SUCCESS" in a.text for a in answers), [a.text for a in answers]

    db.session.rollback()
    payments = db.session.scalars(sa.select(Payment)).all()
    assert len(payments) == 1 and payments[0].amount_fen == home.total
    order = db.session.scalars(
        sa.select(PaymentOrder).where(PaymentOrder.out_trade_no == out_trade_no)
    ).one()
    assert order.status == OrderStatus.paid
    outcomes = sorted(
        n.outcome.value
        for n in db.session.scalars(
            sa.select(PaymentNotification).where(PaymentNotification.out_trade_no == out_trade_no)
        )
    )
    assert outcomes.count("credited") == 1, outcomes
