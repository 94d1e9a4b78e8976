"""Residents and staff accounts, as registered with the app (see ``backend/features.py``)."""

from datetime import datetime

from backend.accounts.models import (
    Invite,
    Residency,
    ResidencyRole,
    ResidencySource,
    ResidencyStatus,
    Staff,
)
from backend.authz.roles import StaffRole
from backend.core.feature import AuditEntity, Feature, NavEntry, PeriodicJob
from backend.org.models import Company, Estate, Street, Unit

_SERVICE_DESK = frozenset(
    {StaffRole.platform_admin, StaffRole.company_admin, StaffRole.service_desk}
)

feature = Feature(
    name="accounts",
    label="住户与账号",
    models="backend.accounts.models",
    api="backend.accounts.api:blp",
    admin=("admin.residencies", "admin.residents", "admin.staff"),
    nav=(
        NavEntry(
            "admin.reviews",
            "绑定审核",
            module="admin.residencies",
            permission="residency.review",
            group="住户",
        ),
        NavEntry("admin.residents", "住户查询", module="admin.residents", group="住户"),
        NavEntry(
            "admin.staff_list",
            "账号管理",
            module="admin.staff",
            permission="staff.manage",
            group="系统",
        ),
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
    audit_entities={
        "invite": AuditEntity(
            "邀请码",
            Invite,
            fields={"unit_id": "房屋", "role": "身份", "expires_at": "有效期至"},
            values={"unit_id": Unit, "role": ResidencyRole, "expires_at": datetime},
        ),
        "residency": AuditEntity(
            "住户身份",
            Residency,
            fields=dict(
                status="状态", source="生效方式", reject_reason="驳回原因", reviewed_by_id="审核人"
            ),
            values=dict(status=ResidencyStatus, source=ResidencySource, reviewed_by_id=Staff),
        ),
        "staff": AuditEntity(
            "员工账号",
            Staff,
            fields={
                "username": "用户名",
                "name": "姓名",
                "phone": "手机号",
                "role": "角色",
                "company_id": "物业企业",
                "estate_id": "小区",
                "street_id": "街道",
                "district": "所属区",
                "active": "可以登录",
                "password": "密码",
            },
            values={
                "role": StaffRole,
                "company_id": Company,
                "estate_id": Estate,
                "street_id": Street,
            },
        ),
    },
    # 00:05 Asia/Shanghai is 16:05 UTC: tenancies end on their end date
    jobs=(PeriodicJob("backend.accounts.jobs:end_expired_tenancies_job", cron="5 16 * * *"),),
    demo="backend.accounts.demo:seed",
    todo="backend.accounts.services:todo",
)
