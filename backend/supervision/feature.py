"""Supervision, as registered with the app (see ``backend/features.py``)."""

from datetime import datetime

from backend.authz.roles import StaffRole
from backend.core.feature import AuditEntity, Feature, NavEntry, PeriodicJob
from backend.org.models import Company
from backend.supervision.models import (
    Filing,
    FilingKind,
    FilingState,
    Inspection,
    OrderStatus,
    SupervisionOrder,
)

#: who may file any kind of filing (on someone's behalf)
_FILERS = frozenset({StaffRole.platform_admin, StaffRole.street_officer})
OFFICERS = frozenset({StaffRole.platform_admin, StaffRole.street_officer, StaffRole.bureau_officer})

feature = Feature(
    name="supervision",
    label="监管",
    models="backend.supervision.models",
    admin=("admin.supervision",),
    nav=(
        NavEntry(
            "admin.supervision_dashboard",
            "监管",
            module="admin.supervision",
            permission="supervision.read",
            group="监管",
        ),
        # the company's side: the 督办 orders it must answer
        NavEntry(
            "admin.supervision_orders",
            "督办",
            module="admin.supervision",
            permission="supervision.answer",
            group="工单",
        ),
    ),
    demo="backend.supervision.demo:seed",
    # every ticket event updates the facts and rollups in its own transaction
    ticket_hooks=("backend.supervision.rollups:ticket_changed",),
    permissions={
        # the dashboard, overdue list, evaluations, credit records and lists of the
        # officer's jurisdiction (street: its estates; bureau: its district's)
        "supervision.read": OFFICERS,
        # the bureau's home page: its district street by street (backend/supervision/home.py)
        "supervision.city": frozenset({StaffRole.bureau_officer}),
        "supervision.export": OFFICERS,
        # 督办: officers order, the company (admin, service desk) answers
        "supervision.order": OFFICERS,
        "supervision.answer": frozenset({StaffRole.company_admin, StaffRole.service_desk}),
        # inspections entered by officers; credit entries (awards, upheld complaints)
        "supervision.inspect": OFFICERS,
        "supervision.credit": OFFICERS,
        # monthly evaluations and the yearly red/black list: the bureau (and the platform)
        "supervision.evaluate": frozenset({StaffRole.platform_admin, StaffRole.bureau_officer}),
        # filings (备案): companies file themselves, managers and contracts; the street
        # office files committees and reviews everything filed with it
        "filing.submit": frozenset(
            {
                StaffRole.platform_admin,
                StaffRole.company_admin,
                StaffRole.committee_member,
                StaffRole.street_officer,
            }
        ),
        "filing.review": frozenset({StaffRole.platform_admin, StaffRole.street_officer}),
        # which kinds each role may file (officers may enter any on someone's behalf)
        "filing.company": _FILERS | {StaffRole.company_admin},
        "filing.manager": _FILERS | {StaffRole.company_admin},
        "filing.contract": _FILERS | {StaffRole.company_admin},
        "filing.committee": _FILERS | {StaffRole.committee_member},
    },
    audit_actions={
        "supervision.order": "下达督办",
        "supervision.answer": "回复督办",
        "supervision.accept": "认可督办回复",
        "supervision.return": "退回督办回复",
        "credit.record": "记录信用",
        "inspection.record": "录入检查",
        "supervision.lists": "评定红黑名单",
        "filing.submit": "提交备案",
        "filing.review": "审核备案",
    },
    audit_entities={
        "supervision_order": AuditEntity(
            "督办",
            SupervisionOrder,
            fields={"ticket_id": "工单", "deadline": "办理期限", "status": "状态"},
            values={"status": OrderStatus, "deadline": datetime},
        ),
        "inspection": AuditEntity(
            "检查", Inspection, fields={"score": "得分", "inspected_on": "检查日期"}
        ),
        "filing": AuditEntity(
            "备案",
            Filing,
            fields={"kind": "类型", "subject_id": "对象", "state": "状态", "note": "审核意见"},
            values={"kind": FilingKind, "state": FilingState},
        ),
        "list_entry": AuditEntity("红黑名单", fields={"red": "红名单企业", "black": "黑名单企业"}),
        "credit_record": AuditEntity(
            "信用记录",
            fields={"company_id": "物业企业", "source": "来源", "points": "分值"},
            values={"company_id": Company},
        ),
    },
    jobs=(
        PeriodicJob("backend.supervision.jobs:mark_missed_orders_job", interval=300),
        # 00:20 Asia/Shanghai is 16:20 UTC: flag terms and contracts ending within 60 days
        PeriodicJob("backend.supervision.jobs:flag_expiring_filings_job", cron="20 16 * * *"),
        # 02:00 Asia/Shanghai on the 1st (18:00 UTC the day before): evaluate last month;
        # run daily so a month is recomputed as late events arrive, until the 5th
        PeriodicJob("backend.supervision.jobs:evaluate_last_month_job", cron="0 18 * * *"),
    ),
    todo="backend.supervision.filings:todo",
    board_sources={"evaluations": "backend.supervision.board:items"},
)
