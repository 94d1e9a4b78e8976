"""The audit log (操作日志): who changed what, when, before and after."""

from __future__ import annotations

from flask import render_template
from sqlalchemy.orm import selectinload

from admin import blueprint
from admin.auth import current_staff, login_required, permission_required
from admin.page import paginate
from backend.audit import services as audit
from backend.audit.models import AuditEntry

ENTRIES_PER_PAGE = 50

#: what each recorded action means, for people
ACTION_LABELS = {
    "invite.create": "生成邀请码",
    "residency.approve": "通过绑定申请",
    "residency.reject": "驳回绑定申请",
    "staff.create": "新增员工账号",
    "staff.enable": "启用账号",
    "staff.disable": "停用账号",
    "staff.password": "重置密码",
    "org.import": "导入房屋",
}

ENTITY_LABELS = {
    "invite": "邀请码",
    "residency": "住户身份",
    "staff": "员工账号",
    "estate": "小区",
    "unit": "房屋",
}


@blueprint.get("/audit")
@login_required
@permission_required("audit.read")
def audit_log():
    """操作日志（分页，最新在前）。"""
    stmt = audit.entries_query(current_staff()).options(selectinload(AuditEntry.staff))
    return render_template(
        "admin/audit.html",
        page=paginate(stmt, per_page=ENTRIES_PER_PAGE),
        action_labels=ACTION_LABELS,
        entity_labels=ENTITY_LABELS,
    )
