"""后台任务: the outbox's failed and stuck commands, with a retry (platform admin)."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from admin import blueprint
from admin.auth import current_staff, login_required, permission_required
from backend.core import outbox as core_outbox
from backend.core.db import commit
from backend.core.errors import Conflict, NotFound
from backend.outbox import services


@blueprint.get("/outbox")
@login_required
@permission_required("outbox.manage")
def outbox_commands():
    """后台任务：各状态数量，失败与卡住的任务及其最后错误。"""
    return render_template(
        "admin/outbox.html",
        counts=core_outbox.counts(),
        commands=services.needing_attention(),
    )


@blueprint.post("/outbox/<int:command_id>/retry")
@login_required
@permission_required("outbox.manage")
def retry_outbox_command(command_id: int):
    """重试一条失败或卡住的后台任务（记入操作日志）。"""
    try:
        command = services.retry(current_staff(), command_id)
    except (Conflict, NotFound) as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.outbox_commands"))
    commit()
    flash(f"任务 #{command.id} 已重新排队", "success")
    return redirect(url_for("admin.outbox_commands"))
