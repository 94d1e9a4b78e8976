"""A small world for survey tests: a street with two estates served by one company, their
units and residents, the street officer, the company's admin and a survey clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from backend.accounts.models import ResidencyRole, StaffRole
from backend.core.db import commit
from backend.core.time import utcnow
from backend.surveys import services
from tests.factories import (
    BuildingFactory,
    CommunityFactory,
    CompanyFactory,
    EstateFactory,
    ResidencyFactory,
    StaffFactory,
    StreetFactory,
    UnitFactory,
)

T0 = utcnow().replace(microsecond=0)
DURING = T0 + timedelta(hours=1)


@dataclass
class SurveyWorld:
    street: object
    company: object
    estates: list
    officer: object
    company_admin: object
    committee: object
    buildings: dict = field(default_factory=dict)

    def unit(self, estate=None):
        estate = estate or self.estates[0]
        building = self.buildings.get(estate.id)
        if building is None:
            building = self.buildings[estate.id] = BuildingFactory(estate=estate)
        return UnitFactory(building=building)

    def resident(self, unit, role=ResidencyRole.owner, resident=None):
        kw = {"resident": resident} if resident is not None else {}
        if role == ResidencyRole.tenant:
            kw["ends_on"] = utcnow().date() + timedelta(days=300)
        return ResidencyFactory(unit=unit, role=role, **kw).resident

    def households(self, count, estate=None):
        """``count`` units of ``estate``, each with one owner; returns the owners."""
        return [self.resident(self.unit(estate)) for _ in range(count)]

    def survey(self, staff=None, estates=None, *, live=False, **kw):
        """A draft annual survey (from the template) of ``estates`` (default both)."""
        start = utcnow() - timedelta(hours=1) if live else T0
        survey = services.create_survey(
            staff or self.officer,
            estate_ids=[e.id for e in (estates or self.estates)],
            opens_at=kw.pop("opens_at", start),
            closes_at=kw.pop("closes_at", start + timedelta(days=7)),
            template_code=kw.pop("template_code", services.ANNUAL),
            **kw,
        )
        commit()
        return survey

    def open(self, survey, staff=None, now=None):
        services.open_survey(staff or self.officer, survey, now=now or T0)
        commit()
        return survey

    def close(self, survey, staff=None, now=None):
        services.close_survey(staff or self.officer, survey, now=now or survey.closes_at)
        commit()
        return survey


@pytest.fixture
def world(db) -> SurveyWorld:
    street = StreetFactory()
    company = CompanyFactory()
    estates = [
        EstateFactory(community=CommunityFactory(street=street), company=company) for _ in range(2)
    ]
    return SurveyWorld(
        street=street,
        company=company,
        estates=estates,
        officer=StaffFactory(role=StaffRole.street_officer, street_id=street.id),
        company_admin=StaffFactory(role=StaffRole.company_admin, company_id=company.id),
        committee=StaffFactory(role=StaffRole.committee_member, estate=estates[0]),
    )


#: a full answer to the annual template: every scale question ``score``
def full_answer(score: int = 4, text: str = "") -> dict:
    answer = {str(n): score for n in range(1, 8)}
    answer["8"] = 8
    answer["9"] = [1, 3]
    if text:
        answer["10"] = text
    return answer
