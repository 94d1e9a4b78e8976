"""Safety, as registered with the app (see ``backend/features.py``)."""

from backend.authz.roles import StaffRole
from backend.core.feature import AuditEntity, Feature, NavEntry, PeriodicJob
from backend.safety.models import Equipment, EquipmentKind, PatrolRoute, SafetyTask, TaskState

feature = Feature(
    name="safety",
    label="设施设备安全",
    models="backend.safety.models",
    api="backend.safety.api:blp",
    admin=("admin.safety",),
    nav=(
        NavEntry(
            "admin.safety",
            "设施设备",
            module="admin.safety",
            permission="safety.read",
            group="监管",
        ),
        NavEntry(
            "admin.safety_tasks",
            "维保任务",
            module="admin.safety",
            permission="safety.read",
            group="监管",
        ),
    ),
    permissions={
        # the register, the tasks and the overdue list of the estates in scope (officers:
        # their jurisdiction, to supervise)
        "safety.read": frozenset(
            {
                StaffRole.platform_admin,
                StaffRole.company_admin,
                StaffRole.service_desk,
                StaffRole.technician,
                StaffRole.street_officer,
                StaffRole.bureau_officer,
            }
        ),
        # keeping the register (adding, importing, printing check-in codes)
        "safety.manage": frozenset({StaffRole.platform_admin, StaffRole.company_admin}),
        # doing the tasks at the equipment
        "safety.work": frozenset(
            {StaffRole.company_admin, StaffRole.service_desk, StaffRole.technician}
        ),
    },
    audit_actions={
        "safety.equipment": "登记设备",
        "safety.import": "导入设备台账",
        "safety.task": "完成维保任务",
        "safety.route": "新增巡查路线",
        "safety.patrol": "巡查签到",
    },
    audit_entities={
        "safety_equipment": AuditEntity(
            "设备",
            Equipment,
            fields={
                "kind": "类型",
                "name": "名称",
                "location": "位置",
                "registration_code": "注册代码",
                "maintenance_company": "维保单位",
                "maintenance_phone": "维保电话",
                "maintenance_contract": "维保合同",
                "certificate_no": "检验合格证编号",
                "certificate_expires_on": "检验有效期至",
                "schedule_start": "首次保养日期",
            },
            values={"kind": EquipmentKind},
        ),
        "safety_patrol_route": AuditEntity(
            "巡查路线",
            PatrolRoute,
            fields={
                "name": "名称",
                "points": "巡查点",
                "every_days": "每几日",
                "every_months": "每几个月",
                "starts_on": "开始日期",
                "round": "巡查轮次",
                "point": "巡查点",
                "finding": "发现的问题",
                "ticket_id": "工单",
            },
        ),
        "safety_task": AuditEntity(
            "维保任务",
            SafetyTask,
            fields={"state": "状态", "checked_in": "现场扫码", "ticket_id": "工单"},
            values={"state": TaskState},
        ),
    },
    # 01:00 Asia/Shanghai (17:00 UTC): make the tasks due in the coming 31 days
    jobs=(PeriodicJob("backend.safety.jobs:generate_tasks_job", cron="0 17 * * *"),),
    demo="backend.safety.demo:seed",
    todo="backend.safety.services:todo",
    board_sources={"equipment": "backend.safety.board:items"},
)
