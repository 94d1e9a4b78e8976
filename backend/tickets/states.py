"""The ticket state machine, in one place: which action moves which state, and who may.

``submitted → accepted → assigned → in_progress → resolved → closed``, plus ``rejected``
(reason required), ``reopened`` (the resident is not satisfied, within
``TICKET_REOPEN_WINDOW`` of the resolution) and ``escalated`` (on the street office's
list: the company still has to resolve it). Every move is applied by
:func:`backend.tickets.services.apply` as one conditional UPDATE.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.accounts.models import StaffRole
from backend.authz import scope
from backend.tickets.models import TicketState as S

#: who acts: staff roles by name, "resident" (the ticket's author) or "system" (jobs)
DESK = frozenset({StaffRole.platform_admin, StaffRole.company_admin, StaffRole.service_desk})
TECH = frozenset({StaffRole.technician})


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    sources: frozenset[S]
    target: S
    #: staff roles allowed; ``resident`` / ``system`` for those actors
    staff: frozenset[StaffRole] = frozenset()
    resident: bool = False
    system: bool = False
    note_required: bool = False
    #: only the technician the ticket is assigned to (when a technician acts)
    assignee_only: bool = False


_ACTIONS = (
    Action("accept", "受理", frozenset({S.submitted, S.reopened}), S.accepted, DESK),
    Action(
        "reject",
        "驳回",
        frozenset({S.submitted, S.accepted, S.reopened}),
        S.rejected,
        DESK,
        note_required=True,
    ),
    Action(
        "assign",
        "派单",
        frozenset({S.accepted, S.assigned, S.reopened, S.escalated}),
        S.assigned,
        DESK,
    ),
    # a technician takes a ticket from the pool: two cannot both take it. Taking a new one
    # (待受理) accepts it and gives it to the technician in one step (issue 19): the take is
    # the company's response to the resident
    Action(
        "take",
        "接单",
        frozenset({S.submitted, S.accepted, S.reopened, S.escalated}),
        S.assigned,
        TECH,
    ),
    Action(
        "start",
        "开始处理",
        frozenset({S.assigned}),
        S.in_progress,
        DESK | TECH,
        assignee_only=True,
    ),
    Action(
        "resolve",
        "处理完成",
        frozenset({S.assigned, S.in_progress, S.escalated}),
        S.resolved,
        DESK | TECH,
        assignee_only=True,
    ),
    Action("close", "关闭", frozenset({S.resolved}), S.closed, DESK, resident=True, system=True),
    Action(
        "reopen",
        "不满意，重新处理",
        frozenset({S.resolved, S.closed}),
        S.reopened,
        resident=True,
        note_required=True,
    ),
    Action(
        "escalate",
        "上报街道",
        frozenset({S.submitted, S.accepted, S.assigned, S.in_progress, S.reopened}),
        S.escalated,
        system=True,
    ),
    # a resident asks the street office to supervise (督办) a complaint
    Action(
        "supervise",
        "申请街道督办",
        frozenset({S.submitted, S.accepted, S.assigned, S.in_progress, S.reopened}),
        S.escalated,
        resident=True,
    ),
)

ACTIONS: dict[str, Action] = {a.name: a for a in _ACTIONS}


def allowed_for_staff(role: StaffRole, state: S, is_assignee: bool) -> list[Action]:
    """The actions a staff member of ``role`` may take on a ticket in ``state``."""
    return [
        a
        for a in _ACTIONS
        if state in a.sources
        and scope.role_may_act(
            role, a.staff, assignee_only=a.assignee_only, is_assignee=is_assignee
        )
    ]


def allowed_for_resident(state: S) -> list[Action]:
    return [a for a in _ACTIONS if a.resident and state in a.sources]


#: how each kind of event reads on a ticket's timeline (residents and staff see these)
EVENT_LABELS: dict[str, str] = {
    "created": "提交",
    **{a.name: a.label for a in _ACTIONS},
    "rate": "评价",
    "note": "回复",
    # a resident's follow-up (补充说明), their own or a family member's for them
    "follow_up": "补充说明",
    # 催办: the resident (or a family member for them) asks that it be handled sooner
    "urge": "催办",
    "response_overdue": "响应超时",
    # supervision (backend/supervision/orders.py)
    "supervision_order": "街道督办",
    "supervision_answer": "物业回复督办",
    "supervision_accept": "街道认可督办回复",
    "supervision_return": "街道退回督办回复",
    "supervision_missed": "督办逾期未回复",
}
