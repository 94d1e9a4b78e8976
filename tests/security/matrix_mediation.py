"""Permission matrix rows of mediation (backend/mediation/api.py, admin/mediation.py),
joined in ``ROUTES`` of ``matrix.py``. ``case_id=med_x``: a fresh case that resident X
asked for from their ticket (company A the respondent, street A); ``med_y`` likewise in
estate Y; ``agreed_x``/``agreed_y``: a neighbours' case with an agreement to sign.

Residents see only cases they are a party to; officers their jurisdiction's; company staff
only the cases their company is a party to (technicians none); the committee member of an
estate nothing; only officers of the street (and the platform) mediate; nothing is public.
"""

from __future__ import annotations

from backend.accounts.models import StaffRole
from backend.core.db import commit
from backend.mediation import services
from tests.factories import StaffFactory
from tests.mediation.helpers import agreed_case, committee, requested_case

PNG = "data:image/png;base64," + "iVBORw0KGgo" * 4


def _case(w, side: str):
    owner = w.owner_x if side == "x" else w.owner_y
    w.med_case = requested_case(owner.resident, getattr(w, side).estate.id)
    return w.med_case.id


def _company_party(w):
    return next(p.id for p in w.med_case.parties if p.company_id)


def _officer(w, street):
    staff = StaffFactory(role=StaffRole.street_officer, street=street)
    commit()
    return staff.id


def _mediator(w, street):
    """A member of the street's committee (a new one while there is room)."""
    committee(street.id)
    members = services.mediators(street.id)
    if len(members) < services.COMMITTEE_MAX:
        platform = StaffFactory(role=StaffRole.platform_admin)
        members.append(services.add_mediator(platform, _officer(w, street)))
        commit()
    return members[-1].id


def _document_code(w) -> str:
    from flask import current_app

    from backend.mediation import documents

    case = agreed_case(w.x.estate)
    with current_app.test_request_context():
        return documents.code(case, "agreement")


MEDIATION_TARGETS = {
    "case_id=med_x": lambda w: _case(w, "x"),
    "case_id=med_y": lambda w: _case(w, "y"),
    "party_id=med_company": _company_party,
    "case_id=agreed_x": lambda w: agreed_case(w.x.estate).id,
    "case_id=agreed_y": lambda w: agreed_case(w.y.estate).id,
    "document=agreement": lambda w: "agreement",
    "code=med_agreement": lambda w: _document_code(w),
    "code=med_forged": lambda w: _document_code(w) + "x",
    "street_id=med_a": lambda w: w.street_a.id,
    "staff_id=med_a": lambda w: _officer(w, w.street_a),
    "staff_id=med_b": lambda w: _officer(w, w.street_b),
    "mediator_id=med_a": lambda w: _mediator(w, w.street_a),
    "mediator_id=med_b": lambda w: _mediator(w, w.street_b),
}

# fmt: off

MEDIATION = {
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    "POST /api/v1/mediation/cases": {
        "json": {},
        "-":                                   "401  422  422  422  422  401  401  401  401  401  401  401  401  401  401  401",
    },
    "GET /api/v1/me/mediation": {
        "-":                                   "401  200  200  200  200  401  401  401  401  401  401  401  401  401  401  401",
    },
    "GET /api/v1/me/mediation/{case_id}": {
        "case_id=med_x":                       "401  200  404  404  404  401  401  401  401  401  401  401  401  401  401  401",
        "case_id=med_y":                       "401  404  404  404  200  401  401  401  401  401  401  401  401  401  401  401",
    },
    # a case just requested: its party is refused (409: not accepted yet), anyone else 404
    "POST /api/v1/me/mediation/{case_id}/consent": {
        "json": {"agree": True},
        "case_id=med_x":                       "401  409  404  404  404  401  401  401  401  401  401  401  401  401  401  401",
        "case_id=med_y":                       "401  404  404  404  409  401  401  401  401  401  401  401  401  401  401  401",
    },
    "POST /api/v1/me/mediation/{case_id}/signature": {
        "json": {"image": PNG},
        "case_id=med_x":                       "401  409  404  404  404  401  401  401  401  401  401  401  401  401  401  401",
        "case_id=med_y":                       "401  404  404  404  409  401  401  401  401  401  401  401  401  401  401  401",
    },
    "GET /admin/mediation": {
        "-":                                   "401  401  401  401  401  200  200  403  200  200  403  403  200  200  200  200",
    },
    "GET /admin/mediation/new": {
        "-":                                   "401  401  401  401  401  403  403  403  403  403  403  403  200  200  403  200",
    },
    "POST /admin/mediation": {
        "form": {"estate_id": "{estate_id}", "category": "parking", "matter": "车位被占",
                 "party_0_kind": "other", "party_0_side": "applicant", "party_0_name": "赵六"},
        "estate_id=x":                         "401  401  401  401  401  403  403  403  403  403  403  403  302  404  403  302",
        "estate_id=y":                         "401  401  401  401  401  403  403  403  403  403  403  403  404  302  403  302",
    },
    "GET /admin/mediation/{case_id}": {
        "case_id=med_x":                       "401  401  401  401  401  200  200  403  404  404  403  403  200  404  200  200",
        "case_id=med_y":                       "401  401  401  401  401  404  404  403  200  200  403  403  404  200  404  200",
    },
    "POST /admin/mediation/{case_id}/act": {
        "form": {"action": "decline", "note": "不属于人民调解的范围"},
        "case_id=med_x":                       "401  401  401  401  401  403  403  403  403  403  403  403  302  404  403  302",
        "case_id=med_y":                       "401  401  401  401  401  403  403  403  403  403  403  403  404  302  403  302",
    },
    # the company answers for itself (its admin); officers for people without the mini-app;
    # a case not yet accepted refuses the answer (409)
    "POST /admin/mediation/{case_id}/consent": {
        "query": {"party_id": "{party_id}"},
        "form": {"agree": "1"},
        "case_id=med_x,party_id=med_company":  "401  401  401  401  401  409  403  403  404  404  403  403  409  404  403  409",
        "case_id=med_y,party_id=med_company":  "401  401  401  401  401  404  404  403  409  403  403  403  404  409  404  409",
    },
    # only the case's own mediator signs as mediator (none named yet: 409)
    "POST /admin/mediation/{case_id}/signatures": {
        "form": {"signer": "mediator", "method": "drawn", "image": PNG},
        "case_id=med_x":                       "401  401  401  401  401  403  403  403  403  403  403  403  409  404  403  409",
        "case_id=med_y":                       "401  401  401  401  401  403  403  403  403  403  403  403  404  409  403  409",
    },
    "POST /admin/mediation/{case_id}/supervise": {
        "form": {"note": "请尽快组织调解"},
        "case_id=med_x":                       "401  401  401  401  401  403  403  403  403  403  403  403  302  404  302  302",
        "case_id=med_y":                       "401  401  401  401  401  403  403  403  403  403  403  403  404  302  404  302",
    },
    "GET /admin/mediation/{case_id}/agreement": {
        "case_id=agreed_x":                    "401  401  401  401  401  200  200  403  404  404  403  403  200  404  200  200",
        "case_id=agreed_y":                    "401  401  401  401  401  404  404  403  200  200  403  403  404  200  404  200",
    },
    "GET /admin/mediation/{case_id}/documents/{document}.pdf": {
        "case_id=agreed_x,document=agreement": "401  401  401  401  401  200  200  403  404  404  403  403  200  404  200  200",
        "case_id=agreed_y,document=agreement": "401  401  401  401  401  404  404  403  200  200  403  403  404  200  404  200",
    },
    # the QR's page: anyone with a genuine code; a forged one verifies nothing
    "GET /mediation/verify/{code}": {
        "code=med_agreement":                  "200  200  200  200  200  200  200  200  200  200  200  200  200  200  200  200",
        "code=med_forged":                     "404  404  404  404  404  404  404  404  404  404  404  404  404  404  404  404",
    },
    "GET /admin/mediation/committee": {
        "query": {"street_id": "{street_id}"},
        "street_id=med_a":                     "401  401  401  401  401  403  403  403  403  403  403  403  200  200  403  200",
    },
    "POST /admin/mediation/committee": {
        "form": {"staff_id": "{staff_id}", "title": "委员"},
        "staff_id=med_a":                      "401  401  401  401  401  403  403  403  403  403  403  403  302  404  403  302",
        "staff_id=med_b":                      "401  401  401  401  401  403  403  403  403  403  403  403  404  302  403  302",
    },
    "POST /admin/mediation/committee/{mediator_id}/remove": {
        "mediator_id=med_a":                   "401  401  401  401  401  403  403  403  403  403  403  403  302  404  403  302",
        "mediator_id=med_b":                   "401  401  401  401  401  403  403  403  403  403  403  403  404  302  403  302",
    },
}

# fmt: on
