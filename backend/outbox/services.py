"""What operators see of the outbox and do with it (the panel page; never commits)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from backend.audit import services as audit
from backend.authz import scope
from backend.core import outbox
from backend.core.errors import Conflict, NotFound
from backend.core.outbox import CommandState, OutboxCommand
from backend.core.time import utcnow
from backend.extensions import db


def needing_attention(limit: int = 200) -> list[OutboxCommand]:
    """Failed commands, and stuck ones: pending long after they were due (nothing took
    them: no worker, no clock) or running long after they were claimed (worker died)."""
    now = utcnow()
    config = current_app.config
    return list(
        db.session.scalars(
            sa.select(OutboxCommand)
            .where(
                sa.or_(
                    OutboxCommand.state == CommandState.failed,
                    sa.and_(
                        OutboxCommand.state == CommandState.pending,
                        OutboxCommand.next_try_at <= now - config["OUTBOX_REDISPATCH_AFTER"],
                    ),
                    sa.and_(
                        OutboxCommand.state == CommandState.running,
                        OutboxCommand.claimed_at <= now - config["OUTBOX_STALE_AFTER"],
                    ),
                )
            )
            .order_by(OutboxCommand.id.desc())
            .limit(limit)
        )
    )


def retry(staff, command_id: int) -> OutboxCommand:
    """A platform admin tries a failed or stuck command again (audited); it runs after
    the commit."""
    scope.require(staff, "outbox.manage")
    command = db.session.get(OutboxCommand, command_id)
    if command is None:
        raise NotFound("后台任务不存在")
    before = {"state": command.state.value, "attempts": command.attempts}
    if not outbox.retry(command_id):
        raise Conflict("该任务正在执行或已完成，无需重试")
    db.session.refresh(command)
    audit.record(
        staff,
        "outbox.retry",
        "outbox_command",
        command_id,
        before=before,
        after={"state": command.state.value, "attempts": command.attempts},
    )
    return command
