"""What one message costs the database: claimed, sent and recorded through the outbox in
a bounded number of statements and transactions (bill day sends one per resident)."""

from __future__ import annotations

import sqlalchemy as sa

from backend.accounts import services
from backend.accounts.models import ResidencyStatus
from backend.core.db import commit
from backend.core.outbox import CommandState, OutboxCommand, run_command
from backend.extensions import db as _db
from backend.notify.models import DeliveryStatus, Notification
from tests.factories import ResidencyFactory, StaffFactory
from tests.helpers import subscribe

TEMPLATE = "tmpl-residency-active"


def test_one_message_costs_few_statements(app, db, fake_wechat, monkeypatch):
    residency = ResidencyFactory(status=ResidencyStatus.pending, source=None)
    subscribe(fake_wechat, residency.resident, {TEMPLATE: "accept"})
    monkeypatch.setitem(app.config, "JOBS_INLINE", False)
    services.approve_residency(StaffFactory(), residency.id)
    commit()
    monkeypatch.setitem(app.config, "JOBS_INLINE", True)
    command_id = db.session.scalars(
        sa.select(OutboxCommand.id).where(OutboxCommand.command.like("%deliver_notification"))
    ).one()
    fake_wechat.messages()  # the access token is fetched before counting
    db.session.rollback()

    statements: list[str] = []
    commits: list[int] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if not statement.startswith(("SET LOCAL", "BEGIN", "PRAGMA")):
            statements.append(statement[:60])

    def count_commit(conn):
        commits.append(1)

    sa.event.listen(_db.engine, "before_cursor_execute", count)
    sa.event.listen(_db.engine, "commit", count_commit)
    try:
        assert run_command(command_id) == CommandState.done
    finally:
        sa.event.remove(_db.engine, "before_cursor_execute", count)
        sa.event.remove(_db.engine, "commit", count_commit)

    assert db.session.scalars(sa.select(Notification.status)).one() == DeliveryStatus.sent
    assert len(fake_wechat.messages(residency.resident.openid)) == 1
    # the outbox's claim; the notification's claim with what the send needs (committed
    # before WeChat is called); the attempt, the outcome and the command done, together
    assert len(statements) <= 6, statements
    assert len(commits) <= 3, statements
