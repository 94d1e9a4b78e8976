"""Generating tasks, completing them with a check-in, overdue lists and expiry warnings."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from backend.audit.models import AuditEntry
from backend.core.errors import Conflict, Invalid, NotFound
from backend.core.time import local_today
from backend.extensions import db
from backend.org.importer import ImportFailed
from backend.safety import checkin, services
from backend.safety.models import Equipment, SafetyTask, TaskState
from backend.safety.schedule import item


def _tasks(equipment_id, code="half_month"):
    return list(
        db.session.scalars(
            sa.select(SafetyTask.due_on)
            .where(SafetyTask.equipment_id == equipment_id, SafetyTask.item == code)
            .order_by(SafetyTask.due_on)
        )
    )


def _answers(task):
    return dict.fromkeys(item(task.equipment.kind, task.item).checklist, "ok")


def _task(world, due=date(2027, 1, 25)):
    services.generate_tasks(due, due, [world.estate.id])
    return db.session.scalars(
        sa.select(SafetyTask).where(
            SafetyTask.equipment_id == world.lift.id,
            SafetyTask.due_on == due,
            SafetyTask.item == "half_month",
        )
    ).one()


def test_generation_is_idempotent_across_overlapping_windows(world):
    first = services.generate_tasks(date(2027, 1, 1), date(2027, 1, 31))
    again = services.generate_tasks(date(2027, 1, 15), date(2027, 2, 28))
    twice = services.generate_tasks(date(2027, 1, 1), date(2027, 2, 28))
    assert first > 0 and twice == 0
    # lift started 2027-01-10: every 15 days, over the Spring Festival (6 Feb 2027)
    assert _tasks(world.lift.id) == [
        date(2027, 1, 10),
        date(2027, 1, 25),
        date(2027, 2, 9),
        date(2027, 2, 24),
    ]
    assert again == 4  # 9 and 24 February, for the lifts of both estates
    assert _tasks(world.lift.id, "quarter") == [date(2027, 1, 10)]


def test_a_task_done_with_this_points_code_is_checked_in(world):
    task = _task(world)
    code = checkin.code_for(world.lift.id, world.estate.id)
    services.complete_task(world.tech, task.id, _answers(task), code)
    assert (task.state, task.checked_in, task.done_by_id) == (TaskState.done, True, world.tech.id)
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "safety.task")
    ).one()
    assert entry.after == {"state": "done", "checked_in": True}


def test_a_task_done_without_a_scan_is_marked_so(world):
    task = _task(world)
    services.complete_task(world.tech, task.id, _answers(task))
    assert (task.state, task.checked_in) == (TaskState.done, False)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda w: checkin.code_for(w.lift.id, w.estate.id)[:-2] + "xx", "签名不符"),
        (lambda w: "LLS1.1.1.forged", "签名不符"),
        (lambda w: "随便写的", "签到码无效"),
        (lambda w: checkin.code_for(w.other_lift.id, w.other_estate.id), "其他小区"),
        (lambda w: checkin.code_for(w.lift.id + 1000, w.estate.id), "其他设备"),
    ],
)
def test_a_forged_or_another_points_or_estates_code_is_refused(world, make, message):
    task = _task(world)
    with pytest.raises(Invalid, match=message):
        services.complete_task(world.tech, task.id, _answers(task), make(world))
    assert task.state == TaskState.due


def test_every_checklist_line_must_be_answered(world):
    task = _task(world)
    answers = _answers(task)
    answers.popitem()
    with pytest.raises(Invalid, match="请逐项填写"):
        services.complete_task(world.tech, task.id, answers)


def test_a_task_is_completed_once(world):
    task = _task(world)
    services.complete_task(world.tech, task.id, _answers(task))
    with pytest.raises(Conflict):
        services.complete_task(world.admin, task.id, _answers(task))


def test_another_companys_task_is_not_found(world):
    task = _task(world)
    with pytest.raises(NotFound):
        services.complete_task(world.other_admin, task.id, _answers(task))


def test_overdue_is_the_companys_at_once_and_the_streets_after_the_grace_period(world, app):
    services.generate_tasks(date(2027, 1, 1), date(2027, 1, 31), [world.estate.id])
    grace = app.config["SAFETY_OVERDUE_GRACE_DAYS"]
    due = date(2027, 1, 10)

    def listed(staff, today, grace):
        return [t.due_on for t in db.session.scalars(services.overdue_query(staff, today, grace))]

    assert due not in listed(world.admin, due, False)
    assert due in listed(world.admin, date(2027, 1, 11), False)
    # exactly the grace period late: not yet the street's; one day more: it is
    assert due not in listed(world.officer, date(2027, 1, 10 + grace), True)
    assert due in listed(world.officer, date(2027, 1, 11 + grace), True)
    assert listed(world.other_admin, date(2027, 3, 1), False) == []


def test_a_certificate_warns_exactly_one_month_before_it_expires(world):
    expires = world.lift.certificate_expires_on  # 2027-06-30
    assert services.warning_from(expires) == date(2027, 5, 30)

    def expiring(today):
        return [e.id for e in db.session.scalars(services.expiring_query(world.admin, today))]

    assert expiring(date(2027, 5, 29)) == []
    assert expiring(date(2027, 5, 30)) == [world.lift.id]
    assert expiring(date(2027, 7, 1)) == [world.lift.id]  # expired: still listed


def test_a_month_end_certificate_warns_on_the_last_day_of_the_shorter_month(world):
    world.lift.certificate_expires_on = date(2027, 3, 31)
    assert services.warning_from(date(2027, 3, 31)) == date(2027, 2, 28)
    ids = [
        e.id for e in db.session.scalars(services.expiring_query(world.admin, date(2027, 2, 27)))
    ]
    assert ids == []
    ids = [
        e.id for e in db.session.scalars(services.expiring_query(world.admin, date(2027, 2, 28)))
    ]
    assert ids == [world.lift.id]


def _xlsx(rows) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(["类型", "名称", "位置", "维保单位", "维保电话", "检验有效期至", "首次保养日期"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def test_import_reports_every_bad_row_and_writes_nothing(world):
    stream = _xlsx(
        [
            ["电梯", "2幢1号梯", "2幢", "奥的斯", "0571-88880000", "2027-09-30", "2027-01-05"],
            ["火箭", "3幢泵", "", "", "", "", "2027-01-05"],
            ["电梯", "1幢1号梯", "", "", "", "2027-09-30", "2027-01-05"],
            ["电梯", "4幢1号梯", "", "", "", "", "明天"],
        ]
    )
    with pytest.raises(ImportFailed) as failed:
        services.import_equipment(world.admin, world.estate.id, stream)
    rows = {row for row, _ in failed.value.row_errors}
    assert rows == {3, 4, 5}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Equipment)) == 2


def test_import_writes_the_register(world):
    stream = _xlsx(
        [
            ["电梯", "2幢1号梯", "2幢", "奥的斯", "0571-88880000", "2027-09-30", "2027-01-05"],
            ["消火栓", "2幢1层消火栓", "2幢1层", "", "", "", "2027-01-01"],
        ]
    )
    assert services.import_equipment(world.admin, world.estate.id, stream).created == 2
    names = db.session.scalars(
        sa.select(Equipment.name).where(Equipment.estate_id == world.estate.id)
    ).all()
    assert sorted(names) == ["1幢1号梯", "2幢1号梯", "2幢1层消火栓"]


def test_todo_lists_overdue_tasks_and_expiring_certificates(world, monkeypatch):
    services.generate_tasks(date(2027, 1, 1), date(2027, 1, 31), [world.estate.id])
    monkeypatch.setattr(services, "local_today", lambda: date(2027, 6, 1))
    labels = {t.label: t.count for t in services.todo(world.admin)}
    assert labels["一个月内到期的电梯检验合格证"] == 1
    assert labels["逾期未完成的设施设备维保"] > 0
    officer = {t.label for t in services.todo(world.officer)}
    assert officer == {"逾期未完成的设施设备维保（已超宽限期）"}


def test_the_board_shows_each_lifts_maintainer_and_flags_an_expired_certificate(world, monkeypatch):
    from backend.safety import board

    task = _task(world, date(2027, 1, 10))
    services.complete_task(world.tech, task.id, _answers(task))
    monkeypatch.setattr(board, "local_today", lambda: date(2027, 7, 1))
    [post] = board.items(world.estate.id)
    assert "杭州奥的斯电梯维保有限公司" in post.body and "0571-88880000" in post.body
    assert "最近维护保养：2027-01-10" in post.body
    assert "下次应保养：2027-07-09" in post.body  # 10 January + 12 × 15 days
    assert post.title.startswith(board.EXPIRED) and post.must_read
    monkeypatch.setattr(board, "local_today", lambda: date(2027, 6, 30))
    [post] = board.items(world.estate.id)
    assert board.EXPIRED not in post.title + post.body  # valid through its last day


def test_the_demo_has_a_certificate_expiring_in_20_days_and_two_missed_checks(db):
    from backend.demo import seed_demo
    from backend.safety.models import EquipmentKind

    seed_demo()
    today = local_today()
    lifts = db.session.scalars(
        sa.select(Equipment).where(Equipment.kind == EquipmentKind.lift)
    ).all()
    assert [(e.certificate_expires_on - today).days for e in lifts].count(20) == 1
    missed = db.session.scalars(
        sa.select(SafetyTask).where(SafetyTask.state == TaskState.due, SafetyTask.due_on < today)
    ).all()
    assert len(missed) == 2
