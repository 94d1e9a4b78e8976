"""Every route × every actor answers what ``matrix.py`` says it should.

The routes are every rule of ``app.url_map`` (the admin panel, the resident API, static
files) and every operation of ``/api/v1/openapi.json``; a route that has no entry in the
matrix fails the test by name, so nothing ships unchecked. Each route is called by each
actor with ids that belong to them and ids that belong to someone else.
"""

from __future__ import annotations

import itertools
import json
import os
import re
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from flask import Blueprint

from backend import create_app
from backend.accounts.models import ResidencyRole
from backend.extensions import limiter
from tests.factories import InviteFactory, UnitFactory
from tests.security import matrix
from tests.security.conftest import SUMMARY, pending_residency
from tests.security.matrix_board import TARGETS as BOARD_TARGETS
from tests.security.matrix_elder import ELDER_TARGETS
from tests.security.matrix_fund import TARGETS as FUND_TARGETS
from tests.security.matrix_mediation import MEDIATION_TARGETS
from tests.security.matrix_open311 import OPEN311_TARGETS
from tests.security.matrix_outbox import TARGETS as OUTBOX_TARGETS
from tests.security.matrix_safety import SAFETY_TARGETS
from tests.security.matrix_supervision import SUPERVISION_TARGETS
from tests.security.matrix_surveys import TARGETS as SURVEY_TARGETS
from tests.security.matrix_votes import TARGETS as VOTE_TARGETS

#: ``LINLI_MATRIX_RECORD=1`` prints the observed rows in the matrix's format (to review a new
#: route's behaviour before writing its row down; never to copy without reading)
RECORD = os.environ.get("LINLI_MATRIX_RECORD") == "1"
SKIPPED_METHODS = {"HEAD", "OPTIONS"}


def route_key(method: str, rule: str) -> str:
    """``GET /admin/estates/{estate_id}``: a url_map rule in the OpenAPI document's notation."""
    path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)
    return f"{method} {path}"


def app_routes(app) -> set[str]:
    """Every method and path the app answers: its url_map and its OpenAPI document."""
    keys = {
        route_key(method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - SKIPPED_METHODS
    }
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    for path, operations in document["paths"].items():
        keys.update(
            f"{method.upper()} {path}" for method in operations if method.upper() in _HTTP_METHODS
        )
    return keys


_HTTP_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def check_every_route_listed(app) -> None:
    """Fail naming every route without a matrix entry, and every entry without a route."""
    routes = app_routes(app)
    missing = sorted(routes - matrix.ROUTES.keys())
    stale = sorted(matrix.ROUTES.keys() - routes)
    problems = [f"route with no entry in tests/security/matrix.py: {key}" for key in missing]
    problems += [f"matrix entry for a route the app does not have: {key}" for key in stale]
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


# --- the ids each case names ------------------------------------------------------------------


#: fresh units are numbered by a counter: a clock's microseconds repeat within a run
_fresh_numbers = itertools.count(1)


def _fresh_unit(side):
    number = f"{side.building.name}-新{next(_fresh_numbers)}"
    return UnitFactory(building=side.building, number=number)


def _fresh_code(side) -> str:
    return InviteFactory(unit=_fresh_unit(side), role=ResidencyRole.owner).code


_wechat_users = iter(range(10**6))

#: ``param=name`` in a case → the value sent; fresh objects are made anew for every call
TARGETS: dict[str, Callable] = {
    "estate_id=x": lambda w: w.x.estate.id,
    "ticket_id=none": lambda w: 2**31 - 1,
    "photo_id=none": lambda w: 2**31 - 1,
    "ticket_id=x": lambda w: w.x.ticket.id,
    "ticket_id=y": lambda w: w.y.ticket.id,
    "photo_id=x": lambda w: w.x.photo.id,
    "photo_id=y": lambda w: w.y.photo.id,
    # the signature of photo X's full-size URL (the URL itself is the permission)
    "expires=x": lambda w: w.x.photo_query["expires"],
    "sig=x": lambda w: w.x.photo_query["sig"],
    # the signature of voice note X's URL
    "voice_note_id=x": lambda w: w.x.voice.id,
    "voice_note_id=y": lambda w: w.y.voice.id,
    "expires=xv": lambda w: w.x.voice_query["expires"],
    "sig=xv": lambda w: w.x.voice_query["sig"],
    "variant=full": lambda w: "full",
    "action=accept": lambda w: "accept",
    "action=close": lambda w: "close",
    "action=accept_assign": lambda w: "accept_assign",
    "action=take": lambda w: "take",
    "estate_id=y": lambda w: w.y.estate.id,
    "building_id=x": lambda w: w.x.building.id,
    "building_id=y": lambda w: w.y.building.id,
    "unit_id=x": lambda w: w.x.unit.id,
    "unit_id=y": lambda w: w.y.unit.id,
    "unit_id=fresh_x": lambda w: _fresh_unit(w.x).id,
    "unit_id=fresh_y": lambda w: _fresh_unit(w.y).id,
    "residency_id=owner_x": lambda w: w.owner_x.id,
    "residency_id=family_x": lambda w: w.family_x.id,
    "residency_id=tenant_x": lambda w: w.tenant_x.id,
    "residency_id=owner_y": lambda w: w.owner_y.id,
    "residency_id=pending_x": lambda w: pending_residency(w.x.spare).id,
    "residency_id=pending_y": lambda w: pending_residency(w.y.spare).id,
    "invite_id=x": lambda w: w.invite_x.id,
    "invite_id=y": lambda w: w.invite_y.id,
    "invite_id=owner_x": lambda w: w.owner_invite_x.id,
    "code=owner_x": lambda w: w.owner_invite_x.code,
    "code=owner_y": lambda w: w.owner_invite_y.code,
    "code=fresh_x": lambda w: _fresh_code(w.x),
    "code=fresh_y": lambda w: _fresh_code(w.y),
    "code=wechat": lambda w: w.fake_wechat.login_code(f"o-matrix-{next(_wechat_users)}"),
    "message_id=x": lambda w: w.message_x.id,
    "message_id=y": lambda w: w.message_y.id,
    "bill_id=x": lambda w: w.x.bill.id,
    "bill_id=y": lambda w: w.y.bill.id,
    "item_id=x": lambda w: w.x.item.id,
    "item_id=y": lambda w: w.y.item.id,
    "item_id=water_x": lambda w: w.x.water.id,
    "item_id=water_y": lambda w: w.y.water.id,
    "payment_id=x": lambda w: w.x.payment.id,
    "payment_id=y": lambda w: w.y.payment.id,
    "reminder_id=x": lambda w: w.x.reminder.id,
    "reminder_id=y": lambda w: w.y.reminder.id,
    "code=receipt_x": lambda w: w.x.receipt_code,
    "kind=arrears": lambda w: "arrears",
    "kind=collection": lambda w: "collection",
    "filename=receipt": lambda w: "receipt.css",
    "staff_id=a": lambda w: w.target_staff_a.id,
    "staff_id=b": lambda w: w.target_staff_b.id,
    "company_id=a": lambda w: w.company_a.id,
    "company_id=b": lambda w: w.company_b.id,
    "filename=admin": lambda w: "admin.css",
    "filename=swagger": lambda w: "swagger-ui/swagger-ui.css",
    **BOARD_TARGETS,
    **SUPERVISION_TARGETS,
    **VOTE_TARGETS,
    **OUTBOX_TARGETS,
    **FUND_TARGETS,
    **SAFETY_TARGETS,
    **MEDIATION_TARGETS,
    **OPEN311_TARGETS,
    **SURVEY_TARGETS,
    **ELDER_TARGETS,
}


def _parse_case(case: str) -> list[str]:
    return [] if case == "-" else case.split(",")


def _fill(template, values: dict):
    """``template`` with ``{name}`` replaced; a value that is only ``{name}`` keeps its type."""
    if isinstance(template, dict):
        return {k: _fill(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [_fill(v, values) for v in template]
    if isinstance(template, str):
        whole = re.fullmatch(r"\{(\w+)\}", template)
        if whole:
            return values[whole.group(1)]
        return template.format(**values)
    return template


_sequence = iter(range(10**6))
LOGIN = "/admin/login"


def call(client, key: str, spec: dict, case: str, world) -> int:
    """The status ``client`` gets for one case; a redirect to the panel's login is 401."""
    method, path = key.split(" ", 1)
    values = {"seq": next(_sequence)}
    for target in _parse_case(case):
        name = target.split("=", 1)[0]
        values[name] = TARGETS[target](world)
    kwargs = {}
    for option, argument in (("json", "json"), ("form", "data"), ("query", "query_string")):
        if option in spec:
            kwargs[argument] = _fill(spec[option], values)
    response = client.open(path.format(**values), method=method, **kwargs)
    status = response.status_code
    # the panel's guard sends visitors to the login page; signing in and out themselves
    # redirect there as their ordinary outcome
    guarded = path not in ("/admin/login", "/admin/logout")
    if guarded and status in (301, 302, 303) and urlsplit(response.location).path == LOGIN:
        return 401
    return status


def test_every_route_has_an_entry(app, db):
    check_every_route_listed(app)


def test_every_route_answers_each_actor_as_the_matrix_says(app, world, actors, fake_wechat):
    check_every_route_listed(app)
    world.fake_wechat = fake_wechat
    # rate limits are not what this test checks: hundreds of calls from one address would
    # meet them (tests/accounts and tests/admin test the limits themselves)
    limiter.enabled = False
    try:
        cases = _run_matrix(actors, world)
    finally:
        limiter.enabled = True
    SUMMARY.append(
        f"permission matrix: {len(matrix.ROUTES)} routes, {cases} route × actor cases "
        f"({len(matrix.ACTORS)} actors)"
    )


def _run_matrix(actors, world) -> int:
    mismatches, observed, cases = [], {}, 0
    # signing out ends the session the other cases use: it goes last
    for key in sorted(matrix.ROUTES, key=lambda key: key == "POST /admin/logout"):
        entry = matrix.ROUTES[key]
        spec = {k: v for k, v in entry.items() if k in matrix.REQUEST_OPTIONS}
        for case, row in entry.items():
            if case in matrix.REQUEST_OPTIONS:
                continue
            expected = [None] * len(matrix.ACTORS) if RECORD else matrix.statuses(row)
            got = []
            for actor, want in zip(matrix.ACTORS, expected, strict=True):
                status = call(actors[actor], key, spec, case, world)
                got.append(status)
                cases += 1
                if status != want and not RECORD:
                    mismatches.append(f"{key} [{case}] as {actor}: expected {want}, got {status}")
            observed[f"{key} | {case}"] = " ".join(f"{s:<4}" for s in got).rstrip()
    if RECORD:
        print(json.dumps(observed, ensure_ascii=False, indent=1))
    assert not mismatches, f"{len(mismatches)} of {cases} cases differ:\n" + "\n".join(mismatches)
    return cases


def test_an_unsupported_method_is_405_everywhere(app, db):
    """A method a path does not serve is refused by routing, before any view runs."""
    client = app.test_client()
    paths = {key.split(" ", 1)[1] for key in matrix.ROUTES}
    served = {}
    for key in matrix.ROUTES:
        method, path = key.split(" ", 1)
        served.setdefault(path, set()).add(method)
    for path in sorted(paths):
        unsupported = next(m for m in ("DELETE", "PUT", "PATCH") if m not in served[path])
        url = re.sub(r"\{\w+\}", "1", path)
        assert client.open(url, method=unsupported).status_code == 405, f"{unsupported} {path}"


@pytest.fixture
def app_with_unlisted_route(app):
    """An app like the suite's with one more blueprint that nobody wrote a matrix row for."""
    probe = Blueprint("unlisted_probe", __name__)

    @probe.get("/probe/<int:thing_id>")
    def probe_view(thing_id):
        return {"id": thing_id}

    # the suite's engine options are PostgreSQL's on the real stack: not for this SQLite app
    config = {k: v for k, v in app.config.items() if k != "SQLALCHEMY_ENGINE_OPTIONS"}
    extra = create_app({**config, "DATABASE_URL": "sqlite://", "REDIS_URL": None})
    extra.register_blueprint(probe, url_prefix="/admin/unlisted")
    return extra


def test_a_route_without_an_entry_fails_the_matrix_by_name(app_with_unlisted_route):
    with pytest.raises(pytest.fail.Exception, match=r"GET /admin/unlisted/probe/\{thing_id\}"):
        check_every_route_listed(app_with_unlisted_route)
