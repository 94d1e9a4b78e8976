"""消息触达: per event, how many residents WeChat reached and how many only the app."""

from __future__ import annotations

from flask import render_template

from admin import blueprint
from admin.auth import current_staff, login_required
from backend.authz import scope
from backend.notify import services as notify


@blueprint.get("/notifications")
@login_required
def notification_reach():
    """消息触达：管辖范围内每类通知的微信送达与仅站内人数。"""
    rows = notify.reach_by_event(scope.estate_ids(current_staff()))
    return render_template("admin/notifications.html", rows=rows)
