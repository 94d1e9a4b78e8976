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


SAFETY_TARGETS = {
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
    "GET /admin/safety/overdue": {
        "-":                                   "401  401  401  401  401  200  200  200  200  200  200  403  200  200  200  200",
    },
}

# fmt: on
