"""Notifications, as registered with the app (see ``backend/features.py``)."""

from backend.core.feature import Feature, NavEntry, PeriodicJob

feature = Feature(
    name="notify",
    label="消息通知",
    models="backend.notify.models",
    api="backend.notify.api:blp",
    # every role sees, in its scope, who WeChat reached and who only the app
    admin=("admin.notifications",),
    nav=(NavEntry("admin.notification_reach", "消息触达", module="admin.notifications"),),
    # a notification whose job was lost is sent again
    jobs=(PeriodicJob("backend.notify.jobs:resend_stale_notifications", interval=600),),
)
