"""The special maintenance fund, as registered with the app (see ``backend/features.py``)."""

from backend.authz.roles import StaffRole
from backend.core.feature import AuditEntity, Feature, NavEntry, PeriodicJob
from backend.fund.models import FundUse

#: who reads the fund in their scope: the committee (its estate), the company (its estates),
#: the street and the bureau (their jurisdiction), the platform for support
READERS = frozenset(
    {
        StaffRole.company_admin,
        StaffRole.service_desk,
        StaffRole.committee_member,
        StaffRole.street_officer,
        StaffRole.bureau_officer,
        StaffRole.platform_admin,
    }
)

feature = Feature(
    name="fund",
    label="维修资金",
    models="backend.fund.models",
    api="backend.fund.api:blp",
    admin=("admin.fund",),
    nav=(
        NavEntry(
            "admin.fund", "维修资金", module="admin.fund", permission="fund.read", group="收费"
        ),
        # the bank holds no fund.read: its entry leads to the orders addressed to it
        NavEntry(
            "admin.fund_orders",
            "划款通知",
            module="admin.fund",
            permission="fund.orders",
            group="收费",
        ),
    ),
    permissions={
        "fund.read": READERS,
        # the ledger: initial deposits, top-ups, interest, opening balances, bank statements
        "fund.ledger": frozenset({StaffRole.committee_member, StaffRole.platform_admin}),
        # a use's plan: the company (165号令 Art. 22/23) or the committee (民法典 Art. 281)
        "fund.apply": frozenset({StaffRole.company_admin, StaffRole.committee_member}),
        # a company sees and acts on the uses it applied for, not its estates' others
        "fund.own_applications": frozenset({StaffRole.company_admin, StaffRole.service_desk}),
        # the committee organises the owners' vote on a plan; the street office may act for
        # the owners' assembly (《业主大会和业主委员会指导规则》)
        "fund.vote": frozenset({StaffRole.committee_member, StaffRole.street_officer}),
        # review of a use: the reviewer the city's rules name (backend/fund/rules.toml)
        "fund.review_street": frozenset({StaffRole.street_officer}),
        "fund.review_bureau": frozenset({StaffRole.bureau_officer}),
        "fund.review_committee": frozenset({StaffRole.committee_member}),
        # the fund's bank records what it paid; it and the platform read the payment orders
        "fund.pay": frozenset({StaffRole.fund_bank}),
        "fund.orders": frozenset({StaffRole.fund_bank, StaffRole.platform_admin}),
        # the final account and the disclosure after acceptance
        "fund.disclose": frozenset({StaffRole.committee_member, StaffRole.company_admin}),
    },
    audit_actions={
        "fund.deposit": "登记维修资金首期交存",
        "fund.entry": "登记维修资金分户账记录",
        "fund.import_opening": "导入维修资金期初余额",
        "fund.reconcile": "核对维修资金银行流水",
        "fund.interest": "分配维修资金利息",
        "fund_use.create": "起草维修资金使用方案",
        "fund_use.move": "办理维修资金使用申请",
        "fund_use.payment": "登记维修资金划款",
        "fund_use.document": "上传维修资金使用附件",
        "fund_use.photo": "上传维修资金应急证明照片",
        "fund_use.supervise": "督办维修资金审核",
    },
    audit_entities={
        "fund_use": AuditEntity(
            "维修资金使用申请",
            FundUse,
            fields={
                "deadline": "办理期限",
                "document_id": "文件",
                "photo_id": "照片",
                "instructions": "督办要求",
            },
        )
    },
    # reviews answer on time; where the city says so, silence becomes approval
    jobs=(PeriodicJob("backend.fund.jobs:lapse_reviews_job", interval=600),),
    demo="backend.fund.demo:seed",
    todo="backend.fund.notices:todo",
    board_sources={"fund_uses": "backend.fund.board:items"},
)
