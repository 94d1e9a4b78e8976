"""Committee terms (at most five years) and service contracts (one company at a time)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from backend.core.errors import Conflict, Invalid, NotFound
from backend.core.time import local_today
from backend.org import committees, contracts
from backend.org.models import Committee, ManagementMode, ServiceContract
from tests.factories import CompanyFactory, EstateFactory, StaffFactory


def test_committee_term_of_exactly_five_years_is_allowed(db):
    estate = EstateFactory()
    start = date(2026, 3, 1)

    committee = committees.create_committee(
        StaffFactory(), estate.id, start, date(2031, 3, 1), [{"name": "王主任", "position": "主任"}]
    )

    assert committee.members[0].position == "主任"


def test_committee_term_one_day_over_five_years_is_refused(db):
    estate = EstateFactory()

    with pytest.raises(Invalid, match="五年"):
        committees.create_committee(
            StaffFactory(), estate.id, date(2026, 3, 1), date(2031, 3, 2), []
        )
    assert db.session.scalar(sa.select(sa.func.count(Committee.id))) == 0


def test_term_starting_on_29_february_ends_by_28_february(db):
    assert committees.term_limit(date(2028, 2, 29)) == date(2033, 2, 28)


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "allowed"),
    [
        (date(2026, 3, 1), date(2031, 3, 1), True),
        (date(2026, 3, 1), date(2031, 3, 2), False),
        (date(2028, 2, 29), date(2033, 2, 28), True),
        (date(2028, 2, 29), date(2033, 3, 1), False),
    ],
)
def test_the_database_holds_committee_terms_to_five_years(db, starts_on, ends_on, allowed):
    """The CHECK constraint agrees with term_limit, also for a term from 29 February."""
    db.session.add(
        Committee(estate=EstateFactory(), term_starts_on=starts_on, term_ends_on=ends_on)
    )
    if allowed:
        db.session.commit()
    else:
        with pytest.raises(sa.exc.IntegrityError):
            db.session.commit()
    assert (ends_on <= committees.term_limit(starts_on)) is allowed


def test_committee_outside_scope_is_not_found(db):
    from backend.authz.roles import StaffRole

    other = EstateFactory()
    officer = StaffFactory(role=StaffRole.street_officer, street_id=EstateFactory().street_id)

    with pytest.raises(NotFound):
        committees.create_committee(officer, other.id, date(2026, 1, 1), date(2027, 1, 1), [])


def test_contract_in_force_makes_the_company_serve_the_estate(db):
    estate = EstateFactory(company=None)
    company = CompanyFactory()
    today = local_today()

    contracts.sign_contract(
        StaffFactory(), estate.id, company.id, today - timedelta(days=1), today + timedelta(days=3)
    )

    assert estate.company_id == company.id


def test_overlapping_contracts_are_refused(db):
    estate = EstateFactory(company=None)
    company = CompanyFactory()
    admin = StaffFactory()
    contracts.sign_contract(admin, estate.id, company.id, date(2026, 1, 1), date(2027, 1, 1))

    with pytest.raises(Conflict):
        contracts.sign_contract(admin, estate.id, company.id, date(2026, 12, 31), date(2028, 1, 1))
    # back to back is fine: the first ends the day the second starts
    contracts.sign_contract(admin, estate.id, company.id, date(2027, 1, 1), date(2028, 1, 1))
    assert db.session.scalar(sa.select(sa.func.count(ServiceContract.id))) == 2


def test_company_admin_may_not_sign_contracts_or_seat_committees(db):
    from backend.authz.roles import StaffRole
    from backend.core.errors import Forbidden

    estate = EstateFactory()
    admin = StaffFactory(role=StaffRole.company_admin, company=estate.company)

    with pytest.raises(Forbidden):
        contracts.sign_contract(
            admin, estate.id, estate.company_id, date(2026, 1, 1), date(2027, 1, 1)
        )
    with pytest.raises(Forbidden):
        committees.create_committee(admin, estate.id, date(2026, 1, 1), date(2027, 1, 1), [])


def test_street_officer_files_a_contract_for_an_estate_of_their_street(db):
    from backend.authz.roles import StaffRole

    estate = EstateFactory(company=None)
    officer = StaffFactory(role=StaffRole.street_officer, street_id=estate.street_id)
    today = local_today()

    contracts.sign_contract(
        officer, estate.id, CompanyFactory().id, today, today + timedelta(days=365)
    )

    assert estate.company_id is not None


def test_contracts_take_effect_and_lapse_on_their_dates(db):
    old, new = CompanyFactory(), CompanyFactory()
    estate = EstateFactory(company=old)
    admin = StaffFactory()
    today = local_today()
    contracts.sign_contract(
        admin, estate.id, new.id, today + timedelta(days=1), today + timedelta(days=366)
    )
    uncontracted = EstateFactory()
    db.session.commit()
    assert estate.company_id == old.id  # signed ahead: not in force yet

    assert contracts.apply_contracts(today + timedelta(days=1)) == 1
    assert contracts.apply_contracts(today + timedelta(days=1)) == 0  # safe to run twice
    db.session.commit()
    db.session.expire_all()
    assert estate.company_id == new.id
    assert uncontracted.company_id is not None  # no contract on record: left as it was

    assert contracts.apply_contracts(today + timedelta(days=366)) == 1
    db.session.commit()
    db.session.expire_all()
    assert estate.company_id is None  # the contract ended: the company no longer serves it


def test_a_contract_filed_ahead_for_a_self_managed_estate_brings_its_company_on_its_first_day(
    db,
):
    company = CompanyFactory()
    estate = EstateFactory(company=None, management_mode=ManagementMode.self_managed)
    today = local_today()
    contracts.sign_contract(
        StaffFactory(),
        estate.id,
        company.id,
        today + timedelta(days=1),
        today + timedelta(days=366),
    )
    db.session.commit()
    assert (estate.company_id, estate.management_mode) == (None, ManagementMode.self_managed)

    assert contracts.apply_contracts(today + timedelta(days=1)) == 1
    db.session.commit()
    db.session.expire_all()

    # the same outcome as filing it on its first day: served by the company, as a company
    assert (estate.company_id, estate.management_mode) == (company.id, ManagementMode.company)
