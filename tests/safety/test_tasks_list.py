"""The tasks list (维保任务): the tasks of the estates in scope, by state, equipment,
schedule item and due date; the company admin's home count of overdue tasks and the
register open it filtered, and the figure is the number of rows it lists."""

from __future__ import annotations

import re
from datetime import timedelta

from backend.core.db import commit
from backend.core.time import local_today, utcnow
from backend.extensions import db
from backend.safety.models import SafetyTask, TaskState
from tests.admin.conftest import login
from tests.safety.conftest import lift


def _task(equipment, item, days, *, done=False) -> SafetyTask:
    """A task of ``equipment`` due ``days`` from today (before it when negative)."""
    task = SafetyTask(
        estate_id=equipment.estate_id,
        equipment_id=equipment.id,
        item=item,
        due_on=local_today() + timedelta(days=days),
    )
    if done:
        task.state, task.done_at = TaskState.done, utcnow()
    db.session.add(task)
    db.session.flush()
    return task


def _rows(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr id="task-(\d+)"', page)]


def _tasks(world):
    second = lift(world.estate, name="2幢1号梯")
    tasks = {
        "late": _task(world.lift, "half_month", -10),
        "today": _task(second, "half_month", 0),
        "soon": _task(world.lift, "quarter", 20),
        "done": _task(second, "year", -40, done=True),
        "other": _task(world.other_lift, "half_month", -10),
    }
    commit()
    return {name: task.id for name, task in tasks.items()}


def test_the_list_shows_the_open_tasks_of_the_estates_in_scope(client, world):
    ids = _tasks(world)
    login(client, world.admin)

    page = client.get("/admin/safety/tasks").get_data(as_text=True)

    assert sorted(_rows(page)) == sorted([ids["late"], ids["today"], ids["soon"]])
    assert "共 3 条" in page
    assert "已逾期 10 天" in page and "今日到期" in page and "待完成" in page
    assert f'href="/admin/safety/tasks/{ids["late"]}"' in page


def test_the_list_filters_by_state_item_and_due_date(client, world):
    ids = _tasks(world)
    login(client, world.admin)
    today = local_today()

    def rows(**args):
        return sorted(_rows(client.get("/admin/safety/tasks", query_string=args).text))

    assert rows(state="overdue") == [ids["late"]]
    assert rows(state="due") == sorted([ids["today"], ids["soon"]])
    assert rows(state="done") == [ids["done"]]
    assert len(rows(state="all")) == 4
    assert rows(item="lift:quarter") == [ids["soon"]]
    assert rows(kind="hydrant") == []
    assert rows(**{"from": today.isoformat(), "to": today.isoformat()}) == [ids["today"]]
    # what is not offered is no filter, never an error
    assert len(rows(item="lift:nonsense", state="sideways", to="2026-02-30")) == 3
    empty = client.get("/admin/safety/tasks?kind=hydrant").text
    assert "没有符合条件的维保任务" in empty


def test_another_companys_estate_is_not_found(client, world):
    _tasks(world)
    login(client, world.admin)

    assert client.get(f"/admin/safety/tasks?estate_id={world.other_estate.id}").status_code == 404
    assert client.get(f"/admin/safety/tasks?estate_id={world.estate.id}").status_code == 200


def test_the_street_sees_the_tasks_of_its_jurisdiction_only(client, world):
    ids = _tasks(world)
    login(client, world.officer)

    page = client.get("/admin/safety/tasks?state=all").get_data(as_text=True)

    assert ids["other"] not in _rows(page)
    assert len(_rows(page)) == 4
    assert client.get(f"/admin/safety/tasks?estate_id={world.other_estate.id}").status_code == 404


def test_the_home_count_of_overdue_tasks_opens_exactly_them(client, world):
    _tasks(world)
    _task(world.lift, "year", -1)
    commit()
    login(client, world.admin)

    home = client.get("/admin/").get_data(as_text=True)
    figure = re.search(
        r'href="([^"]+)">\s*<span class="stat-value" id="todo-safety_tasks-overdue">(\d+)<', home
    )
    listed = client.get(figure[1].replace("&amp;", "&")).get_data(as_text=True)

    assert figure[1] == "/admin/safety/tasks?state=overdue"
    assert int(figure[2]) == len(_rows(listed)) == 2


def test_the_register_links_to_the_tasks_list(client, world):
    _tasks(world)
    login(client, world.admin)

    page = client.get(f"/admin/safety?estate_id={world.estate.id}").get_data(as_text=True)

    assert 'id="safety-tasks-due">2<' in page  # the late one and today's
    overdue = re.search(r'href="([^"]+)" id="link-tasks-overdue"', page)[1].replace("&amp;", "&")
    assert sorted(overdue.split("?")[1].split("&")) == [
        f"estate_id={world.estate.id}",
        "state=overdue",
    ]
    assert f'href="/admin/safety/tasks?estate_id={world.estate.id}" id="link-tasks"' in page
    listed = client.get(overdue).get_data(as_text=True)
    assert len(_rows(listed)) == 1
