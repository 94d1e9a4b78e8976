"""Mediation (人民调解), as registered with the app (see ``backend/features.py``)."""

from backend.authz.roles import StaffRole
from backend.core.feature import AuditEntity, Feature, NavEntry, PeriodicJob
from backend.mediation.models import CaseState, MediationCase

OFFICERS = frozenset({StaffRole.platform_admin, StaffRole.street_officer, StaffRole.bureau_officer})
COMPANY = frozenset({StaffRole.company_admin, StaffRole.service_desk})

feature = Feature(
    name="mediation",
    label="人民调解",
    models="backend.mediation.models",
    api="backend.mediation.api:blp",
    admin=("admin.mediation",),
    nav=(
        NavEntry(
            "admin.mediation",
            "人民调解",
            module="admin.mediation",
            permission="mediation.read",
            group="监管",
        ),
    ),
    permissions={
        # officers read their jurisdiction's cases; company staff only the cases their
        # company is a party to (backend.authz.scope.party_company); nothing is public
        "mediation.read": OFFICERS | COMPANY,
        # mediators are staff of the street (or community); the platform for support
        "mediation.mediate": frozenset({StaffRole.platform_admin, StaffRole.street_officer}),
        "mediation.committee": frozenset({StaffRole.platform_admin, StaffRole.street_officer}),
        # 督办 of a running case
        "mediation.supervise": OFFICERS,
        # the company answers and signs as a party
        "mediation.party": frozenset({StaffRole.company_admin}),
    },
    audit_actions={
        "mediation.open": "登记调解案件",
        "mediation.accept": "受理调解",
        "mediation.decline": "不予受理调解",
        "mediation.record_session": "记录调解笔录",
        "mediation.agree": "达成调解协议",
        "mediation.fail": "调解不成",
        "mediation.apply_confirmation": "申请司法确认",
        "mediation.follow_up": "调解回访",
        "mediation.close": "调解结案",
        "mediation.consent": "代录当事人意见",
        "mediation.sign": "签署调解文书",
        "mediation.supervise": "督办调解案件",
        "mediation.committee": "调整调解委员会",
    },
    audit_entities={
        "mediation_case": AuditEntity(
            "调解案件",
            MediationCase,
            fields={
                "state": "状态",
                "category": "类别",
                "document": "文书",
                "signer": "签署人",
                "session": "调解笔录",
                "party": "当事人",
                "agree": "是否同意",
            },
            values={"state": CaseState},
        ),
        "mediation_committee": AuditEntity(
            "调解委员会", fields={"add": "增加委员", "remove": "移除委员"}
        ),
    },
    # 09:00 Asia/Shanghai (01:00 UTC): remind of the 30 days for judicial confirmation
    jobs=(PeriodicJob("backend.mediation.jobs:remind_confirmations_job", cron="0 1 * * *"),),
    demo="backend.mediation.demo:seed",
    todo="backend.mediation.services:todo",
)
