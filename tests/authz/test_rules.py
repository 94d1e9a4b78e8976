"""The rules that moved into ``backend/authz`` (issue 17): services check what they return
themselves, whatever view (or script) calls them."""

from __future__ import annotations

import pytest

from backend.accounts.models import StaffRole
from backend.authz import scope
from backend.core.errors import Forbidden
from backend.fees import reports
from tests.factories import CompanyFactory, StaffFactory, StreetFactory


@pytest.mark.parametrize("rows", ["arrears_rows", "bills_rows", "payments_rows"])
def test_per_unit_fee_reports_refuse_oversight_before_the_first_row(db, rows):
    """Per-unit lists (with names) are the company's; the report checks, not only the view."""
    officer = StaffFactory(role=StaffRole.street_officer, street=StreetFactory())
    with pytest.raises(Forbidden):
        getattr(reports, rows)(officer)


def test_collection_rates_refuse_a_technician(db):
    technician = StaffFactory(role=StaffRole.technician, company=CompanyFactory())
    with pytest.raises(Forbidden):
        reports.collection_rate(technician)


def test_company_staff_act_only_for_their_company_and_officers_for_their_street(db):
    company, other = CompanyFactory(), CompanyFactory()
    street, elsewhere = StreetFactory(), StreetFactory()
    admin = StaffFactory(role=StaffRole.company_admin, company=company)
    officer = StaffFactory(role=StaffRole.street_officer, street=street)
    platform = StaffFactory(role=StaffRole.platform_admin)
    assert scope.within_own(admin, company_id=company.id)
    assert not scope.within_own(admin, company_id=other.id)
    assert scope.within_own(admin, street_id=elsewhere.id)  # a company is bound by company
    assert scope.within_own(officer, street_id=street.id)
    assert not scope.within_own(officer, street_id=elsewhere.id)
    assert scope.within_own(platform, company_id=other.id, street_id=elsewhere.id)


def test_only_admins_give_roles_and_a_company_admin_only_its_company_roles(db):
    company = CompanyFactory()
    admin = StaffFactory(role=StaffRole.company_admin, company=company)
    desk = StaffFactory(role=StaffRole.service_desk, company=company)
    platform = StaffFactory(role=StaffRole.platform_admin)
    assert set(scope.roles_assignable_by(platform)) == set(StaffRole)
    assert set(scope.roles_assignable_by(admin)) == {
        StaffRole.company_admin,
        StaffRole.service_desk,
        StaffRole.technician,
    }
    assert scope.roles_assignable_by(desk) == []
    assert scope.implied_scope(admin, StaffRole.technician) == {"company_id": company.id}
    assert scope.implied_scope(admin, StaffRole.street_officer) == {}
    assert scope.implied_scope(platform, StaffRole.technician) == {}


def test_a_technician_acts_on_assigned_tickets_only(db):
    granted = frozenset({StaffRole.technician})
    kw = {"assignee_only": True}
    assert scope.role_may_act(StaffRole.technician, granted, is_assignee=True, **kw)
    assert not scope.role_may_act(StaffRole.technician, granted, is_assignee=False, **kw)
    assert not scope.role_may_act(StaffRole.service_desk, granted, is_assignee=True, **kw)
