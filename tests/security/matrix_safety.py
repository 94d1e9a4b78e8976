"""Permission matrix rows of safety's panel screens (admin/safety.py), joined in ``ROUTES``
of ``matrix.py``; ``equipment_id=safety_x`` / ``task_id=safety_x``: a fresh lift of estate X
(company A, street A) and a fresh task of it, made by ``SAFETY_TARGETS`` (merged into
``TARGETS`` of ``test_permission_matrix.py``).

Company staff and officers read the register of the estates in scope; the company admin
(and the platform) keep it; company staff do the tasks; anything of another company or
street is 404.
"""

from __future__ import annotations

from datetime import date
from itertools import count

from backend.core.db import commit
from backend.extensions import db
from backend.safety.models import Equipment, EquipmentKind, SafetyTask

_numbers = count()


def _lift(w, side: str) -> Equipment:
    estate = getattr(w, side).estate
    row = Equipment(
        estate_id=estate.id,
        kind=EquipmentKind.lift,
        name=f"矩阵{next(_numbers)}号梯",
        certificate_expires_on=date(2030, 1, 1),
        schedule_start=date(2026, 1, 1),
    )
    db.session.add(row)
    commit()
    return row


def _task(w, side: str) -> SafetyTask:
    lift = _lift(w, side)
    task = SafetyTask(
        estate_id=lift.estate_id, equipment_id=lift.id, item="half_month", due_on=date(2026, 1, 1)
    )
    db.session.add(task)
    commit()
    return task


def _round(w, side: str) -> tuple[int, int]:
    from backend.core.time import local_today
    from backend.safety.models import PatrolPoint, PatrolRound, PatrolRoute

    estate = getattr(w, side).estate
    route = PatrolRoute(
        estate_id=estate.id, name=f"矩阵巡查{next(_numbers)}", every_days=1, starts_on=local_today()
    )
    db.session.add(route)
    db.session.flush()
    point = PatrolPoint(route_id=route.id, estate_id=estate.id, position=1, name="消防车通道")
    patrol = PatrolRound(route_id=route.id, estate_id=estate.id, due_on=local_today())
    db.session.add_all([point, patrol])
    commit()
    return patrol.id, point.id


SAFETY_TARGETS = {
    "round_id=safety_x": lambda w: _round(w, "x")[0],
    "round_id=safety_y": lambda w: _round(w, "y")[0],
    "point_id=safety_x": lambda w: _round(w, "x")[1],
    "point_id=safety_y": lambda w: _round(w, "y")[1],
    "equipment_id=safety_x": lambda w: _lift(w, "x").id,
    "equipment_id=safety_y": lambda w: _lift(w, "y").id,
    "task_id=safety_x": lambda w: _task(w, "x").id,
    "task_id=safety_y": lambda w: _task(w, "y").id,
}

#: a lift's half-monthly checklist, every line answered
CHECKS = {f"check_{i}": "ok" for i in range(8)}

# fmt: off

ADMIN_SAFETY = {
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    "GET /admin/safety": {
        "query": {"estate_id": "{estate_id}"},
        "estate_id=x":                         "401  401  401  401  401  200  200  200  404  404  404  403  200  404  200  200",
        "estate_id=y":                         "401  401  401  401  401  404  404  404  200  200  200  403  404  200  404  200",
    },
    "POST /admin/safety/equipment": {
        "query": {"estate_id": "{estate_id}"},
        "form": {"kind": "hydrant", "name": "消火栓{seq}", "schedule_start": "2027-01-01"},
        "estate_id=x":                         "401  401  401  401  401  302  403  403  404  403  403  403  403  403  403  302",
        "estate_id=y":                         "401  401  401  401  401  404  403  403  302  403  403  403  403  403  403  302",
    },
    "POST /admin/safety/import": {
        "query": {"estate_id": "{estate_id}"},
        "estate_id=x":                         "401  401  401  401  401  422  403  403  404  403  403  403  403  403  403  422",
        "estate_id=y":                         "401  401  401  401  401  404  403  403  422  403  403  403  403  403  403  422",
    },
    "GET /admin/safety/equipment/{equipment_id}/code.png": {
        "equipment_id=safety_x":               "401  401  401  401  401  200  403  403  404  403  403  403  403  403  403  200",
        "equipment_id=safety_y":               "401  401  401  401  401  404  403  403  200  403  403  403  403  403  403  200",
    },
    "GET /admin/safety/tasks/{task_id}": {
        "task_id=safety_x":                    "401  401  401  401  401  200  200  200  404  404  404  403  200  404  200  200",
        "task_id=safety_y":                    "401  401  401  401  401  404  404  404  200  200  200  403  404  200  404  200",
    },
    "POST /admin/safety/tasks/{task_id}": {
        "form": CHECKS,
        "task_id=safety_x":                    "401  401  401  401  401  302  302  302  404  404  404  403  403  404  403  403",
        "task_id=safety_y":                    "401  401  401  401  401  404  404  404  302  302  302  403  404  403  404  403",
    },
    "GET /admin/safety/tasks": {
        "query": {"estate_id": "{estate_id}"},
        "estate_id=x":                         "401  401  401  401  401  200  200  200  404  404  404  403  200  404  200  200",
        "estate_id=y":                         "401  401  401  401  401  404  404  404  200  200  200  403  404  200  404  200",
    },
    "GET /admin/safety/overdue": {
        "-":                                   "401  401  401  401  401  200  200  200  200  200  200  403  200  200  200  200",
    },
    "GET /admin/safety/patrols": {
        "query": {"estate_id": "{estate_id}"},
        "estate_id=x":                         "401  401  401  401  401  200  200  200  404  404  404  403  200  404  200  200",
        "estate_id=y":                         "401  401  401  401  401  404  404  404  200  200  200  403  404  200  404  200",
    },
    "POST /admin/safety/patrols": {
        "query": {"estate_id": "{estate_id}"},
        "form": {"name": "日常巡查{seq}", "frequency": "daily", "points": "1幢楼梯间\n消防车通道"},
        "estate_id=x":                         "401  401  401  401  401  302  403  403  404  403  403  403  403  403  403  302",
        "estate_id=y":                         "401  401  401  401  401  404  403  403  302  403  403  403  403  403  403  302",
    },
    "GET /admin/safety/patrols/points/{point_id}/code.png": {
        "point_id=safety_x":                   "401  401  401  401  401  200  403  403  404  403  403  403  403  403  403  200",
        "point_id=safety_y":                   "401  401  401  401  401  404  403  403  200  403  403  403  403  403  403  200",
    },
    "GET /admin/safety/rounds/{round_id}": {
        "round_id=safety_x":                   "401  401  401  401  401  200  200  200  404  404  404  403  200  404  200  200",
        "round_id=safety_y":                   "401  401  401  401  401  404  404  404  200  200  200  403  404  200  404  200",
    },
    # a code that is not the point's: refused (422) once authorization let the worker through
    "POST /admin/safety/rounds/{round_id}/points/{point_id}": {
        "form": {"code": "LLP1.1.1.forged"},
        "round_id=safety_x,point_id=safety_x": "401  401  401  401  401  422  422  422  404  404  404  403  403  403  403  403",
        "round_id=safety_y,point_id=safety_y": "401  401  401  401  401  404  404  404  422  422  422  403  403  403  403  403",
    },
    "GET /admin/safety/figures": {
        "-":                                   "401  401  401  401  401  200  200  200  200  200  200  403  200  200  200  200",
    },
}

#: the resident API: the equipment of my estates, and reporting a fault of one. By the time
#: these rows run every resident actor has redeemed both estates' fresh invite codes
#: (``POST /api/v1/bindings/invite`` above) and lives in X and Y; another estate's
#: equipment is refused (404) in tests/safety/test_patrols.py.
SAFETY_API = {
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    "GET /api/v1/safety/equipment": {
        "query": {"estate_id": "{estate_id}"},
        "estate_id=x":                         "401  200  200  200  200  401  401  401  401  401  401  401  401  401  401  401",
        "estate_id=y":                         "401  200  200  200  200  401  401  401  401  401  401  401  401  401  401  401",
    },
    "POST /api/v1/safety/reports": {
        "json": {"equipment_id": "{equipment_id}", "description": "电梯困人"},
        "equipment_id=safety_x":               "401  201  201  201  201  401  401  401  401  401  401  401  401  401  401  401",
        "equipment_id=safety_y":               "401  201  201  201  201  401  401  401  401  401  401  401  401  401  401  401",
    },
}

# fmt: on
