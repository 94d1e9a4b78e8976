"""Two workers completing the same task at the same moment: one completion."""

from __future__ import annotations

import threading
from datetime import date

import pytest
import sqlalchemy as sa

from backend.accounts.models import Staff
from backend.authz.roles import StaffRole
from backend.core.db import commit, rollback
from backend.core.errors import DomainError
from backend.extensions import db as _db
from backend.safety import services
from backend.safety.models import SafetyTask, TaskState
from backend.safety.schedule import item
from tests.conftest import STACK
from tests.factories import StaffFactory

pytestmark = [
    pytest.mark.realstack,
    pytest.mark.skipif(STACK != "real", reason="real concurrency needs PostgreSQL"),
]


def test_two_workers_completing_one_task_at_once_make_one_completion(app, world):
    services.generate_tasks(date(2027, 1, 25), date(2027, 1, 25), [world.estate.id])
    task = _db.session.scalars(
        sa.select(SafetyTask).where(SafetyTask.equipment_id == world.lift.id)
    ).first()
    answers = dict.fromkeys(item(task.equipment.kind, task.item).checklist, "ok")
    second = StaffFactory(role=StaffRole.technician, company=world.estate.company)
    workers = [world.tech.id, second.id]
    task_id = task.id
    commit()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run(i: int) -> None:
        with app.app_context():
            try:
                staff = _db.session.get(Staff, workers[i])
                barrier.wait()
                services.complete_task(staff, task_id, answers)
                commit()
                outcomes.append("done")
            except DomainError:
                rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["done", "refused"]
    _db.session.expire_all()
    stored = _db.session.get(SafetyTask, task_id)
    assert stored.state == TaskState.done and stored.done_by_id in workers
    audits = _db.session.scalar(
        sa.text("select count(*) from audit_entries where action = 'safety.task'")
    )
    assert audits == 1


def test_two_workers_scanning_one_point_at_once_make_one_check(app, world):
    from backend.core.time import local_today
    from backend.safety import checkin, patrols
    from backend.safety.models import PatrolCheck, PatrolRound

    route = patrols.add_route(
        world.admin, world.estate.id, "日常巡查", ["消防车通道"], local_today()
    )
    patrols.generate_rounds(local_today(), local_today(), [world.estate.id])
    round_id = _db.session.scalars(sa.select(PatrolRound.id)).one()
    point_id = route.points[0].id
    code = checkin.code_for(point_id, world.estate.id, checkin.POINT_PREFIX)
    second = StaffFactory(role=StaffRole.technician, company=world.estate.company)
    workers = [world.tech.id, second.id]
    commit()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run(i: int) -> None:
        with app.app_context():
            try:
                staff = _db.session.get(Staff, workers[i])
                barrier.wait()
                patrols.check_point(staff, round_id, point_id, code)
                commit()
                outcomes.append("done")
            except DomainError:
                rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["done", "refused"]
    count = _db.session.scalar(sa.select(sa.func.count()).select_from(PatrolCheck))
    assert count == 1
