"""Many messages at once (a bill run's notices) go out in batches: one outbox command and
one job per ``NOTIFY_BATCH_SIZE`` messages, each message still claimed before its send,
sent once and recorded on its own."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from backend.core.db import commit
from backend.core.outbox import CommandState, OutboxCommand, drain, run_command
from backend.extensions import db as _db
from backend.notify.jobs import deliver_notifications
from backend.notify.models import DeliveryAttempt, DeliveryStatus, Notification
from backend.notify.services import notify_resident, sends_in_batches
from tests.factories import ResidentFactory
from tests.helpers import subscribe

TEMPLATE = "tmpl-bill-issued"


def _tell(residents) -> None:
    with sends_in_batches():
        for resident in residents:
            notify_resident(
                resident.id,
                "bill_issued",
                unit_label="1幢101",
                item_name="2027年01月物业服务费",
                amount_fen=12345,
                due_on=date(2027, 1, 31),
            )
    commit()


def _residents(fake_wechat, count: int) -> list:
    residents = [ResidentFactory() for _ in range(count)]
    for resident in residents:
        subscribe(fake_wechat, resident, {TEMPLATE: "accept"})
    return residents


def _commands(db) -> list[tuple[str, list, CommandState]]:
    db.session.rollback()
    return [
        (c.command.rsplit(":", 1)[1], c.args, c.state)
        for c in db.session.scalars(sa.select(OutboxCommand).order_by(OutboxCommand.id))
    ]


def test_a_bill_run_sends_in_batches_each_message_once(app, db, fake_wechat, monkeypatch):
    residents = _residents(fake_wechat, 5)
    monkeypatch.setitem(app.config, "NOTIFY_BATCH_SIZE", 2)
    monkeypatch.setitem(app.config, "JOBS_INLINE", False)
    _tell(residents)
    monkeypatch.setitem(app.config, "JOBS_INLINE", True)

    ids = db.session.scalars(sa.select(Notification.id).order_by(Notification.id)).all()
    assert [(name, args) for name, args, _ in _commands(db)] == [
        ("deliver_notifications", [ids[0:2]]),
        ("deliver_notifications", [ids[2:4]]),
        ("deliver_notifications", [ids[4:5]]),
    ]
    assert drain() == 3 and drain() == 0
    db.session.rollback()
    deliver_notifications(ids)  # a batch run again (at least once): nothing twice

    db.session.rollback()
    assert set(db.session.scalars(sa.select(Notification.status))) == {DeliveryStatus.sent}
    for resident in residents:
        assert len(fake_wechat.messages(resident.openid)) == 1
    assert db.session.scalar(sa.select(sa.func.count(DeliveryAttempt.id))) == 5


def test_a_batch_run_again_after_its_worker_died_skips_what_is_not_pending(
    app, db, fake_wechat, monkeypatch
):
    """The first batch run died while WeChat had the second message: the first was sent,
    the second is ``sending`` (unknown: never resent by itself), the rest are pending."""
    residents = _residents(fake_wechat, 4)
    monkeypatch.setitem(app.config, "JOBS_INLINE", False)
    _tell(residents)
    monkeypatch.setitem(app.config, "JOBS_INLINE", True)
    ids = db.session.scalars(sa.select(Notification.id).order_by(Notification.id)).all()
    db.session.rollback()
    deliver_notifications(ids[:1])
    db.session.execute(
        sa.update(Notification)
        .where(Notification.id == ids[1])
        .values(status=DeliveryStatus.sending, attempt_count=1)
    )
    commit()

    assert drain() == 1  # the batch's command, run again by the outbox

    db.session.rollback()
    statuses = [db.session.get(Notification, i).status for i in ids]
    assert statuses == [DeliveryStatus.sent, DeliveryStatus.sending] + [DeliveryStatus.sent] * 2
    assert [len(fake_wechat.messages(r.openid)) for r in residents] == [1, 0, 1, 1]


def test_a_slow_batch_hands_the_rest_to_a_new_command(app, db, fake_wechat, monkeypatch):
    residents = _residents(fake_wechat, 3)
    monkeypatch.setitem(app.config, "NOTIFY_BATCH_SECONDS", 0)  # every send is "too slow"
    monkeypatch.setitem(app.config, "JOBS_INLINE", False)
    _tell(residents)
    monkeypatch.setitem(app.config, "JOBS_INLINE", True)
    ids = db.session.scalars(sa.select(Notification.id).order_by(Notification.id)).all()

    drain()  # the batch, its rest, the rest's rest: one message each
    assert drain() == 0
    assert [args for _, args, _ in _commands(db)] == [[ids], [ids[1:]], [ids[2:]]]
    assert [len(fake_wechat.messages(r.openid)) for r in residents] == [1, 1, 1]


def test_a_batch_costs_one_commit_per_message(app, db, fake_wechat, monkeypatch):
    residents = _residents(fake_wechat, 6)
    monkeypatch.setitem(app.config, "JOBS_INLINE", False)
    _tell(residents)
    monkeypatch.setitem(app.config, "JOBS_INLINE", True)
    (command_id,) = db.session.scalars(sa.select(OutboxCommand.id)).all()
    fake_wechat.messages()  # the access token is fetched before counting
    db.session.rollback()

    statements: list[str] = []
    commits: list[int] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if not statement.startswith(("SET LOCAL", "BEGIN", "PRAGMA")):
            statements.append(statement[:60])

    sa.event.listen(_db.engine, "before_cursor_execute", count)
    sa.event.listen(_db.engine, "commit", lambda conn: commits.append(1))
    try:
        assert run_command(command_id) == CommandState.done
    finally:
        sa.event.remove(_db.engine, "before_cursor_execute", count)
        _db.engine.dispatch.commit.clear()

    assert [len(fake_wechat.messages(r.openid)) for r in residents] == [1] * 6
    # per message: its claim, its attempt and its outcome; the command's claim and done
    assert len(statements) <= 3 * 6 + 2, statements
    assert len(commits) <= 6 + 2, statements
