"""Demo data: a realistic street that seeds quickly, once, and can be clicked through.

The demo is seeded once for the whole module; the command line's runs, which start from
empty tables, are in ``test_demo_cli.py``."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from backend.accounts import services as accounts
from backend.accounts.models import (
    Invite,
    ResidencyRole,
    ResidencySource,
    ResidencyStatus,
    Resident,
    Staff,
)
from backend.accounts.staff import authenticate
from backend.authz.roles import StaffRole
from backend.core.db import commit
from backend.core.phone import is_mobile
from backend.demo import seed_demo
from backend.extensions import db as _db
from backend.extensions import redis_store
from backend.org.models import (
    MAX_UNIT_AREA,
    MIN_UNIT_AREA,
    AreaSource,
    Building,
    Committee,
    Company,
    Estate,
    FilingStatus,
    ManagementMode,
    OwnerRecord,
    ServiceContract,
    Unit,
)
from tests.conftest import _empty_tables


def row_counts() -> dict[str, int]:
    """Rows in every table of the application."""
    return {
        table.name: _db.session.scalar(sa.select(sa.func.count()).select_from(table))
        for table in _db.metadata.sorted_tables
    }


@pytest.fixture(scope="module")
def demo(app, fake_wechat):
    """The demo, seeded once for this module (seeding takes seconds): its tests read it, and
    what one changes without committing is rolled back (``seeded``)."""
    with app.app_context():
        redis_store.client.flushdb()
        fake_wechat.state.reset()
        summary = seed_demo()
        commit()
        yield summary
        _db.session.rollback()
        _db.session.remove()
        _empty_tables()


@pytest.fixture
def seeded(app, demo):
    with app.app_context():
        yield demo
        _db.session.rollback()
        _db.session.remove()


def count(model, *where) -> int:
    return _db.session.scalar(sa.select(sa.func.count(model.id)).where(*where))


def test_seed_creates_three_estates_with_about_600_units(seeded):
    assert seeded["created"] is True
    assert count(Estate) == 3
    assert 550 <= count(Unit) <= 650
    assert seeded["counts"]["units"] == count(Unit)
    assert {e["name"]: e["units"] for e in seeded["estates"]} == {
        "嘉绿景苑": 282,
        "紫桂花园": 223,
        "德加新村": 96,
    }
    modes = {e.name: e.management_mode for e in _db.session.scalars(sa.select(Estate))}
    assert modes["德加新村"] == ManagementMode.self_managed
    assert (
        _db.session.scalars(sa.select(Estate).where(Estate.name == "德加新村")).one().company_id
        is None
    )


def test_units_have_plausible_exact_areas_sources_and_developer_flags(seeded):
    units = _db.session.scalars(sa.select(Unit)).all()
    areas = [u.area for u in units]
    assert all(isinstance(a, Decimal) and a == a.quantize(Decimal("0.01")) for a in areas)
    assert all(MIN_UNIT_AREA <= a <= MAX_UNIT_AREA for a in areas)
    assert Decimal("58.37") <= min(areas) and max(areas) <= Decimal("143.92")
    sources = defaultdict(int)
    for u in units:
        sources[u.area_source] += 1
    assert sources[AreaSource.registry] > 0.8 * len(units)
    assert sources[AreaSource.survey] > 0
    assert sources[AreaSource.contract] > 0
    held = [u for u in units if u.developer_held]
    assert 1 <= len(held) <= 20
    assert all(u.owners == [] for u in held)


def test_most_units_have_owners_of_record_with_unique_phones(seeded):
    owned = _db.session.scalar(sa.select(sa.func.count(sa.distinct(OwnerRecord.unit_id))))
    assert owned >= 0.85 * count(Unit)
    names_by_phone = defaultdict(set)
    for name, phone in _db.session.execute(sa.select(OwnerRecord.name, OwnerRecord.phone)):
        assert is_mobile(phone)
        names_by_phone[phone].add(name)
    # a phone number is one person, who may own several units
    assert all(len(names) == 1 for names in names_by_phone.values())


def test_companies_contracts_and_a_filed_committee(seeded):
    companies = _db.session.scalars(sa.select(Company)).all()
    assert len(companies) == 2
    assert all(len(c.credit_code) == 18 for c in companies)
    assert count(ServiceContract) == 2
    committee = _db.session.scalars(sa.select(Committee)).one()
    assert committee.estate.name == "嘉绿景苑"
    assert committee.filing_status == FilingStatus.filed
    assert len(committee.members) == 5
    term = committee.term_ends_on - committee.term_starts_on
    assert timedelta(days=365 * 4) < term <= timedelta(days=365 * 5 + 1)
    member_units = {m.unit_id for m in committee.members}
    assert len(member_units) == 5
    for member in committee.members:
        assert _db.session.scalar(
            sa.select(sa.func.count(OwnerRecord.id)).where(
                OwnerRecord.unit_id == member.unit_id,
                OwnerRecord.name == member.name,
                OwnerRecord.phone == member.phone,
            )
        )


def test_staff_of_every_role_sign_in_with_the_demo_password(seeded):
    staff = _db.session.scalars(sa.select(Staff)).all()
    assert {s.role for s in staff} == set(StaffRole)
    assert {s.company.name for s in staff if s.role == StaffRole.company_admin} == {
        c.name for c in _db.session.scalars(sa.select(Company))
    }
    for login in seeded["logins"]:
        assert authenticate(login["username"], login["password"]).username == login["username"]
    assert len(seeded["logins"]) == len(staff)
    committee_member = next(s for s in staff if s.role == StaffRole.committee_member)
    assert committee_member.name == _db.session.scalars(sa.select(Committee)).one().members[0].name


def test_pending_residencies_wait_in_the_review_queue_of_each_company(seeded):
    desk = {s.username: s for s in _db.session.scalars(sa.select(Staff))}
    jiahe = _db.session.scalars(accounts.review_queue(desk["jiahe.kefu"])).all()
    lvting = _db.session.scalars(accounts.review_queue(desk["lvting.kefu"])).all()
    assert {r.resident.openid for r in jiahe} == {"o-demo-li", "o-demo-wang"}
    assert {r.resident.openid for r in lvting} == {"o-demo-zhao"}
    assert len(seeded["pending"]) == 3
    tenant = lvting[0]
    assert tenant.role == ResidencyRole.tenant and tenant.ends_on is not None


def test_zhang_is_matched_with_the_owner_registry(seeded):
    match = seeded["registry_match"]
    unit = _db.session.scalars(
        sa.select(Unit)
        .join(Estate, Estate.id == Unit.estate_id)
        .join(Building, Building.id == Unit.building_id)
        .where(
            Estate.name == match["estate"],
            Building.name == match["building"],
            Unit.number == match["unit"],
        )
    ).one()
    resident = Resident(openid=match["openid"])
    _db.session.add(resident)
    _db.session.flush()

    residency = accounts.request_binding(
        resident, unit.id, ResidencyRole.owner, match["name"], match["phone"]
    )

    assert residency.status == ResidencyStatus.active
    assert residency.source == ResidencySource.registry


def test_the_printed_invite_codes_bind_a_new_resident(seeded):
    assert [i["code"] for i in seeded["invites"]] == ["WXJD2345", "WXJD6789"]
    assert not any(i["used"] for i in seeded["invites"])
    chen = Resident(openid="o-demo-chen")
    _db.session.add(chen)
    _db.session.flush()

    residency = accounts.redeem_invite(chen, "wxjd-2345")

    assert residency.status == ResidencyStatus.active
    assert residency.role == ResidencyRole.owner
    assert residency.unit.owners == []  # a unit whose owner is not yet on record


def test_seeding_twice_creates_nothing_new(seeded):
    before = row_counts()

    again = seed_demo()
    commit()

    assert again["created"] is False
    assert row_counts() == before
    assert again["counts"] == seeded["counts"]
    assert again["logins"] == seeded["logins"]


def test_a_second_run_renews_unused_invites_that_are_about_to_expire(seeded):
    from backend.core.time import utcnow

    invite = _db.session.scalars(sa.select(Invite).where(Invite.code == "WXJD2345")).one()
    invite.expires_at = utcnow() + timedelta(hours=1)
    commit()

    seed_demo()
    commit()

    _db.session.refresh(invite)
    assert invite.expires_at > utcnow() + timedelta(days=20)
