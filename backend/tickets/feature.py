"""Tickets, as registered with the app (see ``backend/features.py``)."""

from backend.accounts.models import Staff
from backend.authz.roles import StaffRole
from backend.core.feature import AuditEntity, Feature, NavEntry, PeriodicJob
from backend.org.models import Unit
from backend.tickets.models import Ticket, TicketKind, TicketSource, TicketState
from backend.tickets.states import ACTIONS, DESK

#: officers oversee: they see the tickets escalated to the street office, nothing more
_OFFICERS = frozenset({StaffRole.street_officer, StaffRole.bureau_officer})

feature = Feature(
    name="tickets",
    label="工单",
    models="backend.tickets.models",
    api="backend.tickets.api:blp",
    admin=("admin.tickets",),
    nav=(
        NavEntry(
            "admin.tickets", "工单", module="admin.tickets", permission="ticket.read", group="工单"
        ),
    ),
    permissions={
        # tickets in scope (officers: those on the street office's list); what each role
        # may do to a ticket is decided by the state machine (backend/tickets/states.py)
        "ticket.read": frozenset(StaffRole),
        # the estates' whole queue; officers read only tickets put on their list (escalated)
        "ticket.queue": frozenset(StaffRole) - _OFFICERS,
        # remarks on the timeline (replies to the resident): those who handle the queue
        "ticket.note": frozenset(StaffRole) - _OFFICERS,
        # 维修: works the tickets assigned to them, and acts on those only
        "ticket.work": frozenset({StaffRole.technician}),
        # batch assignment from the queue: those who may 派单 (backend/tickets/states.py)
        "ticket.assign": DESK,
        # 代客报修: the desk takes a ticket for a resident who phoned or came to the counter
        "ticket.take_call": DESK,
        "ticket.export": frozenset(
            {
                StaffRole.platform_admin,
                StaffRole.company_admin,
                StaffRole.service_desk,
                StaffRole.street_officer,
                StaffRole.bureau_officer,
            }
        ),
    },
    # every staff action on a ticket, as the audit log names it (工单受理, 工单派单…)
    audit_actions={
        **{f"ticket.{a.name}": f"工单{a.label}" for a in ACTIONS.values()},
        "ticket.file": "登记工单",
        "ticket.note": "工单备注",
    },
    audit_entities={
        "ticket": AuditEntity(
            "工单",
            Ticket,
            fields={
                "state": "状态",
                "assignee_id": "处理人",
                "note": "说明",
                "source": "来源",
                "kind": "类型",
                "location": "位置",
                "unit_id": "房屋",
                "caller": "报修住户",
            },
            values={
                "state": TicketState,
                "assignee_id": Staff,
                "source": TicketSource,
                "kind": TicketKind,
                "unit_id": Unit,
            },
        )
    },
    # overdue tickets head the staff's to-do list (and the queue's banner)
    todo="backend.tickets.services:todo",
    # overdue responses alert the company, overdue resolutions go to the street office
    jobs=(PeriodicJob("backend.tickets.jobs:flag_overdue_tickets_job", interval=300),),
    demo="backend.tickets.demo:seed",
)
