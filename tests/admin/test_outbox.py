"""后台任务: the platform admin sees failed and stuck outbox commands and retries them."""

from __future__ import annotations

import re

import sqlalchemy as sa

from backend.audit.models import AuditEntry
from backend.core.db import commit, defer
from backend.core.outbox import CommandState, OutboxCommand
from backend.extensions import db
from tests.core.outbox_jobs import always_fail, count, runs


def test_failed_commands_show_their_error_and_a_retry_runs_them_again_audited(
    world, as_staff, app, monkeypatch
):
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 1)
    defer(always_fail, "panel")
    defer(count, "fine")
    commit()
    failed = db.session.scalars(
        sa.select(OutboxCommand).where(OutboxCommand.state == CommandState.failed)
    ).one()

    client = as_staff(world.platform)
    page = client.get("/admin/outbox").data.decode()
    row = re.search(rf'<tr id="command-{failed.id}">(.*?)</tr>', page, re.S).group(1)
    assert "always_fail" in row and "WeChat says no" in row and "失败" in row
    assert "tests.core.outbox_jobs:count" not in page  # done: nothing to do

    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 5)
    response = client.post(f"/admin/outbox/{failed.id}/retry", follow_redirects=True)
    assert "已重新排队" in response.data.decode()
    assert runs("panel") == 2
    db.session.rollback()
    command = db.session.get(OutboxCommand, failed.id)
    assert (command.state, command.attempts) == (CommandState.pending, 1)  # backing off
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "outbox.retry")
    ).one()
    assert (entry.staff_id, entry.entity_id) == (world.platform.id, str(failed.id))
    assert entry.before["state"] == "failed"

    # pending and waiting for its backoff: not stuck, nothing to retry
    again = client.post(f"/admin/outbox/{failed.id}/retry", follow_redirects=True)
    assert "无需重试" in again.data.decode()


def test_only_the_platform_admin_opens_the_outbox(world, as_staff):
    assert as_staff(world.admin_a).get("/admin/outbox").status_code == 403
