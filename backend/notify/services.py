"""Sending WeChat subscribe messages through jobs, with retries and a record of each try."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app

from backend.accounts.models import Resident
from backend.core.db import defer
from backend.core.time import to_local, utcnow
from backend.extensions import db
from backend.jobs import job
from backend.notify.models import DeliveryAttempt, DeliveryStatus, Notification
from backend.wechat.client import WeChatError, send_subscribe_message

log = logging.getLogger(__name__)


def _thing(text: str) -> dict:
    # WeChat's "thing" fields hold at most 20 characters
    return {"value": text[:20]}


def queue_notification(resident_id: int, kind: str, template_id: str, data: dict, page: str = ""):
    """Record a notification and send it by a job once the transaction commits."""
    notification = Notification(
        resident_id=resident_id, kind=kind, template_id=template_id, data=data, page=page
    )
    db.session.add(notification)
    db.session.flush()
    defer(deliver_notification, notification.id)
    return notification


def notify_residency_active(residency) -> Notification:
    """Tell a resident that their residency in a unit is now active."""
    unit = residency.unit
    activated = to_local(residency.activated_at or utcnow())
    return queue_notification(
        residency.resident_id,
        "residency_active",
        current_app.config["WECHAT_SUBSCRIBE_TEMPLATE_RESIDENCY"],
        {
            "thing1": _thing(unit.estate.name),
            "thing2": _thing(unit.label),
            "phrase3": _thing(residency.role.label),
            "time4": {"value": activated.strftime("%Y-%m-%d %H:%M")},
        },
        page="pages/me/units",
    )


@job
def deliver_notification(notification_id: int) -> None:
    """Try to send one notification; on failure retry with backoff, then mark it failed.

    Safe to run twice: a notification that is no longer pending is left alone.
    """
    # the row lock keeps two workers from sending the same message at once
    notification = db.session.scalars(
        sa.select(Notification).where(Notification.id == notification_id).with_for_update()
    ).first()
    if notification is None or notification.status != DeliveryStatus.pending:
        return
    openid = db.session.get(Resident, notification.resident_id).openid
    notification.attempt_count += 1
    try:
        send_subscribe_message(
            openid, notification.template_id, notification.data, notification.page
        )
    except WeChatError as exc:
        error = str(exc)[:500]
        db.session.add(DeliveryAttempt(notification=notification, ok=False, error=error))
        notification.last_error = error
        delays = current_app.config["NOTIFY_RETRY_DELAYS"]
        retries_done = notification.attempt_count - 1
        if retries_done < len(delays):
            log.warning(
                "notification %s failed (try %s), retrying: %s",
                notification.id,
                notification.attempt_count,
                error,
            )
            defer(deliver_notification, notification.id, delay=delays[retries_done])
        else:
            notification.status = DeliveryStatus.failed
            log.error("notification %s failed for good: %s", notification.id, error)
        return
    db.session.add(DeliveryAttempt(notification=notification, ok=True))
    notification.status = DeliveryStatus.sent
    notification.sent_at = utcnow()


@job
def resend_stale_notifications() -> int:
    """Enqueue again the notifications still pending long after they were made.

    A job can be lost (Redis down at enqueue time, a worker killed mid-job); this sweep,
    run every ten minutes by the clock process, makes sure each one is tried to the end.
    Safe to run twice: delivering checks, under a row lock, that the notification is
    still pending.
    """
    cutoff = utcnow() - current_app.config["NOTIFY_STALE_AFTER"]
    stale = db.session.scalars(
        sa.select(Notification.id).where(
            Notification.status == DeliveryStatus.pending, Notification.created_at < cutoff
        )
    ).all()
    for notification_id in stale:
        defer(deliver_notification, notification_id)
    if stale:
        log.warning("re-enqueued %s stale notifications", len(stale))
    return len(stale)
