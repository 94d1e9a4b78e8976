"""The staff review queue of binding requests."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from backend.accounts import services
from backend.accounts.models import ResidencySource, ResidencyStatus
from backend.audit.models import AuditEntry
from backend.authz.roles import StaffRole
from backend.core.db import commit
from backend.core.errors import Conflict, Forbidden, Invalid, NotFound
from tests.factories import EstateFactory, ResidencyFactory, StaffFactory, UnitFactory


def _pending(estate=None):
    unit = UnitFactory(building__estate=estate) if estate else UnitFactory()
    return ResidencyFactory(unit=unit, status=ResidencyStatus.pending, source=None)


def test_queue_holds_only_pending_requests_in_scope(db):
    estate = EstateFactory()
    mine = _pending(estate)
    _pending()  # another company's estate
    ResidencyFactory(unit__building__estate=estate)  # already active
    desk = StaffFactory(role=StaffRole.service_desk, company=estate.company)

    queue = db.session.scalars(services.review_queue(desk)).all()

    assert [r.id for r in queue] == [mine.id]


def test_approval_activates_and_is_audited(db):
    residency = _pending()
    admin = StaffFactory()

    services.approve_residency(admin, residency.id)
    commit()

    db.session.refresh(residency)
    assert residency.status == ResidencyStatus.active
    assert residency.source == ResidencySource.review
    assert residency.reviewed_by_id == admin.id
    entry = db.session.scalars(sa.select(AuditEntry)).one()
    assert entry.action == "residency.approve"
    assert entry.before["status"] == "pending"
    assert entry.after["status"] == "active"


def test_second_approval_is_refused(db):
    residency = _pending()
    admin = StaffFactory()
    services.approve_residency(admin, residency.id)
    commit()

    with pytest.raises(Conflict):
        services.approve_residency(admin, residency.id)


def test_rejection_needs_a_reason(db):
    residency = _pending()
    admin = StaffFactory()

    with pytest.raises(Invalid):
        services.reject_residency(admin, residency.id, "  ")
    services.reject_residency(admin, residency.id, "房号与名册不符")
    commit()

    db.session.refresh(residency)
    assert residency.status == ResidencyStatus.rejected
    assert residency.reject_reason == "房号与名册不符"


def test_other_companys_staff_cannot_review(db):
    residency = _pending()
    outsider = StaffFactory(role=StaffRole.company_admin, company=EstateFactory().company)

    with pytest.raises(NotFound):
        services.approve_residency(outsider, residency.id)


def test_technician_may_not_review(db):
    residency = _pending()
    technician = StaffFactory(
        role=StaffRole.technician, company=residency.unit.building.estate.company
    )

    with pytest.raises(Forbidden):
        services.approve_residency(technician, residency.id)


def test_tenancy_that_ended_while_waiting_cannot_be_approved(db):
    from datetime import timedelta

    from backend.core.time import local_today

    residency = _pending()
    residency.role, residency.ends_on = "tenant", local_today()
    db.session.commit()

    with pytest.raises(Conflict, match="租期已结束"):
        services.approve_residency(StaffFactory(), residency.id)
    db.session.refresh(residency)
    assert residency.status == ResidencyStatus.pending

    residency.ends_on = local_today() + timedelta(days=1)
    db.session.commit()
    assert services.approve_residency(StaffFactory(), residency.id).status == "active"
