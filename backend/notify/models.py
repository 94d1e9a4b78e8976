"""Models of notifications and their delivery attempts."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.time import UTCDateTime, utcnow
from backend.extensions import db


class DeliveryStatus(enum.StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"

    @property
    def label(self) -> str:
        return {"pending": "待发送", "sent": "已送达", "failed": "发送失败"}[self.value]


class Notification(db.Model):
    """A WeChat subscribe message to one resident, with its delivery state."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("residents.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    template_id: Mapped[str] = mapped_column(sa.String(64))
    page: Mapped[str] = mapped_column(sa.String(200), default="")
    data: Mapped[dict] = mapped_column(sa.JSON)
    status: Mapped[DeliveryStatus] = mapped_column(
        sa.Enum(DeliveryStatus, native_enum=False, length=20), default=DeliveryStatus.pending
    )
    attempt_count: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    resident = relationship("Resident")
    attempts: Mapped[list[DeliveryAttempt]] = relationship(
        back_populates="notification", order_by="DeliveryAttempt.id"
    )


class DeliveryAttempt(db.Model):
    """One try at sending a notification: its outcome and the error if it failed."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(sa.ForeignKey("notifications.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ok: Mapped[bool] = mapped_column()
    error: Mapped[str] = mapped_column(sa.String(500), default="")

    notification: Mapped[Notification] = relationship(back_populates="attempts")
