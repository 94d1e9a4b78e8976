"""Staff roles and the scope each one holds (who may act where)."""

from __future__ import annotations

from backend.core.enums import LabeledEnum


class StaffRole(LabeledEnum):
    """Staff roles; each comes with a scope (see ``backend.authz.scope``)."""

    company_admin = "company_admin", "物业企业管理员"
    service_desk = "service_desk", "物业客服"
    technician = "technician", "维修师傅"
    committee_member = "committee_member", "业委会成员"
    street_officer = "street_officer", "街道工作人员"
    bureau_officer = "bureau_officer", "区住建部门"  # 区住建局工作人员
    platform_admin = "platform_admin", "平台管理员"
    #: the bank holding a district's maintenance fund (维修资金专户银行): reads the payment
    #: orders addressed to it and records payments, nothing else (backend/fund)
    fund_bank = "fund_bank", "维修资金专户银行"


COMPANY_ROLES = (StaffRole.company_admin, StaffRole.service_desk, StaffRole.technician)

#: the column that holds each role's scope (a platform admin's scope is everything)
ROLE_SCOPE_FIELD = {
    **dict.fromkeys(COMPANY_ROLES, "company_id"),
    StaffRole.committee_member: "estate_id",
    StaffRole.street_officer: "street_id",
    StaffRole.bureau_officer: "district",
    StaffRole.fund_bank: "district",
}


#: where each role's ticket queue opens (``backend.tickets.queue.VIEWS``) when no filter is
#: chosen: a technician on the tickets given to them, the service desk on those nobody has
#: taken yet, the company's admin on all open ones; officers see their whole list
TICKET_QUEUE_HOME: dict[StaffRole, str] = {
    StaffRole.technician: "mine",
    StaffRole.service_desk: "unassigned",
    StaffRole.company_admin: "open",
    StaffRole.platform_admin: "open",
}


def ticket_queue_home(role: StaffRole) -> str:
    """The view of the ticket queue ``role`` lands on (``"all"`` unless said otherwise)."""
    return TICKET_QUEUE_HOME.get(role, "all")
