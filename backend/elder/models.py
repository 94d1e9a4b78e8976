"""Elder mode's records: a resident's display setting and their requests for a family
member's help."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.core.time import UTCDateTime, utcnow
from backend.extensions import db


class ResidentSetting(db.Model):
    """How a resident wants the mini-app shown, kept on the server so every phone (and the
    real mini-app) reads the same: ``elder_mode`` is the MIIT 适老化 large-print mode."""

    __tablename__ = "resident_settings"

    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("residents.id"), primary_key=True)
    elder_mode: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HelpRequest(db.Model):
    """请家人帮忙: a resident asked the others bound to the same unit to help with a bill
    (pay it) or a ticket (follow it up). Asking again about the same thing sends nothing new
    (one row per requester and bill, per requester and ticket)."""

    __tablename__ = "help_requests"
    __table_args__ = (
        sa.UniqueConstraint("requester_id", "bill_id"),
        sa.UniqueConstraint("requester_id", "ticket_id"),
        sa.CheckConstraint("(bill_id IS NULL) <> (ticket_id IS NULL)", name="bill_or_ticket"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    requester_id: Mapped[int] = mapped_column(sa.ForeignKey("residents.id"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    bill_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bills.id"))
    #: indexed: a family member's page finds the request by its ticket
    ticket_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    #: how many family members were sent the message
    asked: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
