"""The resident API (/api/v1): the Api object and the one list of its blueprints."""

from __future__ import annotations

from flask import Flask

from backend.core.api import Api
from backend.extensions import csrf

api = Api()


def register_api(app: Flask) -> None:
    from backend.accounts.api import blp as accounts_blp
    from backend.org.api import blp as org_blp

    api.init_app(app)
    for blp in (accounts_blp, org_blp):
        # the mini-app authenticates with a bearer token, not a cookie: no CSRF to guard
        csrf.exempt(blp)
        api.register_blueprint(blp, url_prefix="/api/v1")
