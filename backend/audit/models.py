"""The audit log (操作日志)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.core.time import UTCDateTime, utcnow
from backend.extensions import db


class AuditEntry(db.Model):
    """One write by a staff member: append-only."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff.id"), index=True)
    #: the estate the write concerns, when it concerns one (for scoped viewing)
    estate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("estates.id"), index=True)
    #: the company of the acting staff member, for company admins' view
    company_id: Mapped[int | None] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    entity_type: Mapped[str] = mapped_column(sa.String(40))
    entity_id: Mapped[str] = mapped_column(sa.String(40), default="")
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    ip: Mapped[str] = mapped_column(sa.String(45), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    staff = relationship("Staff")
