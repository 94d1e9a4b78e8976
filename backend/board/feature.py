"""Disclosure boards (信息公示栏), as registered with the app (see ``backend/features.py``)."""

from backend.authz.roles import StaffRole
from backend.core.feature import AuditEntity, Feature, NavEntry, PeriodicJob

feature = Feature(
    name="board",
    label="信息公示",
    models="backend.board.models",
    api="backend.board.api:blp",
    admin=("admin.board",),
    nav=(
        NavEntry(
            "admin.board", "信息公示", module="admin.board", permission="board.read", group="公示"
        ),
        NavEntry(
            "admin.board_posts",
            "全部公示",
            module="admin.board",
            permission="board.read",
            group="公示",
        ),
    ),
    permissions={
        # boards of the estates in scope, their compliance and read statistics
        "board.read": frozenset(StaffRole),
        # publish, correct and withdraw, each publisher only in its own sections
        # (``board.as_<publisher>``: whom the role speaks for)
        "board.publish": frozenset(
            {
                StaffRole.company_admin,
                StaffRole.service_desk,
                StaffRole.committee_member,
                StaffRole.street_officer,
            }
        ),
        "board.as_company": frozenset({StaffRole.company_admin, StaffRole.service_desk}),
        "board.as_committee": frozenset({StaffRole.committee_member}),
        "board.as_street": frozenset({StaffRole.street_officer}),
        # remove a version's content that disclosed personal data (company admin or above;
        # the fact, time, person and reason stay on record)
        "board.redact": frozenset({StaffRole.company_admin, StaffRole.platform_admin}),
    },
    audit_actions={
        "board.publish": "发布公示",
        "board.correct": "更正公示",
        "board.withdraw": "撤回公示",
        "board.redact": "删除公示版本中的个人信息",
    },
    audit_entities={"board_post": AuditEntity("公示")},
    # a publisher's own sections missing or overdue; the street: boards not compliant
    todo="backend.board.compliance:todo",
    # owners who became owners after a must-read notice was published are told too (once)
    jobs=(PeriodicJob("backend.board.jobs:remind_must_read_job", interval=3600),),
    demo="backend.board.demo:seed",
)
