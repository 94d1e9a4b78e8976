"""消息触达: per event, how many residents WeChat reached and how many only the app; the
messages whose outcome is unknown, which staff may send again."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from admin import blueprint
from admin.auth import current_staff, login_required, permission_required
from backend.authz import scope
from backend.core.db import commit
from backend.core.errors import Conflict
from backend.notify import services as notify


@blueprint.get("/notifications")
@login_required
def notification_reach():
    """消息触达：管辖范围内每类通知的微信送达与仅站内人数，以及发送结果未知的消息。"""
    staff = current_staff()
    rows = notify.reach_by_event(scope.estate_ids(staff))
    return render_template(
        "admin/notifications.html",
        rows=rows,
        unknown=notify.unknown_outcomes(staff),
        may_resend=scope.can(staff, "notify.resend"),
    )


@blueprint.post("/notifications/<int:notification_id>/resend")
@login_required
@permission_required("notify.resend")
def resend_notification(notification_id: int):
    """重发一条发送结果未知的消息（记入操作日志）。"""
    try:
        notify.resend_unknown(current_staff(), notification_id)
    except Conflict as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.notification_reach"))
    commit()
    flash("已重新发送", "success")
    return redirect(url_for("admin.notification_reach"))
