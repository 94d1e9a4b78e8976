"""Recording and reading the audit log."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.orm import selectinload

from backend.audit.models import AuditEntry
from backend.extensions import db


def snapshot(obj, fields: tuple[str, ...]) -> dict:
    """A JSON-safe picture of ``fields`` of ``obj`` for the before/after columns."""
    out = {}
    for name in fields:
        value = getattr(obj, name)
        if isinstance(value, enum.Enum):
            value = value.value
        elif isinstance(value, Decimal):
            value = str(value)
        elif isinstance(value, date | datetime):
            value = value.isoformat()
        out[name] = value
    return out


def record(
    actor,
    action: str,
    entity_type: str,
    entity_id=None,
    *,
    before: dict | None = None,
    after: dict | None = None,
    estate_id: int | None = None,
) -> AuditEntry:
    """Add an audit entry for a staff write (flushed with the write, committed with it)."""
    entry = AuditEntry(
        staff_id=getattr(actor, "id", None),
        company_id=getattr(actor, "company_id", None),
        estate_id=estate_id,
        action=action,
        entity_type=entity_type,
        entity_id="" if entity_id is None else str(entity_id),
        before=before,
        after=after,
        ip=(request.remote_addr or "") if has_request_context() else "",
    )
    db.session.add(entry)
    return entry


def entries_query(staff) -> sa.Select:
    """The audit entries ``staff`` may read, newest first, with who wrote them (admins only)."""
    from backend.authz.roles import StaffRole

    stmt = sa.select(AuditEntry).options(selectinload(AuditEntry.staff))
    stmt = stmt.order_by(AuditEntry.id.desc())
    if staff.role == StaffRole.platform_admin:
        return stmt
    if staff.role == StaffRole.company_admin:
        return stmt.where(AuditEntry.company_id == staff.company_id)
    return stmt.where(sa.false())
