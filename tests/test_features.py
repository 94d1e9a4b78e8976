"""The feature registry: every feature registered in ``backend/features.py`` is wired in
whole — its API routes answer, its admin screens and navigation entries open, its
periodic jobs reach the clock — so a feature cannot be half-registered."""

from __future__ import annotations

import importlib
import sys

import pytest
from rq import cron as rq_cron

from backend.api import api
from backend.authz.roles import StaffRole
from backend.core.feature import AuditEntity, load
from backend.features import AUDIT_ACTIONS, FEATURES, PERMISSIONS, nav_entries, periodic_jobs
from tests.factories import TEST_PASSWORD, ResidentFactory, StaffFactory
from tests.helpers import bearer

API_FEATURES = [f for f in FEATURES if f.api]
ADMIN_FEATURES = [f for f in FEATURES if f.admin]


def test_every_feature_has_a_unique_name_and_its_models_load():
    names = [f.name for f in FEATURES]
    assert len(names) == len(set(names))
    for feature in FEATURES:
        if feature.models:
            assert importlib.import_module(feature.models)


@pytest.mark.parametrize("feature", API_FEATURES, ids=lambda f: f.name)
def test_feature_api_routes_are_served(app, db, client, feature):
    """Each route of the feature's blueprint is on the app and answers a signed-in resident
    (never 404 for the route itself, never 500)."""
    blp = load(feature.api)
    assert app.blueprints[blp.name] is not None
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith(f"{blp.name}.")]
    assert rules, f"{feature.name}: no API route registered"
    headers = bearer(ResidentFactory())
    for rule in rules:
        url = rule.rule.replace("<int:", "<").replace("<", "{").replace(">", "}")
        url = url.format(**dict.fromkeys(rule.arguments, 1))
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(url, method=method, headers=headers, json={})
            assert response.status_code < 500, (method, url, response.status_code)
            assert response.status_code != 405, (method, url)
            assert response.get_json() is not None, (method, url)


def test_the_api_documents_exactly_the_registered_blueprints(app):
    registered = {load(f.api).doc_tag for f in API_FEATURES}
    documented = {tag["name"] for tag in api.spec.to_dict()["tags"]}
    assert documented == registered


@pytest.mark.parametrize("feature", ADMIN_FEATURES, ids=lambda f: f.name)
def test_feature_admin_screens_and_navigation_open(app, db, client, feature):
    """Each admin module has screens on the panel; each navigation entry opens for a
    platform admin and appears in the navigation of the roles it names."""
    for module in feature.admin:
        served = [
            endpoint
            for endpoint, view in app.view_functions.items()
            if endpoint.startswith("admin.") and view.__module__ == module
        ]
        assert served, f"{module}: no screen registered"
    admin = StaffFactory(role=StaffRole.platform_admin)
    client.post("/admin/login", data={"username": admin.username, "password": TEST_PASSWORD})
    for entry in feature.nav:
        assert entry.module in feature.admin
        assert entry.permission is None or entry.permission in PERMISSIONS
        for endpoint in (entry.endpoint, *entry.pages):
            assert endpoint in app.view_functions, endpoint
        with app.test_request_context():
            from flask import url_for

            url = url_for(entry.endpoint)
        response = client.get(url)
        assert response.status_code == 200, (entry.endpoint, response.status_code)
        assert entry.label in response.get_data(as_text=True)


def test_navigation_shows_each_role_only_the_entries_it_may_open(app, db, client):
    for role in StaffRole:
        staff = StaffFactory(role=role, **_scope_of(role))
        c = app.test_client()
        c.post("/admin/login", data={"username": staff.username, "password": TEST_PASSWORD})
        page = c.get("/admin/").get_data(as_text=True)
        for entry in nav_entries():
            allowed = entry.permission is None or role in PERMISSIONS[entry.permission]
            with app.test_request_context():
                from flask import url_for

                href = f'href="{url_for(entry.endpoint)}"'
            assert (href in page) == allowed, (role, entry.endpoint)


def _scope_of(role: StaffRole) -> dict:
    from tests.factories import CompanyFactory, EstateFactory, StreetFactory

    if role in (StaffRole.company_admin, StaffRole.service_desk, StaffRole.technician):
        return {"company": CompanyFactory()}
    if role == StaffRole.committee_member:
        return {"estate": EstateFactory()}
    if role == StaffRole.street_officer:
        return {"street": StreetFactory()}
    if role in (StaffRole.bureau_officer, StaffRole.fund_bank):
        return {"district": "西湖区"}
    return {}


def test_every_periodic_job_reaches_the_clock_and_runs(app, db):
    """``rq cron backend.cron`` registers every declared job; each one runs (and twice)."""
    sys.modules.pop("backend.cron", None)
    rq_cron._job_data_registry.clear()
    importlib.import_module("backend.cron")
    registered = [(d["func"], d["cron"], d["interval"]) for d in rq_cron._job_data_registry]
    declared = [(j.load(), j.cron, j.interval) for j in periodic_jobs()]
    assert registered == declared
    for job in periodic_jobs():
        assert (job.cron is None) != (job.interval is None), job.function
        job.load()()
        job.load()()


def test_every_audit_action_has_a_label_of_its_feature():
    for feature in FEATURES:
        for action, label in feature.audit_actions.items():
            assert AUDIT_ACTIONS[action] == label
            assert label and not label.isascii()
        for entity in feature.audit_entities.values():
            assert isinstance(entity, AuditEntity), (feature.name, entity)
            assert entity.label and not entity.label.isascii()


def test_every_demo_seed_loads():
    """``seed-demo`` calls these (``tests/org/test_demo.py`` checks what they create)."""
    for feature in FEATURES:
        if feature.demo:
            assert callable(load(feature.demo))
