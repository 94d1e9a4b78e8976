"""Jurisdictions and property, as registered with the app (see ``backend/features.py``)."""

from backend.authz.roles import StaffRole
from backend.core.feature import Feature, NavEntry, PeriodicJob

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
        ),
    ),
    permissions={
        "org.import": frozenset({StaffRole.platform_admin, StaffRole.company_admin}),
        # contracts and committees are filed with the street office, never by the company
        "org.govern": frozenset({StaffRole.platform_admin, StaffRole.street_officer}),
    },
    audit_actions={"org.import": "导入房屋"},
    audit_entities={"estate": "小区", "unit": "房屋"},
    # 00:10 Asia/Shanghai is 16:10 UTC: the company serving each estate follows its contract
    jobs=(PeriodicJob("backend.org.jobs:apply_contracts_job", cron="10 16 * * *"),),
    demo="backend.org.demo:seed",
)
