"""Notifications, as registered with the app (see ``backend/features.py``)."""

from backend.core.feature import Feature, PeriodicJob

feature = Feature(
    name="notify",
    label="消息通知",
    models="backend.notify.models",
    api="backend.notify.api:blp",
    # a notification whose job was lost is sent again
    jobs=(PeriodicJob("backend.notify.jobs:resend_stale_notifications", interval=600),),
)
