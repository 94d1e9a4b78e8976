"""Permission-matrix rows of surveys (joined in ``ROUTES`` of ``matrix.py``) and the surveys
they act on (``TARGETS``, merged into ``test_permission_matrix.TARGETS``), made when first
asked for: an open and a closed survey of estate X run by street A, an open one of estate Y
run by street B, an open one of estate Z (where no actor lives), and fresh ones per call
for the actions that change them.

Residents see the surveys of the estates where they live; the annual survey is for owners
(family members and tenants 403). Staff: company staff read the aggregates of their own
estates (never an answer; no route shows one), only the runner opens and closes, only the
street office, the committee and the platform enter paper answers.
"""

from __future__ import annotations

from datetime import timedelta

from backend.core.db import commit
from backend.core.time import utcnow
from backend.surveys import services
from tests.factories import UnitFactory


def _survey(staff, estate, *, state="open"):
    now = utcnow()
    if state == "closed":
        opens, closes = now - timedelta(days=10), now - timedelta(days=3)
    else:
        opens, closes = now - timedelta(hours=1), now + timedelta(days=6)
    survey = services.create_survey(
        staff,
        estate_ids=[estate.id],
        opens_at=opens,
        closes_at=closes,
        template_code=services.ANNUAL,
    )
    if state != "draft":
        services.open_survey(staff, survey, now=opens)
    if state == "closed":
        services.close_survey(staff, survey, now=closes)
    commit()
    return survey


def _once(name, make):
    def target(w):
        found = getattr(w, name, None)
        if found is None:
            found = make(w)
            setattr(w, name, found)
        return found.id

    return target


def _z_estate(w):
    z = getattr(w, "z", None)
    return z.estate if z is not None else UnitFactory().estate


TARGETS = {
    "survey_id=open_x": _once("survey_open_x", lambda w: _survey(w.staff.strA, w.x.estate)),
    "survey_id=closed_x": _once(
        "survey_closed_x", lambda w: _survey(w.staff.strA, w.x.estate, state="closed")
    ),
    "survey_id=open_y": _once("survey_open_y", lambda w: _survey(w.staff.strB, w.y.estate)),
    "survey_id=open_z": _once("survey_open_z", lambda w: _survey(w.staff.plat, _z_estate(w))),
    "survey_id=fresh_x": lambda w: _survey(w.staff.strA, w.x.estate).id,
    "survey_id=fresh_y": lambda w: _survey(w.staff.strB, w.y.estate).id,
    "survey_id=draft_x": lambda w: _survey(w.staff.strA, w.x.estate, state="draft").id,
    "survey_id=draft_y": lambda w: _survey(w.staff.strB, w.y.estate, state="draft").id,
    # a city's questionnaire templates: the bureau of 西湖区 edits its city's (street A's),
    # not another city's (404); the platform any city's
    "code=annual": lambda w: services.ANNUAL,
    "city=x": lambda w: w.x.estate.community.street.city,
    "city=other": lambda w: "上海市",
}

#: a full answer of the annual template
_ANSWER = {"answers": {str(n): 4 for n in range(1, 8)}}
_WINDOW = {"opens_at": "2030-01-10T09:00", "closes_at": "2030-01-17T09:00"}

# fmt: off

SURVEYS_API = {
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    "GET /api/v1/me/surveys": {
        "-":                                   "401  200  200  200  200  401  401  401  401  401  401  401  401  401  401  401",
    },
    "GET /api/v1/me/survey-answers": {
        "-":                                   "401  200  200  200  200  401  401  401  401  401  401  401  401  401  401  401",
    },
    "GET /api/v1/me/surveys/{survey_id}": {
        "survey_id=open_x":                    "401  200  200  200  200  401  401  401  401  401  401  401  401  401  401  401",
        "survey_id=open_z":                    "401  404  404  404  404  401  401  401  401  401  401  401  401  401  401  401",
    },
    "PUT /api/v1/me/surveys/{survey_id}/answer": {
        "json": {**_ANSWER, "unit_id": "{unit_id}"},
        "survey_id=fresh_x,unit_id=x":         "401  200  403  403  404  401  401  401  401  401  401  401  401  401  401  401",
        "survey_id=closed_x,unit_id=x":        "401  409  409  409  409  401  401  401  401  401  401  401  401  401  401  401",
        "survey_id=open_z,unit_id=x":          "401  404  404  404  404  401  401  401  401  401  401  401  401  401  401  401",
    },
    "GET /api/v1/me/surveys/{survey_id}/results": {
        "survey_id=closed_x":                  "401  200  200  200  200  401  401  401  401  401  401  401  401  401  401  401",
        "survey_id=open_x":                    "401  409  409  409  409  401  401  401  401  401  401  401  401  401  401  401",
        "survey_id=open_z":                    "401  404  404  404  404  401  401  401  401  401  401  401  401  401  401  401",
    },
}

SURVEYS_PANEL = {
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    "GET /admin/surveys": {
        "-":                                   "401  401  401  401  401  200  200  200  200  200  200  200  200  200  200  200",
    },
    "GET /admin/surveys/new": {
        "-":                                   "401  401  401  401  401  200  403  403  200  403  403  200  200  200  200  200",
    },
    "POST /admin/surveys/new": {
        "form": {"template_code": "annual_satisfaction", "estate_ids": "{estate_id}", **_WINDOW},
        "estate_id=x":                         "401  401  401  401  401  302  403  403  404  403  403  302  302  404  302  302",
    },
    "GET /admin/surveys/{survey_id}": {
        "survey_id=closed_x":                  "401  401  401  401  401  200  200  200  404  404  404  200  200  404  200  200",
        "survey_id=open_y":                    "401  401  401  401  401  404  404  404  200  200  200  404  404  200  404  200",
    },
    "POST /admin/surveys/{survey_id}/open": {
        "form": {"confirm": "1"},
        "survey_id=draft_x":                   "401  401  401  401  401  403  403  403  404  403  403  403  302  404  403  302",
        "survey_id=draft_y":                   "401  401  401  401  401  404  403  403  403  403  403  404  404  302  404  302",
    },
    "POST /admin/surveys/{survey_id}/close": {
        "form": {"confirm": "1"},
        "survey_id=fresh_x":                   "401  401  401  401  401  403  403  403  404  403  403  403  302  404  403  302",
        "survey_id=fresh_y":                   "401  401  401  401  401  404  403  403  403  403  403  404  404  302  404  302",
    },
    "POST /admin/surveys/{survey_id}/paper": {
        "form": {"code": "S{survey_id}-U{unit_id}", "q_1": "4"},
        # the unit first: a unit made after the survey opened is not asked (409)
        "unit_id=fresh_x,survey_id=fresh_x":   "401  401  401  401  401  403  403  403  403  403  403  302  302  404  403  302",
        "unit_id=fresh_y,survey_id=fresh_y":   "401  401  401  401  401  403  403  403  403  403  403  404  404  302  403  302",
    },
    "GET /admin/surveys/{survey_id}/export.xlsx": {
        "survey_id=closed_x":                  "401  401  401  401  401  200  200  200  404  404  404  200  200  404  200  200",
        "survey_id=open_y":                    "401  401  401  401  401  404  404  404  200  200  200  404  404  200  404  200",
    },
    "GET /admin/surveys/templates": {
        "-":                                   "401  401  401  401  401  403  403  403  403  403  403  403  403  403  200  200",
    },
    "GET /admin/surveys/templates/{code}": {
        "query": {"city": "{city}"},
        "code=annual,city=x":                  "401  401  401  401  401  403  403  403  403  403  403  403  403  403  200  200",
        "code=annual,city=other":              "401  401  401  401  401  403  403  403  403  403  403  403  403  403  404  200",
    },
    "POST /admin/surveys/templates/{code}": {
        "form": {"city": "{city}", "title": "模板{seq}", "rows": "1", "order-0": "1", "kind-0": "scale5", "text-0": "总体评价{seq}"},
        "code=annual,city=x":                  "401  401  401  401  401  403  403  403  403  403  403  403  403  403  302  302",
        "code=annual,city=other":              "401  401  401  401  401  403  403  403  403  403  403  403  403  403  404  302",
    },
    "POST /admin/surveys/templates/{code}/reset": {
        "form": {"city": "{city}"},
        "code=annual,city=x":                  "401  401  401  401  401  403  403  403  403  403  403  403  403  403  302  302",
        "code=annual,city=other":              "401  401  401  401  401  403  403  403  403  403  403  403  403  403  404  302",
    },
    "GET /admin/surveys/{survey_id}/print": {
        "query": {"estate_id": "{estate_id}"},
        "survey_id=open_x,estate_id=x":        "401  401  401  401  401  200  200  200  404  404  404  200  200  404  200  200",
        "survey_id=open_y,estate_id=y":        "401  401  401  401  401  404  404  404  200  200  200  404  404  200  404  200",
    },
}

# fmt: on
