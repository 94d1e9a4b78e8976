"""Residents and staff accounts, as registered with the app (see ``backend/features.py``)."""

from backend.authz.roles import StaffRole
from backend.core.feature import Feature, NavEntry, PeriodicJob

_SERVICE_DESK = frozenset(
    {StaffRole.platform_admin, StaffRole.company_admin, StaffRole.service_desk}
)

feature = Feature(
    name="accounts",
    label="住户与账号",
    models="backend.accounts.models",
    api="backend.accounts.api:blp",
    admin=("admin.residencies", "admin.staff"),
    nav=(
        NavEntry(
            "admin.reviews", "绑定审核", module="admin.residencies", permission="residency.review"
        ),
        NavEntry("admin.staff_list", "账号管理", module="admin.staff", permission="staff.manage"),
    ),
    permissions={
        "residency.review": _SERVICE_DESK,
        "invite.create": _SERVICE_DESK,
        # residents' and owners' phone numbers (个人信息保护法: only who needs them to serve)
        "contact.read": _SERVICE_DESK,
        "staff.manage": frozenset({StaffRole.platform_admin, StaffRole.company_admin}),
    },
    audit_actions={
        "invite.create": "生成邀请码",
        "residency.approve": "通过绑定申请",
        "residency.reject": "驳回绑定申请",
        "staff.create": "新增员工账号",
        "staff.enable": "启用账号",
        "staff.disable": "停用账号",
        "staff.password": "重置密码",
    },
    audit_entities={"invite": "邀请码", "residency": "住户身份", "staff": "员工账号"},
    # 00:05 Asia/Shanghai is 16:05 UTC: tenancies end on their end date
    jobs=(PeriodicJob("backend.accounts.jobs:end_expired_tenancies_job", cron="5 16 * * *"),),
    demo="backend.accounts.demo:seed",
)
