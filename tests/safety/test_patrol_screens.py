"""The panel's patrol and figures screens: a route added from the form, the missed points,
the supervision figures linked to their lists, a task's fault reported with a photo."""

from __future__ import annotations

import io
from datetime import date, timedelta

import sqlalchemy as sa

from backend.core.db import commit
from backend.core.time import local_today
from backend.extensions import db
from backend.safety import patrols, services
from backend.safety.models import PatrolRoute, SafetyTask
from backend.safety.schedule import item
from backend.tickets.models import Ticket, TicketKind
from tests.admin.conftest import login
from tests.media.conftest import jpeg


def test_a_route_is_added_from_the_form_and_its_missed_points_listed(client, world):
    login(client, world.admin)
    response = client.post(
        f"/admin/safety/patrols?estate_id={world.estate.id}",
        data={
            "name": "公共区域日常巡查",
            "frequency": "daily",
            "starts_on": (local_today() - timedelta(days=1)).isoformat(),
            "points": "1幢楼梯间\n消防车通道\n\n电动车棚",
        },
    )
    assert response.status_code == 302
    route = db.session.scalars(sa.select(PatrolRoute)).one()
    assert [p.name for p in route.points] == ["1幢楼梯间", "消防车通道", "电动车棚"]
    patrols.generate_rounds(local_today() - timedelta(days=1), local_today())
    commit()

    page = client.get(f"/admin/safety/patrols?estate_id={world.estate.id}").get_data(as_text=True)

    assert page.count('class="missed-point"') == 3 and "漏查 3 处" in page
    refused = client.post(
        f"/admin/safety/patrols?estate_id={world.estate.id}",
        data={"name": "公共区域日常巡查", "frequency": "daily", "points": "大门"},
    )
    assert refused.status_code == 409 and "已有名为" in refused.get_data(as_text=True)


def test_the_figures_page_links_each_figure(client, world):
    login(client, world.officer)
    page = client.get("/admin/safety/figures").get_data(as_text=True)
    assert "翠苑一区" in page and "星河湾" not in page
    assert f"/admin/tickets?kind=safety_hazard&amp;estate_id={world.estate.id}" in page
    assert f"/admin/safety/overdue?estate_id={world.estate.id}" in page
    assert client.get("/admin/safety/figures?month=2026-13").status_code == 404


def test_a_fault_reported_from_the_task_page_with_a_photo(client, world):
    services.generate_tasks(date(2027, 1, 10), date(2027, 1, 10), [world.estate.id])
    commit()
    task = db.session.scalars(
        sa.select(SafetyTask).where(SafetyTask.equipment_id == world.lift.id)
    ).first()
    lines = item(task.equipment.kind, task.item).checklist
    form = {f"check_{i}": "ok" for i in range(len(lines))} | {"check_0": "fault"}
    login(client, world.tech)

    response = client.post(
        f"/admin/safety/tasks/{task.id}",
        data={**form, "report": "repair", "photos": (io.BytesIO(jpeg()), "a.jpg")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(SafetyTask, task.id)
    assert len(stored.photos) == 1
    ticket = db.session.get(Ticket, stored.ticket_id)
    assert ticket.kind == TicketKind.shared_repair and lines[0] in ticket.description
    page = client.get(f"/admin/safety/tasks/{task.id}").get_data(as_text=True)
    assert f"T{ticket.id}" in page and "照片 1" in page
