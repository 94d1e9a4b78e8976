"""Open311 GeoReport v2 (outside channels), as registered with the app."""

from backend.authz.roles import StaffRole
from backend.core.feature import AuditEntity, Feature, NavEntry
from backend.open311.models import Partner

feature = Feature(
    name="open311",
    label="外部渠道接入",
    models="backend.open311.models",
    admin=("admin.open311",),
    nav=(
        NavEntry(
            "admin.open311",
            "外部接入",
            module="admin.open311",
            permission="open311.manage",
            group="系统",
        ),
    ),
    permissions={
        # partners (12345, grid systems) of the officer's street; the platform: all
        "open311.manage": frozenset({StaffRole.platform_admin, StaffRole.street_officer}),
    },
    audit_actions={"open311.key": "签发接入密钥", "open311.revoke": "吊销接入密钥"},
    audit_entities={
        "open311_partner": AuditEntity("外部接入方", Partner, fields={"name": "名称"}),
    },
    # a partner's ticket changed: push its status to the partner's callback (outbox)
    ticket_hooks=("backend.open311.services:ticket_changed",),
    demo="backend.open311.demo:seed",
)
