"""The audit log (操作日志): who changed what, when, before and after."""

from __future__ import annotations

from flask import render_template

from admin import blueprint
from admin.auth import current_staff, login_required, permission_required
from admin.page import paginate
from backend.audit import services as audit

ENTRIES_PER_PAGE = 50


@blueprint.get("/audit")
@login_required
@permission_required("audit.read")
def audit_log():
    """操作日志（分页，最新在前）：操作、对象和变更前后，均为中文。"""
    page = paginate(audit.entries_query(current_staff()), per_page=ENTRIES_PER_PAGE)
    return render_template("admin/audit.html", page=page, rows=audit.readable(page.items))
