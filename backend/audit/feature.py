"""The audit log, as registered with the app (see ``backend/features.py``)."""

from backend.authz.roles import StaffRole
from backend.core.feature import Feature, NavEntry

feature = Feature(
    name="audit",
    label="操作日志",
    models="backend.audit.models",
    admin=("admin.audit",),
    nav=(
        NavEntry(
            "admin.audit_log",
            "操作日志",
            module="admin.audit",
            permission="audit.read",
            group="系统",
        ),
    ),
    permissions={"audit.read": frozenset({StaffRole.platform_admin, StaffRole.company_admin})},
)
