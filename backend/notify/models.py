"""Models of notifications, their delivery attempts and residents' subscription consents."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.enums import LabeledEnum
from backend.core.time import UTCDateTime, utcnow
from backend.extensions import db


class DeliveryStatus(LabeledEnum):
    """How far a notification got on WeChat (every one is in the message center anyway)."""

    #: waiting for its job (a consent is reserved for it)
    pending = "pending", "待发送"
    #: a worker is calling WeChat right now
    sending = "sending", "发送中"
    sent = "sent", "已送达"
    #: transient errors until the retries ran out, or a permanent error
    failed = "failed", "发送失败"
    #: WeChat answered 43101: the resident has no subscription left (never retried)
    refused = "refused", "用户未订阅"
    #: the worker died while calling WeChat: sent or not, nobody knows. Never sent again
    #: by itself (that could spend a second one-time consent); staff may resend it
    unknown = "unknown", "结果未知"
    #: no consent to send with: in the message center only, WeChat never asked
    app_only = "app_only", "仅站内消息"


class Notification(db.Model):
    """A message to one resident about one event (消息): always in their in-app message
    center, and sent as a WeChat subscribe message when they consented to its template."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("residents.id"), index=True)
    #: the estate the message is about (for staff's per-estate figures), if any
    estate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("estates.id"), index=True)
    #: the event that caused it (``backend.notify.messages.EVENTS``)
    kind: Mapped[str] = mapped_column(sa.String(40))
    template_id: Mapped[str] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(60), default="")
    page: Mapped[str] = mapped_column(sa.String(200), default="")
    data: Mapped[dict] = mapped_column(sa.JSON)
    status: Mapped[DeliveryStatus] = mapped_column(
        sa.Enum(DeliveryStatus, native_enum=False, length=20), default=DeliveryStatus.pending
    )
    attempt_count: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: when a worker took it to call WeChat (``sending``)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    resident = relationship("Resident")
    attempts: Mapped[list[DeliveryAttempt]] = relationship(
        back_populates="notification", order_by="DeliveryAttempt.id"
    )

    __table_args__ = (
        # a resident's messages, newest first, without sorting all of them
        sa.Index("ix_notifications_resident_created", "resident_id", "created_at"),
    )


class DeliveryAttempt(db.Model):
    """One try at sending a notification: its outcome and the error if it failed."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(sa.ForeignKey("notifications.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ok: Mapped[bool] = mapped_column()
    #: WeChat's errcode (None: delivered, or WeChat could not be reached)
    errcode: Mapped[int | None] = mapped_column()
    error: Mapped[str] = mapped_column(sa.String(500), default="")

    notification: Mapped[Notification] = relationship(back_populates="attempts")


class SubscriptionConsent(db.Model):
    """The consent ledger of one resident for one template (订阅消息授权).

    Each 允许 the resident taps in ``wx.requestSubscribeMessage`` adds one one-time consent;
    each message sent uses one. A long-term template stays allowed until refused.
    """

    __tablename__ = "subscription_consents"
    __table_args__ = (
        sa.UniqueConstraint("resident_id", "template_id"),
        sa.CheckConstraint("remaining >= 0", name="remaining_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("residents.id"))
    template_id: Mapped[str] = mapped_column(sa.String(64))
    #: one-time consents not yet used
    remaining: Mapped[int] = mapped_column(default=0)
    #: a long-term template the resident allowed (not used up by sending)
    long_term: Mapped[bool] = mapped_column(default=False)
    accepted_count: Mapped[int] = mapped_column(default=0)
    used_count: Mapped[int] = mapped_column(default=0)
    #: accept / reject / ban / filter, as WeChat answered the last time
    last_answer: Mapped[str] = mapped_column(sa.String(10), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
