"""A tenant's residency ends on its end date."""

from __future__ import annotations

from datetime import timedelta

from backend.accounts import services
from backend.accounts.jobs import end_expired_tenancies_job
from backend.accounts.models import Residency, ResidencyRole, ResidencyStatus
from backend.core.time import local_today
from tests.factories import ResidencyFactory
from tests.helpers import bearer


def test_tenancy_is_current_until_the_day_before_its_end_date(db):
    today = local_today()
    tomorrow = ResidencyFactory(role=ResidencyRole.tenant, ends_on=today + timedelta(days=1))
    ends_today = ResidencyFactory(role=ResidencyRole.tenant, ends_on=today)

    assert tomorrow.is_current
    assert not ends_today.is_current


def test_job_ends_tenancies_on_their_end_date_and_no_others(db):
    today = local_today()
    due = ResidencyFactory(role=ResidencyRole.tenant, ends_on=today)
    later = ResidencyFactory(role=ResidencyRole.tenant, ends_on=today + timedelta(days=1))
    owner = ResidencyFactory()

    assert end_expired_tenancies_job() == 1
    assert end_expired_tenancies_job() == 0  # safe to run twice

    db.session.expire_all()
    assert db.session.get(Residency, due.id).status == ResidencyStatus.ended
    assert db.session.get(Residency, due.id).ended_at is not None
    assert db.session.get(Residency, later.id).status == ResidencyStatus.active
    assert db.session.get(Residency, owner.id).status == ResidencyStatus.active


def test_ended_tenancy_no_longer_opens_the_unit(client, db):
    residency = ResidencyFactory(
        role=ResidencyRole.tenant, ends_on=local_today() + timedelta(days=1)
    )
    headers = bearer(residency.resident)
    assert client.get(f"/api/v1/me/units/{residency.unit_id}", headers=headers).status_code == 200

    # the day after: a day before its end date is no longer "tomorrow"
    services.end_expired_tenancies(today=local_today() + timedelta(days=1))
    db.session.commit()

    assert client.get(f"/api/v1/me/units/{residency.unit_id}", headers=headers).status_code == 404
    assert client.get("/api/v1/me/units", headers=headers).json == []
    mine = client.get("/api/v1/me/residencies", headers=headers).json
    assert mine[0]["status"] == "ended"


def test_tenancy_past_its_end_date_is_not_current_even_before_the_job_runs(client, db):
    residency = ResidencyFactory(role=ResidencyRole.tenant, ends_on=local_today())

    resp = client.get("/api/v1/me/units", headers=bearer(residency.resident))

    assert resp.json == []
