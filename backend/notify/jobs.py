"""Jobs of notifications: deliver one message on WeChat, sweep up lost ones.

WeChat's answer decides what happens next:

- ``0``: sent;
- ``43101`` (no subscription left): ``refused``, the consent marked spent, never retried;
- a transient error (WeChat unreachable, ``-1`` system busy, ``45009`` rate limit):
  retried after ``NOTIFY_RETRY_DELAYS``, then ``failed``;
- any other error (a bad template, page, openid or keyword): ``failed`` at once.

Every try is a :class:`DeliveryAttempt`. The WeChat call is made outside any row lock or
open transaction: the notification is first claimed (``pending`` → ``sending``, committed),
so a second worker leaves it alone, and its outcome is written in a second transaction.
"""

from __future__ import annotations

import logging
import time

import sqlalchemy as sa
from flask import current_app

from backend.accounts.models import Resident
from backend.core.db import commit, defer
from backend.core.time import utcnow
from backend.extensions import db
from backend.jobs import job
from backend.notify import services
from backend.notify.models import DeliveryAttempt, DeliveryStatus, Notification
from backend.wechat.client import WeChatError, send_subscribe_message

log = logging.getLogger(__name__)

#: WeChat's answer when the user has no subscription (left) for the template
USER_REFUSED = 43101
#: errors worth trying again: system busy, rate limit (and no answer at all: errcode None)
TRANSIENT_ERRCODES = frozenset({-1, 45009})


@job
def deliver_notification(notification_id: int) -> None:
    """Send one notification on WeChat, against the consent reserved for it.

    Safe to run twice: only a ``pending`` notification is claimed, by one worker.
    """
    claimed = _claim(notification_id)
    if claimed is None:
        return
    # the claim is committed before WeChat is called: no lock is held while we wait on it
    commit()
    _send(notification_id, claimed)


@job
def deliver_notifications(notification_ids: list[int]) -> None:
    """Send a batch of notifications (a bill run's notices), one after the other: one job
    and one outbox command for ``NOTIFY_BATCH_SIZE`` messages instead of one each.

    Each message keeps the single send's guarantees: it is claimed and the claim committed
    before WeChat is called, and its outcome is written after WeChat answered. The outcome
    of one and the claim of the next are committed together (one commit per message). A
    batch killed midway leaves the message in flight ``sending`` (unknown, never resent by
    itself) and the rest ``pending``: the outbox runs the command again, which skips what
    is no longer pending. A batch that runs longer than ``NOTIFY_BATCH_SECONDS`` (WeChat
    slow) hands the rest to a new command, so the job stays within its time limit.
    """
    started = time.monotonic()
    budget = current_app.config["NOTIFY_BATCH_SECONDS"]
    for n, notification_id in enumerate(notification_ids):
        if n and time.monotonic() - started > budget:
            rest = notification_ids[n:]
            defer(deliver_notifications, rest, key=batch_key(rest))
            return
        claimed = _claim(notification_id)
        commit()  # this claim, with the previous message's outcome
        if claimed is not None:
            _send(notification_id, claimed)


def batch_key(notification_ids: list[int]) -> str:
    """The outbox key of a batch: its first and last ids and its size (batches of one run
    never overlap, and a batch's rest differs from the batch)."""
    return f"notify:batch:{notification_ids[0]}:{notification_ids[-1]}:{len(notification_ids)}"


def _claim(notification_id: int):
    """``pending`` → ``sending`` in one statement, which also returns what the send needs
    (``None`` when the notification is not pending: another worker has it, or it is done).
    Not committed: the caller commits before WeChat is called."""
    openid = (
        sa.select(Resident.openid).where(Resident.id == Notification.resident_id).scalar_subquery()
    )
    return db.session.execute(
        sa.update(Notification)
        .where(Notification.id == notification_id, Notification.status == DeliveryStatus.pending)
        .values(
            status=DeliveryStatus.sending,
            claimed_at=utcnow(),
            attempt_count=Notification.attempt_count + 1,
        )
        .returning(
            Notification.resident_id,
            Notification.template_id,
            Notification.data,
            Notification.page,
            Notification.attempt_count,
            openid,
        )
        .execution_options(synchronize_session=False)
    ).first()


def _send(notification_id: int, claimed) -> None:
    """Call WeChat for a claimed notification and write its outcome (the caller commits)."""
    resident_id, template_id, data, page, attempt_count, openid = claimed
    errcode, error = None, ""
    try:
        send_subscribe_message(openid, template_id, dict(data), page)
    except WeChatError as exc:
        errcode, error = exc.errcode, str(exc)[:500]
    else:
        errcode = 0

    db.session.execute(
        sa.insert(DeliveryAttempt).values(
            notification_id=notification_id,
            at=utcnow(),
            ok=errcode == 0,
            errcode=errcode or None,
            error=error,
        )
    )
    if errcode == 0:
        _record(notification_id, status=DeliveryStatus.sent, sent_at=utcnow())
        return
    if errcode == USER_REFUSED:
        _record(notification_id, status=DeliveryStatus.refused, last_error=error)
        services.consent_spent(resident_id, template_id)
        log.info("notification %s refused by WeChat (43101): not retried", notification_id)
        return
    delays = current_app.config["NOTIFY_RETRY_DELAYS"]
    retries_done = attempt_count - 1
    if (errcode is None or errcode in TRANSIENT_ERRCODES) and retries_done < len(delays):
        log.warning(
            "notification %s failed (try %s), retrying: %s", notification_id, attempt_count, error
        )
        _record(notification_id, status=DeliveryStatus.pending, last_error=error)
        defer(
            deliver_notification,
            notification_id,
            delay=delays[retries_done],
            key=services.delivery_key(notification_id, attempt_count),
        )
        return
    _record(notification_id, status=DeliveryStatus.failed, last_error=error)
    if errcode is not None:
        # WeChat answered with an error, so it did not use the resident's consent
        services.give_back_consent(resident_id, template_id)
    log.error("notification %s failed for good: %s", notification_id, error)


def _record(notification_id: int, **values) -> None:
    """Write a send's outcome on the notification this job claimed: WeChat's answer is the
    truth, even if a sweep meanwhile took the send for lost (``unknown``)."""
    db.session.execute(
        sa.update(Notification)
        .where(Notification.id == notification_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


@job
def resend_stale_notifications() -> int:
    """Look after notifications whose job went astray; returns how many were touched.

    - still ``pending`` ``NOTIFY_STALE_AFTER`` after it was made: its send is deferred
      again under the same outbox key, which adds nothing when the outbox holds it still
      (the outbox's own sweep hands it over) and a new command when it was lost;
    - still ``sending`` that long after it was claimed: the worker died while calling
      WeChat, so nobody knows whether the message went out and spent the resident's
      one-time consent. It becomes ``unknown`` and is NOT sent again by itself; staff see
      it in 消息触达 and may resend it (:func:`backend.notify.services.resend_unknown`).

    Run every ten minutes by the clock process; safe to run twice.
    """
    cutoff = utcnow() - current_app.config["NOTIFY_STALE_AFTER"]
    pending = db.session.execute(
        sa.select(Notification.id, Notification.attempt_count).where(
            Notification.status == DeliveryStatus.pending, Notification.created_at < cutoff
        )
    ).all()
    for notification_id, tries_done in pending:
        defer(
            deliver_notification,
            notification_id,
            key=services.delivery_key(notification_id, tries_done),
        )
    unknown = db.session.execute(
        sa.update(Notification)
        .where(Notification.status == DeliveryStatus.sending, Notification.claimed_at < cutoff)
        .values(status=DeliveryStatus.unknown, last_error="发送结果未知：发送进程中断")
        .execution_options(synchronize_session=False)
    ).rowcount
    if pending:
        log.warning("%s stale pending notifications handed over again", len(pending))
    if unknown:
        log.warning("%s notifications left sending: outcome unknown, not resent", unknown)
    return len(pending) + unknown
