"""The resident API (/api/v1): the Api object and the registered features' blueprints."""

from __future__ import annotations

from flask import Flask

from backend.authz.resident import BEARER_SCHEME, BEARER_SCHEME_NAME
from backend.core.api import Api
from backend.core.feature import load
from backend.extensions import csrf
from backend.features import FEATURES

api = Api()


def register_api(app: Flask) -> None:
    api.init_app(app)
    api.spec.components.security_scheme(BEARER_SCHEME_NAME, BEARER_SCHEME)
    for feature in FEATURES:
        if feature.api is None:
            continue
        blp = load(feature.api)
        # the mini-app authenticates with a bearer token, not a cookie: no CSRF to guard
        csrf.exempt(blp)
        api.register_blueprint(blp, url_prefix="/api/v1")
