"""The panel's safety screens: the register, a task done at phone width with the scanned
code, the printable QR code, and the overdue lists of the company and the street."""

from __future__ import annotations

import io
from datetime import date

import sqlalchemy as sa
import zxingcpp
from PIL import Image

from backend.core.db import commit
from backend.extensions import db
from backend.safety import services
from backend.safety.models import SafetyTask, TaskState
from backend.safety.schedule import item
from tests.admin.conftest import login


def _task(world):
    services.generate_tasks(date(2027, 1, 10), date(2027, 1, 10), [world.estate.id])
    commit()
    return db.session.scalars(
        sa.select(SafetyTask).where(
            SafetyTask.equipment_id == world.lift.id, SafetyTask.item == "half_month"
        )
    ).one()


def test_the_register_shows_the_lift_and_its_maintenance_company(client, world):
    login(client, world.admin)
    page = client.get(f"/admin/safety?estate_id={world.estate.id}").get_data(as_text=True)
    assert "1幢1号梯" in page and "杭州奥的斯电梯维保有限公司" in page
    assert "星河湾" not in page
    assert client.get(f"/admin/safety?estate_id={world.other_estate.id}").status_code == 404


def test_a_task_done_by_scanning_the_printed_code(client, world):
    task = _task(world)
    login(client, world.admin)
    png = client.get(f"/admin/safety/equipment/{world.lift.id}/code.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    code = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))[0].text
    login(client, world.tech)
    checklist = item(task.equipment.kind, task.item).checklist
    form = {f"check_{i}": "ok" for i in range(len(checklist))}
    page = client.get(f"/admin/safety/tasks/{task.id}").get_data(as_text=True)
    assert checklist[0] in page
    response = client.post(f"/admin/safety/tasks/{task.id}", data={**form, "code": code})
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(SafetyTask, task.id)
    assert (stored.state, stored.checked_in) == (TaskState.done, True)
    assert "已现场扫码签到" in client.get(f"/admin/safety/tasks/{task.id}").get_data(as_text=True)


def test_another_estates_code_is_refused_on_the_page(client, world):
    task = _task(world)
    login(client, world.other_admin)
    code = zxingcpp.read_barcodes(
        Image.open(
            io.BytesIO(client.get(f"/admin/safety/equipment/{world.other_lift.id}/code.png").data)
        )
    )[0].text
    login(client, world.tech)
    checklist = item(task.equipment.kind, task.item).checklist
    form = {f"check_{i}": "ok" for i in range(len(checklist))}
    response = client.post(f"/admin/safety/tasks/{task.id}", data={**form, "code": code})
    assert response.status_code == 422
    assert "其他小区的签到码" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(SafetyTask, task.id).state == TaskState.due


def test_adding_equipment_is_audited(client, world):
    login(client, world.admin)
    response = client.post(
        f"/admin/safety/equipment?estate_id={world.estate.id}",
        data={"kind": "hydrant", "name": "2幢1层消火栓", "schedule_start": "2027-01-01"},
    )
    assert response.status_code == 302
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "登记设备" in page


def test_the_street_sees_overdue_tasks_after_the_grace_period(client, world):
    world.lift.schedule_start = date(2026, 11, 1)  # weeks before the session's today
    services.generate_tasks(date(2026, 11, 1), date(2026, 11, 1), [world.estate.id])
    commit()
    login(client, world.officer)
    page = client.get("/admin/safety/overdue").get_data(as_text=True)
    assert "1幢1号梯" in page
    assert "逾期未完成的设施设备维保（已超宽限期）" in client.get("/admin/").get_data(as_text=True)
