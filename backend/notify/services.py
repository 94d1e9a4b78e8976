"""Notifications: the consent ledger, queuing a message, the message center, staff figures.

How a message travels: :func:`notify_resident` stores it in the resident's message center
and, if the resident has a consent left for its template, reserves that consent and sends
it by a job (:mod:`backend.notify.jobs`) once the transaction commits. Without a consent it
stays in the message center only (``app_only``): WeChat is never asked.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from contextvars import ContextVar

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from backend.core.db import defer
from backend.core.errors import Invalid, NotFound
from backend.core.time import utcnow
from backend.extensions import db
from backend.notify.messages import EVENTS, Message
from backend.notify.models import DeliveryStatus, Notification, SubscriptionConsent
from backend.wechat.templates import Template, TemplateKind, TemplateSet, load_templates

log = logging.getLogger(__name__)

#: what ``wx.requestSubscribeMessage`` answers per template
ANSWERS = ("accept", "reject", "ban", "filter")
#: WeChat asks about at most this many templates at once
MAX_TEMPLATES_PER_ASK = 3


def templates() -> TemplateSet:
    """The app's subscribe-message templates (``WECHAT_TEMPLATES_FILE``), read once."""
    found = current_app.extensions.get("linli_templates")
    if found is None:
        found = load_templates(current_app.config.get("WECHAT_TEMPLATES_FILE"))
        current_app.extensions["linli_templates"] = found
    return found


def template_of(event_name: str) -> Template:
    """The template an event's messages use."""
    return templates()[EVENTS[event_name].template]


# --- the consent ledger ----------------------------------------------------------------------


def _consent_row(resident_id: int, template_id: str) -> SubscriptionConsent:
    """The ledger row of a resident and template, made if missing (safe against a race)."""
    stmt = sa.select(SubscriptionConsent).where(
        SubscriptionConsent.resident_id == resident_id,
        SubscriptionConsent.template_id == template_id,
    )
    row = db.session.scalars(stmt).first()
    if row is not None:
        return row
    try:
        with db.session.begin_nested():
            row = SubscriptionConsent(resident_id=resident_id, template_id=template_id)
            db.session.add(row)
    except IntegrityError:
        # another request made it at the same moment: use theirs
        row = db.session.scalars(stmt).one()
    return row


def record_subscription_answers(resident_id: int, answers: dict[str, str]) -> list[dict]:
    """Record what the resident answered in ``wx.requestSubscribeMessage``.

    ``answers`` maps template ids to ``accept``/``reject``/``ban``/``filter``. Each
    ``accept`` of a one-time template adds one consent; a long-term template is allowed by
    ``accept`` and withdrawn by any other answer. Returns the resident's consents.
    """
    if not answers:
        raise Invalid("没有订阅结果", {"answers": ["至少一个模板"]})
    if len(answers) > MAX_TEMPLATES_PER_ASK:
        raise Invalid(
            f"一次最多订阅 {MAX_TEMPLATES_PER_ASK} 个消息模板",
            {"answers": [f"最多 {MAX_TEMPLATES_PER_ASK} 个"]},
        )
    known = templates()
    for template_id, answer in answers.items():
        if known.by_id(template_id) is None:
            raise Invalid("未知的订阅消息模板", {template_id: ["模板不存在"]})
        if answer not in ANSWERS:
            raise Invalid("订阅结果无效", {template_id: ["订阅结果取值无效"]})
    for template_id, answer in answers.items():
        template = known.by_id(template_id)
        row = _consent_row(resident_id, template_id)
        values: dict = {"last_answer": answer, "updated_at": utcnow()}
        if template.kind == TemplateKind.long_term:
            values["long_term"] = answer == "accept"
        elif answer == "accept":
            # one UPDATE, so two reports at once both count
            values["remaining"] = SubscriptionConsent.remaining + 1
        if answer == "accept":
            values["accepted_count"] = SubscriptionConsent.accepted_count + 1
        db.session.execute(
            sa.update(SubscriptionConsent)
            .where(SubscriptionConsent.id == row.id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    db.session.expire_all()
    return subscriptions_of(resident_id)


def subscriptions_of(resident_id: int) -> list[dict]:
    """Every template with the resident's consents left for it (0 when never asked)."""
    rows = {
        r.template_id: r
        for r in db.session.scalars(
            sa.select(SubscriptionConsent).where(SubscriptionConsent.resident_id == resident_id)
        )
    }
    found = []
    for template in templates():
        row = rows.get(template.id)
        found.append(
            {
                "template_id": template.id,
                "name": template.name,
                "title": template.title,
                "kind": template.kind.value,
                "remaining": row.remaining if row else 0,
                "long_term": bool(row and row.long_term),
                "last_answer": row.last_answer if row else "",
                "events": [e.name for e in EVENTS.values() if e.template == template.name],
            }
        )
    return found


def reserve_consent(resident_id: int, template: Template) -> bool:
    """Take one consent of the resident for ``template``; False when none is left.

    One conditional UPDATE: two messages at once cannot both use the last consent.
    """
    where = (
        SubscriptionConsent.resident_id == resident_id,
        SubscriptionConsent.template_id == template.id,
    )
    if template.kind == TemplateKind.long_term:
        return bool(
            db.session.scalar(
                sa.select(sa.func.count()).where(*where, SubscriptionConsent.long_term.is_(True))
            )
        )
    stmt = (
        sa.update(SubscriptionConsent)
        .where(*where, SubscriptionConsent.remaining > 0)
        .values(
            remaining=SubscriptionConsent.remaining - 1,
            used_count=SubscriptionConsent.used_count + 1,
        )
        .execution_options(synchronize_session=False)
    )
    return db.session.execute(stmt).rowcount == 1


def give_back_consent(resident_id: int, template_id: str) -> None:
    """Return a reserved consent WeChat did not use (it answered an error before sending)."""
    db.session.execute(
        sa.update(SubscriptionConsent)
        .where(
            SubscriptionConsent.resident_id == resident_id,
            SubscriptionConsent.template_id == template_id,
            SubscriptionConsent.long_term.is_(False),
        )
        .values(
            remaining=SubscriptionConsent.remaining + 1,
            used_count=SubscriptionConsent.used_count - 1,
        )
        .execution_options(synchronize_session=False)
    )


def consent_spent(resident_id: int, template_id: str) -> None:
    """WeChat says the resident has no subscription for the template (43101): none left."""
    db.session.execute(
        sa.update(SubscriptionConsent)
        .where(
            SubscriptionConsent.resident_id == resident_id,
            SubscriptionConsent.template_id == template_id,
        )
        .values(remaining=0, long_term=False, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def delivery_key(notification_id: int, tries_done: int) -> str:
    """The outbox key of a notification's next send: one command per try, so a retry is a
    new command and a repeat of the same try is nothing."""
    return f"notify:{notification_id}:{tries_done}"


# --- sending ---------------------------------------------------------------------------------


#: the sends collected by :func:`sends_in_batches` (``None``: each send is its own command)
_batch: ContextVar[list[int] | None] = ContextVar("linli_notify_batch", default=None)


@contextmanager
def sends_in_batches():
    """Within this block, the WeChat sends of :func:`notify_resident` are collected and,
    at its end, deferred as batches of ``NOTIFY_BATCH_SIZE`` (one outbox command and one
    job each: :func:`backend.notify.jobs.deliver_notifications`) — for many messages at
    once, such as a bill run's notices. Each message is still claimed, sent and recorded
    on its own. Nothing is deferred when the block raises."""
    from backend.notify.jobs import batch_key, deliver_notifications

    collected: list[int] = []
    token = _batch.set(collected)
    try:
        yield
    finally:
        _batch.reset(token)
    size = max(int(current_app.config["NOTIFY_BATCH_SIZE"]), 1)
    for start in range(0, len(collected), size):
        chunk = collected[start : start + size]
        defer(deliver_notifications, chunk, key=batch_key(chunk))


def notify_resident(
    resident_id: int, event: str, *, estate_id: int | None = None, **facts
) -> Notification:
    """Tell a resident about ``event``: THE way every feature notifies a resident.

    ``event`` names a builder in :data:`backend.notify.messages.EVENTS` and ``facts`` are
    its keyword arguments (e.g. ``notify_resident(r.id, "bill_issued", estate_id=e.id,
    unit_label="3幢1502", item_name="物业服务费", amount_fen=123450, due_on=date(...))``).
    The message is always stored in the resident's message center; it is sent on WeChat,
    by a job after the transaction commits, only if the resident has a consent left for the
    event's template (one consent is used). Never commits.
    """
    if event not in EVENTS:
        raise KeyError(f"unknown event {event!r}; see backend.notify.messages.EVENTS")
    message: Message = EVENTS[event].build(**facts)
    template = templates()[message.template]
    consented = reserve_consent(resident_id, template)
    notification = Notification(
        resident_id=resident_id,
        estate_id=estate_id,
        kind=event,
        template_id=template.id,
        title=template.title,
        page=message.page,
        data=message.data,
        status=DeliveryStatus.pending if consented else DeliveryStatus.app_only,
    )
    db.session.add(notification)
    db.session.flush()
    if consented:
        batch = _batch.get()
        if batch is not None:
            batch.append(notification.id)
        else:
            from backend.notify.jobs import deliver_notification

            defer(deliver_notification, notification.id, key=delivery_key(notification.id, 0))
    else:
        log.info("notification %s: no consent for %s, message center only", notification.id, event)
    return notification


# --- the message center ----------------------------------------------------------------------


def messages_of(resident_id: int) -> sa.Select:
    """The resident's messages, newest first (for pagination)."""
    return (
        sa.select(Notification)
        .where(Notification.resident_id == resident_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )


def unread_count(resident_id: int) -> int:
    """How many of the resident's messages are unread."""
    return db.session.scalar(
        sa.select(sa.func.count(Notification.id)).where(
            Notification.resident_id == resident_id, Notification.read_at.is_(None)
        )
    )


def mark_read(resident_id: int, notification_id: int) -> Notification:
    """Mark one of the resident's messages read (someone else's is not found)."""
    notification = db.session.scalars(
        sa.select(Notification).where(
            Notification.id == notification_id, Notification.resident_id == resident_id
        )
    ).first()
    if notification is None:
        raise NotFound("消息不存在")
    if notification.read_at is None:
        notification.read_at = utcnow()
    return notification


def mark_all_read(resident_id: int) -> int:
    """Mark every unread message of the resident read; returns how many were unread."""
    return db.session.execute(
        sa.update(Notification)
        .where(Notification.resident_id == resident_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount


def message_lines(notification: Notification) -> list[dict]:
    """The message's keywords as ``[{label, value}]``, in the template's order."""
    template = templates().by_id(notification.template_id)
    data = notification.data or {}
    keys = [k.key for k in template.keywords if k.key in data] if template else sorted(data)
    return [
        {
            "label": template.label(key) if template else key,
            "value": (data[key] or {}).get("value", "") if isinstance(data[key], dict) else "",
        }
        for key in keys
    ]


# --- staff: who could be reached --------------------------------------------------------------

#: how each delivery status counts in the staff's reach figures
WECHAT_STATUSES = (DeliveryStatus.sent,)
UNDER_WAY_STATUSES = (DeliveryStatus.pending, DeliveryStatus.sending)
APP_ONLY_STATUSES = (DeliveryStatus.app_only, DeliveryStatus.refused, DeliveryStatus.failed)


def reach_by_event(estate_ids: sa.Select | None) -> list[dict]:
    """Per event: messages, and how many residents WeChat reached vs the app only.

    ``estate_ids`` limits to messages about those estates (None: every message).
    """

    def counted(statuses):
        return sa.func.count(sa.case((Notification.status.in_(statuses), 1)))

    stmt = sa.select(
        Notification.kind,
        sa.func.count(Notification.id),
        counted(WECHAT_STATUSES),
        counted(UNDER_WAY_STATUSES),
        counted(APP_ONLY_STATUSES),
        sa.func.count(Notification.read_at),
    ).group_by(Notification.kind)
    if estate_ids is not None:
        stmt = stmt.where(Notification.estate_id.in_(estate_ids))
    rows = {row[0]: row[1:] for row in db.session.execute(stmt)}
    found = []
    for name, event in EVENTS.items():
        total, wechat, under_way, app_only, read = rows.get(name, (0, 0, 0, 0, 0))
        found.append(
            {
                "event": name,
                "label": event.label,
                "total": total,
                "wechat": wechat,
                "under_way": under_way,
                "app_only": app_only,
                "read": read,
            }
        )
    return found


# --- staff: messages whose outcome nobody knows ----------------------------------------------


def unknown_outcomes(staff, limit: int = 200) -> list[Notification]:
    """Messages left ``unknown`` (the worker died while calling WeChat) in ``staff``'s
    scope, newest first, with their resident: staff decide whether to send them again."""
    from sqlalchemy.orm import joinedload

    from backend.authz import scope

    stmt = (
        sa.select(Notification)
        .options(joinedload(Notification.resident))
        .where(Notification.status == DeliveryStatus.unknown)
        .order_by(Notification.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(scope.scoped(stmt, staff, Notification.estate_id)))


def resend_unknown(staff, notification_id: int) -> Notification:
    """A staff member sends a message whose outcome is unknown again (audited). Never done
    by the product itself: if the first send did reach WeChat it spent the resident's
    one-time consent, and WeChat then refuses this one (43101, recorded as refused)."""
    from backend.audit import services as audit
    from backend.authz import scope
    from backend.core.db import transition
    from backend.core.errors import Conflict
    from backend.notify.jobs import deliver_notification

    scope.require(staff, "notify.resend")
    notification = scope.get_scoped(Notification, notification_id, staff)
    if not transition(
        Notification,
        notification.id,
        Notification.status,
        DeliveryStatus.unknown,
        status=DeliveryStatus.pending,
        last_error="",
    ):
        raise Conflict("该消息不是“结果未知”状态，无需重发")
    db.session.refresh(notification)
    defer(
        deliver_notification,
        notification.id,
        key=delivery_key(notification.id, notification.attempt_count),
    )
    audit.record(
        staff,
        "notify.resend",
        "notification",
        notification.id,
        before={"status": DeliveryStatus.unknown.value},
        after={"status": DeliveryStatus.pending.value},
        estate_id=notification.estate_id,
    )
    return notification
