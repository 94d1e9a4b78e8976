"""Models of Open311: partners (a 12345 hotline system, a grid system) with their hashed
keys, the requests they filed (each a ticket or a mediation case) and the request log."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.enums import LabeledEnum
from backend.core.time import UTCDateTime, utcnow
from backend.extensions import db


class Channel(LabeledEnum):
    """What kind of system the partner is; its tickets carry it as their source."""

    hotline = "hotline", "12345 热线"
    grid = "grid", "网格员"
    open311 = "open311", "其他 Open311 系统"


class Partner(db.Model):
    """A system allowed to file reports with an ``api_key`` (only its SHA-256 is kept)."""

    __tablename__ = "open311_partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    channel: Mapped[Channel] = mapped_column(sa.Enum(Channel, native_enum=False, length=20))
    #: the jurisdiction it files in (jurisdiction_id)
    street_id: Mapped[int] = mapped_column(sa.ForeignKey("streets.id"), index=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: the key's first characters, to recognise it in the panel
    key_prefix: Mapped[str] = mapped_column(sa.String(12))
    #: where status changes are pushed (empty: none)
    callback_url: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    street = relationship("Street")

    def __str__(self) -> str:
        return f"接入方 {self.name}"


class ServiceRequest(db.Model):
    """A report a partner filed (its ``service_request_id`` is this row's id)."""

    __tablename__ = "open311_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("open311_partners.id"))
    service_code: Mapped[str] = mapped_column(sa.String(30))
    #: the partner's own case number (attribute ``ref``), unique per partner
    partner_ref: Mapped[str | None] = mapped_column(sa.String(40))
    #: for ``GET tokens/{token}``
    token: Mapped[str] = mapped_column(sa.String(32), unique=True)
    street_id: Mapped[int] = mapped_column(sa.ForeignKey("streets.id"))
    estate_id: Mapped[int] = mapped_column(sa.ForeignKey("estates.id"))
    ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id"), unique=True)
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("mediation_cases.id"), unique=True)
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    lat: Mapped[float | None] = mapped_column(sa.Float)
    long: Mapped[float | None] = mapped_column(sa.Float)
    #: who called (kept for the company to call back; never published)
    contact_name: Mapped[str] = mapped_column(sa.String(60), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(20), default="")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the status last pushed to the partner's callback ("open"/"closed" + notes digest)
    pushed: Mapped[str] = mapped_column(sa.String(80), default="")

    partner: Mapped[Partner] = relationship()
    ticket = relationship("Ticket")
    case = relationship("MediationCase")
    estate = relationship("Estate")

    __table_args__ = (
        sa.UniqueConstraint("partner_id", "partner_ref"),
        sa.Index("ix_open311_requests_street_time", "street_id", "requested_at"),
        sa.CheckConstraint("(ticket_id IS NULL) <> (case_id IS NULL)", name="ticket_or_case"),
    )


class RequestLog(db.Model):
    """Every call with a key (or trying one): who, what, the answer."""

    __tablename__ = "open311_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("open311_partners.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    method: Mapped[str] = mapped_column(sa.String(8))
    path: Mapped[str] = mapped_column(sa.String(200))
    status: Mapped[int] = mapped_column()
    request_id: Mapped[int | None] = mapped_column()

    __table_args__ = (sa.Index("ix_open311_log_partner_at", "partner_id", "at"),)
