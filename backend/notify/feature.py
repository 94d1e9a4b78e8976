"""Notifications, as registered with the app (see ``backend/features.py``)."""

from backend.authz.roles import StaffRole
from backend.core.feature import AuditEntity, Feature, NavEntry, PeriodicJob

feature = Feature(
    name="notify",
    label="消息通知",
    models="backend.notify.models",
    api="backend.notify.api:blp",
    # every role sees, in its scope, who WeChat reached and who only the app
    admin=("admin.notifications",),
    nav=(
        NavEntry(
            "admin.notification_reach", "消息触达", module="admin.notifications", group="公示"
        ),
    ),
    # staff who answer residents may send a message whose outcome is unknown again
    permissions={
        "notify.resend": frozenset(
            {StaffRole.company_admin, StaffRole.service_desk, StaffRole.platform_admin}
        )
    },
    audit_actions={"notify.resend": "重发结果未知的消息"},
    audit_entities={"notification": AuditEntity("消息")},
    # a notification whose job was lost is sent again
    jobs=(PeriodicJob("backend.notify.jobs:resend_stale_notifications", interval=600),),
)
