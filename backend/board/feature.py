"""Disclosure boards (信息公示栏), as registered with the app (see ``backend/features.py``)."""

from backend.authz.roles import StaffRole
from backend.core.feature import AuditEntity, Feature, NavEntry, PeriodicJob

feature = Feature(
    name="board",
    label="信息公示",
    models="backend.board.models",
    api="backend.board.api:blp",
    admin=("admin.board",),
    nav=(NavEntry("admin.board", "信息公示", module="admin.board", permission="board.read"),),
    permissions={
        # boards of the estates in scope, their compliance and read statistics
        "board.read": frozenset(StaffRole),
        # publish, correct and withdraw, each publisher only in its own sections
        # (backend.board.sections.ROLE_PUBLISHER)
        "board.publish": frozenset(
            {
                StaffRole.company_admin,
                StaffRole.service_desk,
                StaffRole.committee_member,
                StaffRole.street_officer,
            }
        ),
    },
    audit_actions={
        "board.publish": "发布公示",
        "board.correct": "更正公示",
        "board.withdraw": "撤回公示",
    },
    audit_entities={"board_post": AuditEntity("公示")},
    # a publisher's own sections missing or overdue; the street: boards not compliant
    todo="backend.board.compliance:todo",
    # owners who became owners after a must-read notice was published are told too (once)
    jobs=(PeriodicJob("backend.board.jobs:remind_must_read_job", interval=3600),),
    demo="backend.board.demo:seed",
)
