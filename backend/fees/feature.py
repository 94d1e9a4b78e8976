"""Fees and payments (物业费), as registered with the app (see ``backend/features.py``)."""

from backend.authz.roles import StaffRole
from backend.core.feature import AuditEntity, Feature, NavEntry, PeriodicJob
from backend.fees.models import FeeBasis, PaymentMethod, PaymentStatus, PricingForm, RefundState
from backend.org.models import Unit

_ADMINS = frozenset({StaffRole.platform_admin, StaffRole.company_admin})
_DESK = _ADMINS | {StaffRole.service_desk}

feature = Feature(
    name="fees",
    label="物业收费",
    models="backend.fees.models",
    api="backend.fees.api:blp",
    admin=("admin.fees", "admin.cashier"),
    nav=(
        NavEntry(
            "admin.bills",
            "物业收费",
            module="admin.fees",
            permission="fees.read",
            pages=("admin.cashier_search", "admin.cashier_unit", "admin.cashier_collect"),
            group="收费",
        ),
        # oversight bodies: the collection rates (no per-unit bills or arrears)
        NavEntry(
            "admin.fee_reports",
            "物业收费",
            module="admin.fees",
            permission="fees.oversee",
            group="收费",
        ),
    ),
    # the company admin's home: this month's collection rate and the units in arrears
    todo="backend.fees.reports:todo",
    permissions={
        # per-unit money (bills, payments, receipts, arrears with age, reminders, meter
        # readings): the company's desk and admins only. Each row names a household and what
        # it owes, which is personal information (个人信息保护法 Art. 28: financial accounts);
        # committees, street and bureau officers do not need it to oversee, so they never
        # see it (the permission matrix proves it, row by row)
        "fees.read": _DESK,
        # fee standards (public anyway: 明码标价) and collection rates (收缴率) aggregated by
        # estate, building, item and period: what oversight bodies watch (design:
        # "Supervision … fee collection rates")
        "fees.rates": frozenset(set(StaffRole) - {StaffRole.technician}),
        # only for the navigation: those who see the rates but not the bills
        "fees.oversee": frozenset(
            {StaffRole.committee_member, StaffRole.street_officer, StaffRole.bureau_officer}
        ),
        # fee items, prices and bill runs
        "fees.manage": _ADMINS,
        # the counter: cash, transfer and POS payments
        "fees.collect": _DESK,
        # waivers and corrections are recorded by the desk and approved by an admin
        "fees.adjust": _DESK,
        "fees.approve": _ADMINS,
        "fees.refund": _ADMINS,
        "fees.remind": _DESK,
    },
    audit_actions={
        "fee_item.create": "新增收费项目",
        "fee_item.price": "调价",
        "fee_item.update": "修改收费范围",
        "fee_item.deactivate": "停用收费项目",
        "fee_item.activate": "启用收费项目",
        "meter.reading": "录入抄表读数",
        "meter.import": "导入抄表读数",
        "bills.generate": "生成账单",
        "bill.waiver": "减免账单",
        "bill.correction": "更正账单",
        "payment.offline": "线下收款",
        "payment.refund": "原路退款",
        "reminder.wechat": "微信催缴提醒",
        "reminder.written": "书面催交通知",
    },
    # how each record reads in the audit log (a model and Chinese field names may follow)
    audit_entities={
        # amounts (``*_fen``) read in 元 and reasons, notes and periods by the common names
        # of the audit log (backend/audit/services.py COMMON_FIELDS)
        "fee_item": AuditEntity(
            "收费项目",
            fields={
                "name": "名称",
                "basis": "计费依据",
                "pricing_form": "定价形式",
                "basis_document": "定价文件",
                "meter_unit": "计量单位",
                "tenant_pays": "租户缴纳",
                "developer_held_included": "含开发商持有房屋",
                "active": "启用",
                "price": "单价（元）",
                "effective_from": "生效日期",
            },
            values={"basis": FeeBasis, "pricing_form": PricingForm},
        ),
        "meter_reading": AuditEntity(
            "抄表读数",
            fields={"fee_item": "收费项目", "previous": "上期读数", "current": "本期读数"},
            values={"unit_id": Unit},
        ),
        "bill": AuditEntity("账单", fields={"approved_by": "批准人"}),
        "payment": AuditEntity(
            "收款",
            fields={
                "receipt_no": "收据编号",
                "method": "收款方式",
                "bill_ids": "账单",
                "refund": "退款单号",
                "state": "退款状态",
            },
            values={"method": PaymentMethod, "state": RefundState, "status": PaymentStatus},
        ),
    },
    jobs=(
        # 00:30 Asia/Shanghai daily: the current month's bills (made on the 1st; later runs
        # only bill units added since, as generation never makes a bill twice)
        PeriodicJob("backend.fees.jobs:generate_monthly_bills_job", cron="30 16 * * *"),
        # orders whose payment notification never came: ask WeChat Pay, credit or close them
        PeriodicJob("backend.fees.jobs:settle_lost_orders_job", interval=300),
        # refunds WeChat Pay has not finished, or whose job was lost: try them again
        PeriodicJob("backend.fees.jobs:resume_refunds_job", interval=300),
    ),
    demo="backend.fees.demo:seed",
    # fee items and standards on the disclosure board (明码标价), regenerated on change
    board_sources={"fee_standards": "backend.fees.board:items"},
)
