"""What residents and staff are told about tickets, through ``backend.notify``."""

from __future__ import annotations

import logging

from backend.notify.services import notify_resident

log = logging.getLogger(__name__)


def ticket_status_changed(ticket, event) -> None:
    """Tell the resident that their ticket changed state: in the message center, and on
    WeChat when they have agreed to it (sent by a job after commit, retried). A ticket no
    resident reported (staff, 12345, Open311) has nobody to tell."""
    if ticket.resident_id is None:
        return
    notify_resident(
        ticket.resident_id,
        "ticket_status_changed",
        estate_id=ticket.estate_id,
        ticket_id=ticket.id,
        ticket_no=f"T{ticket.id}",
        title=f"{ticket.kind.label}：{ticket.description}",
        status_label=ticket.state.label,
        at=event.at,
        note=event.note or "点击查看处理进度",
    )


def response_overdue(ticket) -> None:
    """Alert the company: the ticket waits for a response beyond its time limit.

    The alert is the ``response_overdue`` event: the panel's queue and ticket page show it.
    """
    log.warning("ticket %s: response overdue (estate %s)", ticket.id, ticket.estate_id)
