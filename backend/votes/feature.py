"""Owners' votes, as registered with the app (see ``backend/features.py``)."""

from datetime import datetime

from backend.authz.roles import StaffRole
from backend.core.feature import AuditEntity, Feature, NavEntry, PeriodicJob
from backend.votes.models import Motion

#: the owners' committee runs its estate's votes; the street office guides the owners'
#: assembly (《业主大会和业主委员会指导规则》) and may act for it; the platform for support
MANAGERS = frozenset(
    {StaffRole.committee_member, StaffRole.street_officer, StaffRole.platform_admin}
)

feature = Feature(
    name="votes",
    label="业主表决",
    models="backend.votes.models",
    api="backend.votes.api:blp",
    admin=("admin.votes",),
    nav=(
        NavEntry(
            "admin.votes", "业主表决", module="admin.votes", permission="vote.read", group="表决"
        ),
    ),
    permissions={
        # motions in scope: the committee's estate, the street's estates, the district's
        "vote.read": MANAGERS | {StaffRole.bureau_officer},
        # draft, announce, open, close, publish
        "vote.manage": MANAGERS,
        # paper and proxy ballots are entered by a committee member, with the signed scan
        "vote.enter_ballot": frozenset({StaffRole.committee_member}),
        # corrections of the frozen electorate (logged with reason, shown with the result)
        "vote.correct": frozenset({StaffRole.committee_member, StaffRole.street_officer}),
    },
    # drafts to announce, votes that may open, running votes, results to publish
    todo="backend.votes.services:todo",
    audit_actions={
        "motion.create": "起草表决事项",
        "motion.update": "修改表决事项草稿",
        "motion.delete": "删除表决事项草稿",
        "motion.announce": "发布表决公告",
        "motion.open": "开始投票",
        "motion.close": "截止投票",
        "motion.publish": "公布表决结果",
        "motion.correct": "更正表决人名册",
        "ballot.paper": "录入纸质表决票",
        "ballot.proxy": "录入委托投票",
        "motion.ballots_opened": "查阅完整选票清单（含面积）",
    },
    audit_entities={
        "motion": AuditEntity(
            "表决事项",
            Motion,
            fields={"item": "表决内容", "opens_at": "开始时间", "closes_at": "截止时间"},
            values={"opens_at": datetime, "closes_at": datetime},
        )
    },
    # voting windows open and close on time even when nobody presses the button
    jobs=(PeriodicJob("backend.votes.jobs:advance_motions_job", interval=60),),
    demo="backend.votes.demo:seed",
    board_sources={"vote_results": "backend.votes.board:items"},
)
