"""Filings (备案): entered by whoever files them, reviewed by the street office, listed by
scope; terms and contracts ending within 60 days are flagged once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from backend.accounts.models import StaffRole
from backend.core.errors import Conflict, Forbidden, Invalid, NotFound
from backend.org.models import FilingStatus
from backend.supervision import filings
from backend.supervision.models import FilingKind, FilingState
from tests.factories import CommitteeFactory, StaffFactory

TODAY = date(2026, 11, 30)


def test_a_company_files_its_manager_and_the_street_approves(world, other):
    _manager, filing = filings.file_manager(
        world.admin, world.estate.id, "张经理", date(2026, 1, 1), phone="13800000001"
    )
    assert (filing.kind, filing.state) == (FilingKind.manager, FilingState.submitted)
    assert filings.subject_label(filing) == f"{world.estate.name} · 张经理"
    with pytest.raises(NotFound):
        filings.review(other.street, filing.id, True)
    with pytest.raises(Forbidden):
        filings.review(world.admin, filing.id, True)

    filings.review(world.street, filing.id, True)
    assert filing.state == FilingState.approved
    with pytest.raises(Conflict):
        filings.review(world.street, filing.id, False, "重复审核")


def test_a_rejection_needs_a_reason_and_the_filing_may_be_filed_again(world):
    filing = filings.file_contract(world.admin, world.contract.id)
    assert filing.expires_on == world.contract.ends_on
    with pytest.raises(Invalid):
        filings.review(world.street, filing.id, False)
    filings.review(world.street, filing.id, False, "合同缺少盖章页")
    assert filing.state == FilingState.rejected

    again = filings.file_contract(world.admin, world.contract.id)
    assert again.id == filing.id and again.state == FilingState.submitted
    with pytest.raises(Conflict):
        filings.file_contract(world.admin, world.contract.id)


def test_roles_file_only_their_kinds_in_their_scope(world, other):
    committee = CommitteeFactory(estate=world.estate)
    member = StaffFactory(role=StaffRole.committee_member, estate_id=world.estate.id)
    with pytest.raises(Forbidden):
        filings.file_committee(world.admin, committee.id)
    with pytest.raises(Forbidden):
        filings.file_manager(world.desk, world.estate.id, "王经理", date(2026, 1, 1))
    with pytest.raises(NotFound):
        filings.file_manager(other.street, world.estate.id, "越界", date(2026, 1, 1))
    with pytest.raises(NotFound):
        filings.file_company(world.admin, other.estate.company_id, other.estate.street_id)
    with pytest.raises(Invalid):
        filings.file_company(world.admin, world.estate.company_id, other.estate.street_id)

    filing = filings.file_committee(member, committee.id)
    filings.review(world.street, filing.id, True)
    assert committee.filing_status == FilingStatus.filed

    company = filings.file_company(world.admin, world.estate.company_id, world.estate.street_id)
    listed = {f.id for f in filings.db.session.scalars(filings.filings_query(world.admin))}
    assert company.id in listed and filing.id not in listed
    assert filings.db.session.scalars(filings.filings_query(other.street)).all() == []
    street_sees = filings.db.session.scalars(filings.filings_query(world.street)).all()
    assert {f.id for f in street_sees} == {filing.id, company.id}


def test_terms_and_contracts_ending_within_60_days_are_flagged_once(world):
    world.contract.ends_on = TODAY + timedelta(days=60)
    committee = CommitteeFactory(
        estate=world.estate,
        term_starts_on=TODAY - timedelta(days=1000),
        term_ends_on=TODAY + timedelta(days=61),
    )
    contract = filings.file_contract(world.admin, world.contract.id)
    term = filings.file_committee(world.street, committee.id)
    for f in (contract, term):
        filings.review(world.street, f.id, True)

    ending = filings.db.session.scalars(filings.expiring(world.street, TODAY)).all()
    assert [f.id for f in ending] == [contract.id]
    assert filings.flag_expiring(TODAY) == 1
    assert filings.flag_expiring(TODAY) == 0
    assert filings.flag_expiring(TODAY + timedelta(days=1)) == 1
