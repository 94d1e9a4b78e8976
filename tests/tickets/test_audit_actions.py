"""Structural gap 2 (issue 17), tickets: staff actions on a ticket (accept, assign…) are in
the audit log, named in Chinese with the ticket, the states and the technician."""

from __future__ import annotations

import sqlalchemy as sa

from backend.audit.models import AuditEntry
from backend.core.db import commit
from tests.admin.conftest import login


def test_ticket_actions_are_in_the_audit_log_in_chinese(client, world, db):
    ticket = world.ticket()
    commit()
    login(client, world.desk)
    client.post(f"/admin/tickets/{ticket.id}/accept", data={"note": "已受理"})
    client.post(f"/admin/tickets/{ticket.id}/assign", data={"assignee_id": world.tech.id})
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["ticket.accept", "ticket.assign"]
    client.get("/admin/logout")
    login(client, world.admin)
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "工单受理" in page and "工单派单" in page
    assert f"工单 T{ticket.id}" in page
    assert "已受理" in page and world.tech.name in page
