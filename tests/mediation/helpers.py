"""Mediation rows other test modules need (the permission matrix, the CSP pages)."""

from __future__ import annotations

from backend.accounts.models import StaffRole
from backend.core.db import commit
from backend.extensions import db
from backend.mediation import services
from backend.tickets import services as tickets
from backend.tickets.models import TicketKind, TicketState
from tests.factories import StaffFactory


def committee(street_id: int) -> list:
    """The street's committee members, making a committee of three if it has none."""
    members = services.mediators(street_id)
    if members:
        return [m.staff for m in members]
    platform = StaffFactory(role=StaffRole.platform_admin)
    staff = [StaffFactory(role=StaffRole.street_officer, street_id=street_id) for _ in range(3)]
    for member in staff:
        services.add_mediator(platform, member.id)
    commit()
    return staff


def requested_case(resident, estate_id: int):
    """A case the resident asked for from a fresh answered complaint."""
    ticket, _ = tickets.create_ticket(
        resident,
        kind=TicketKind.complaint,
        estate_id=estate_id,
        location="小区东门",
        description="投诉处理不满意",
    )
    ticket.state = TicketState.resolved
    db.session.flush()
    case = services.request_from_ticket(resident, ticket.id, "neighbours", "楼上噪音")
    commit()
    return case


def agreed_case(estate):
    """A neighbours' case of ``estate`` with an agreement waiting for signatures."""
    mediator = committee(estate.street_id)[0]
    case = services.open_case(
        mediator,
        estate.id,
        "neighbours",
        "楼上漏水",
        [
            {"kind": "neighbour", "side": "applicant", "name": "李四"},
            {"kind": "neighbour", "side": "respondent", "name": "王五"},
        ],
    )
    services.act(mediator, case.id, "accept", {})
    for party in case.parties:
        services.staff_answer(mediator, case.id, party.id, True)
    services.act(mediator, case.id, "record_session", {"attendees": "双方", "record": "笔录"})
    services.act(mediator, case.id, "agree", {"agreement": "王五修复防水层并赔偿 500 元"})
    commit()
    return case
