"""The outbox, as registered with the app (see ``backend/features.py``)."""

from backend.authz.roles import StaffRole
from backend.core.feature import AuditEntity, Feature, NavEntry, PeriodicJob

feature = Feature(
    name="outbox",
    label="发件箱",
    models="backend.core.outbox",
    admin=("admin.outbox",),
    nav=(
        NavEntry(
            "admin.outbox_commands",
            "后台任务",
            module="admin.outbox",
            permission="outbox.manage",
            group="系统",
        ),
    ),
    permissions={"outbox.manage": frozenset({StaffRole.platform_admin})},
    audit_actions={"outbox.retry": "重试后台任务"},
    audit_entities={"outbox_command": AuditEntity("后台任务")},
    # hands over every due command the fast path missed (Redis away, a process killed)
    jobs=(PeriodicJob("backend.core.outbox:sweep_job", interval=60),),
)
