"""Two estates of two companies and streets, a lift in each, and their staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from backend.authz.roles import StaffRole
from backend.core.db import commit
from backend.core.time import utcnow
from backend.safety.models import Equipment, EquipmentKind, SafetyTask, TaskState
from tests.factories import EstateFactory, StaffFactory


@dataclass
class World:
    estate: object
    other_estate: object
    admin: object
    tech: object
    officer: object
    other_admin: object
    lift: Equipment
    other_lift: Equipment


def lift(estate, name="1幢1号梯", start=date(2027, 1, 10), expires=date(2027, 6, 30)) -> Equipment:
    row = Equipment(
        estate_id=estate.id,
        kind=EquipmentKind.lift,
        name=name,
        location="1幢",
        registration_code="31103301002019090001",
        maintenance_company="杭州奥的斯电梯维保有限公司",
        maintenance_phone="0571-88880000",
        certificate_no="TS-2026-001",
        certificate_expires_on=expires,
        schedule_start=start,
    )
    from backend.extensions import db

    db.session.add(row)
    db.session.flush()
    return row


def equipment_task(estate_id, kind, name, item, due_on, *, done=False) -> SafetyTask:
    """A piece of equipment of ``estate_id`` and one task of it due on ``due_on`` (done if
    asked), flushed."""
    from backend.extensions import db

    equipment = Equipment(
        estate_id=estate_id,
        kind=kind,
        name=name,
        location="1幢",
        maintenance_company="杭州奥的斯电梯维保有限公司",
        schedule_start=date(2026, 1, 10),
    )
    db.session.add(equipment)
    db.session.flush()
    task = SafetyTask(estate_id=estate_id, equipment_id=equipment.id, item=item, due_on=due_on)
    if done:
        task.state, task.done_at = TaskState.done, utcnow()
    db.session.add(task)
    db.session.flush()
    return task


@pytest.fixture
def world(db) -> World:
    estate, other = EstateFactory(name="翠苑一区"), EstateFactory(name="星河湾")
    w = World(
        estate=estate,
        other_estate=other,
        admin=StaffFactory(role=StaffRole.company_admin, company=estate.company),
        tech=StaffFactory(role=StaffRole.technician, company=estate.company),
        officer=StaffFactory(role=StaffRole.street_officer, street_id=estate.street_id),
        other_admin=StaffFactory(role=StaffRole.company_admin, company=other.company),
        lift=lift(estate),
        other_lift=lift(other),
    )
    commit()
    return w
