"""Jurisdictions and property, as registered with the app (see ``backend/features.py``)."""

from backend.authz.roles import StaffRole
from backend.core.feature import AuditEntity, Feature, NavEntry, PeriodicJob
from backend.org.models import (
    AreaSource,
    Committee,
    Company,
    Estate,
    ManagementMode,
    ServiceContract,
    Unit,
)

feature = Feature(
    name="org",
    label="小区房屋",
    models="backend.org.models",
    api="backend.org.api:blp",
    admin=("admin.org",),
    nav=(
        NavEntry(
            "admin.estates",
            "小区房屋",
            module="admin.org",
            pages=("admin.invite", "admin.create_invite"),
            group="住户",
        ),
    ),
    permissions={
        "org.import": frozenset({StaffRole.platform_admin, StaffRole.company_admin}),
        # contracts and committees are filed with the street office, never by the company
        "org.govern": frozenset({StaffRole.platform_admin, StaffRole.street_officer}),
    },
    audit_actions={
        "org.import": "导入房屋",
        "contract.sign": "登记服务合同",
        "committee.create": "备案业主委员会",
    },
    audit_entities={
        "estate": AuditEntity(
            "小区",
            Estate,
            # an import: what it did, and each changed unit before and after
            fields={
                "rows": "读取行数",
                "buildings_created": "新建楼栋",
                "units_created": "新建房屋",
                "units_updated": "更新房屋",
                "units_changed": "有变化的房屋",
                "owners_created": "新增业主",
                "owners_removed": "移除业主",
                "filename": "文件",
                "units": "房屋变更",
                "floor": "楼层",
                "area": "面积（㎡）",
                "area_source": "面积来源",
                "developer_held": "开发商持有",
                "owners": "业主",
            },
            values={"area_source": AreaSource},
        ),
        "unit": AuditEntity("房屋", Unit),
        "service_contract": AuditEntity(
            "服务合同",
            ServiceContract,
            fields={
                "company_id": "物业企业",
                "management_mode": "管理方式",
                "starts_on": "开始日期",
                "ends_on": "结束日期",
            },
            values={"company_id": Company, "management_mode": ManagementMode},
        ),
        "committee": AuditEntity(
            "业主委员会",
            Committee,
            fields={"term_starts_on": "任期开始", "term_ends_on": "任期结束", "members": "委员"},
        ),
    },
    # 00:10 Asia/Shanghai is 16:10 UTC: the company serving each estate follows its contract
    jobs=(PeriodicJob("backend.org.jobs:apply_contracts_job", cron="10 16 * * *"),),
    demo="backend.org.demo:seed",
)
