"""Demo data of people: staff of every role with one known password, residents waiting in
the review queue and unused invite codes for the H5 simulator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from backend.accounts import services as accounts
from backend.accounts.models import Invite, ResidencyRole, Resident, Staff
from backend.authz.roles import COMPANY_ROLES, StaffRole
from backend.core.time import utcnow
from backend.extensions import db
from backend.org.demo import DISTRICT, INVITE_UNITS
from backend.org.models import Committee, Street

if TYPE_CHECKING:
    from backend.demo import Demo

DEMO_PASSWORD = "Linli2026!"
INVITE_TTL = timedelta(days=30)


@dataclass(frozen=True)
class _StaffSpec:
    username: str
    name: str
    role: StaffRole
    #: company key, estate name, or nothing: the scope column the role needs
    scope: str | None = None


STAFF = (
    _StaffSpec("admin", "林晓峰", StaffRole.platform_admin),
    _StaffSpec("jiahe.admin", "周建华", StaffRole.company_admin, "jiahe"),
    _StaffSpec("jiahe.kefu", "沈佳怡", StaffRole.service_desk, "jiahe"),
    _StaffSpec("jiahe.weixiu", "吴国强", StaffRole.technician, "jiahe"),
    _StaffSpec("lvting.admin", "郑丽萍", StaffRole.company_admin, "lvting"),
    _StaffSpec("lvting.kefu", "许文静", StaffRole.service_desk, "lvting"),
    #: the committee chair: their name is filled in from the committee
    _StaffSpec("jljy.yeweihui", "", StaffRole.committee_member, "嘉绿景苑"),
    _StaffSpec("wenxin.jiedao", "钱文博", StaffRole.street_officer),
    _StaffSpec("xihu.zhujian", "孙晓燕", StaffRole.bureau_officer),
)

#: (openid, unionid, name, phone, estate, building, unit, role, note)
PENDING = (
    ("o-demo-li", "u-demo-li", "李娜", "13900000002", "嘉绿景苑", "1幢", "102",
     ResidencyRole.owner, "换了手机号，名册上还是旧号码"),
    ("o-demo-wang", "u-demo-wang", "王芳", "13900000003", "嘉绿景苑", "1幢", "101",
     ResidencyRole.family, "张伟的妻子"),
    ("o-demo-zhao", "u-demo-zhao", "赵磊", "13900000004", "紫桂花园", "1幢", "301",
     ResidencyRole.tenant, "租期一年，租赁合同已交物业"),
)  # fmt: skip
#: (code, estate, building, unit, role, created by) — codes use the invite alphabet
INVITES = (
    ("WXJD2345", *INVITE_UNITS[0], ResidencyRole.owner, "jiahe.kefu"),
    ("WXJD6789", *INVITE_UNITS[1], ResidencyRole.tenant, "lvting.kefu"),
)


def seed(demo: Demo) -> None:
    """Create the staff, the residents waiting for review and the invite codes; when the demo
    exists, give its unused invites a fresh expiry instead."""
    if demo.existing:
        _refresh_invites()
        return
    _PeopleBuilder(demo).build()


class _PeopleBuilder:
    def __init__(self, demo: Demo):
        self.demo = demo

    def _lease_ends_on(self, role: ResidencyRole) -> date | None:
        """Demo tenants rent for a year."""
        return self.demo.today + timedelta(days=365) if role == ResidencyRole.tenant else None

    def build(self) -> None:
        self._staff(self.demo.street, self.demo.committee)
        self._residents()
        self._invites()
        db.session.flush()

    def _staff(self, street: Street, committee: Committee) -> None:
        # one hash for every demo account: they share the password, and scrypt is slow
        password_hash = generate_password_hash(DEMO_PASSWORD)
        for spec in STAFF:
            staff = Staff(
                username=spec.username,
                name=spec.name or committee.members[0].name,
                phone="",
                role=spec.role,
                password_hash=password_hash,
            )
            if spec.role in COMPANY_ROLES:
                staff.company = self.demo.companies[spec.scope]
            elif spec.role == StaffRole.committee_member:
                staff.estate = self.demo.estates[spec.scope]
                staff.phone = committee.members[0].phone
            elif spec.role == StaffRole.street_officer:
                staff.street = street
            elif spec.role == StaffRole.bureau_officer:
                staff.district = DISTRICT
            db.session.add(staff)
            self.demo.staff[spec.username] = staff
        db.session.flush()

    def _residents(self) -> None:
        """Demo residents whose requests wait in the review queue."""
        for openid, unionid, name, phone, estate, building, unit, role, note in PENDING:
            resident = Resident(openid=openid, unionid=unionid, nickname=name)
            db.session.add(resident)
            db.session.flush()
            ends_on = self._lease_ends_on(role)
            accounts.request_binding(
                resident,
                self.demo.unit_ids[(estate, building, unit)],
                role,
                name,
                phone,
                note=note,
                ends_on=ends_on,
            )

    def _invites(self) -> None:
        for code, estate, building, unit, role, creator in INVITES:
            db.session.add(
                Invite(
                    code=code,
                    unit_id=self.demo.unit_ids[(estate, building, unit)],
                    role=role,
                    tenant_ends_on=self._lease_ends_on(role),
                    created_by_staff_id=self.demo.staff[creator].id,
                    expires_at=utcnow() + INVITE_TTL,
                )
            )


def _refresh_invites() -> None:
    """Give the demo invites that are still unused a fresh expiry, so a demo never stalls."""
    now = utcnow()
    for invite in db.session.scalars(
        sa.select(Invite).where(
            Invite.code.in_([code for code, *_ in INVITES]), Invite.used_at.is_(None)
        )
    ):
        if invite.expires_at - now < INVITE_TTL / 2:
            invite.expires_at = now + INVITE_TTL
    db.session.flush()
