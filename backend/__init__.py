"""Linli (邻里): backend of the resident mini-app and home of the app factory."""

from __future__ import annotations

import logging
import os

from flask import Flask, Response

from backend import config as settings
from backend.core import display, headers, outage
from backend.core.db import configure_sqlite
from backend.extensions import cors, csrf, db, limiter, migrate, redis_store


def create_app(config: dict | None = None) -> Flask:
    """Build the app. Settings: ``Config`` defaults ← environment ← ``config`` (tests)."""
    app = Flask(__name__, instance_relative_config=False)
    # JSON in readable Chinese (UTF-8), not \u escapes
    app.json.ensure_ascii = False
    app.config.from_object(settings.Config)
    settings.load_environment(app.config)
    if config:
        app.config.update(config)
    os.makedirs(app.instance_path, exist_ok=True)
    settings.finalize(app.config, app.instance_path)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    _import_models()
    _install_registry()
    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"))
    redis_store.init_app(app)
    limiter.init_app(app)
    csrf.init_app(app)
    cors.init_app(
        app,
        resources={r"/api/*": {"origins": app.config["CORS_ORIGINS"]}},
        supports_credentials=False,
    )
    _register_blueprints(app)
    headers.init_app(app)
    outage.init_app(app)
    _register_request_boundary(app)
    _register_cli(app)
    _register_fast_paths(app)
    display.init_app(app)
    _register_front_middleware(app)
    return app


def _register_front_middleware(app: Flask) -> None:
    """In front of everything (fast paths included): the trusted-hosts guard, and before it
    the proxy's headers (the host the guard checks is then the one the client asked for)."""
    from backend.core.origin import TrustedHosts, public_url_for

    app.jinja_env.globals["public_url_for"] = public_url_for
    app.wsgi_app = TrustedHosts(app.wsgi_app, app.config["TRUSTED_HOSTS"])
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)


def _register_fast_paths(app: Flask) -> None:
    """Cached public reads answered before Flask is entered (the disclosure board's)."""
    from backend.features import FEATURES

    if any(feature.name == "board" for feature in FEATURES):
        from backend.board.fast import init_app

        init_app(app)


def _install_registry() -> None:
    """Tell the layers below the features what the registry holds: the core and ``authz``
    never import ``backend.features`` (tests/test_layers.py)."""
    from backend.authz import scope
    from backend.core import board_hook, payment_hook, ticket_hook
    from backend.features import FEATURES, PERMISSIONS

    scope.install_permissions(PERMISSIONS)
    board_hook.install(any(feature.name == "board" for feature in FEATURES))
    ticket_hook.install(path for feature in FEATURES for path in feature.ticket_hooks)
    payment_hook.install(path for feature in FEATURES for path in feature.payment_hooks)


def _import_models() -> None:
    """Import every feature's models so that metadata and migrations see all tables."""
    import importlib

    from backend.features import FEATURES

    for feature in FEATURES:
        if feature.models:
            importlib.import_module(feature.models)


def _register_blueprints(app: Flask) -> None:
    from admin import blueprint as admin_blueprint
    from backend.api import register_api
    from backend.core.api import IdConverter

    app.url_map.converters["int"] = IdConverter

    register_api(app)
    app.register_blueprint(admin_blueprint, url_prefix="/admin")
    from backend.fees.public import blueprint as receipts_blueprint
    from backend.fees.public import callbacks as wechat_pay_callbacks

    # the public page a receipt's QR code opens, and WeChat Pay's notifications (no sign-in)
    app.register_blueprint(receipts_blueprint)
    csrf.exempt(wechat_pay_callbacks)
    app.register_blueprint(wechat_pay_callbacks)
    from backend.board.public import blueprint as board_blueprint

    # the public board page the QR poster on the paper board opens (no sign-in)
    app.register_blueprint(board_blueprint)
    from backend.fund.public import blueprint as fund_orders_blueprint

    # the page a maintenance-fund payment order's QR code opens (no sign-in)
    app.register_blueprint(fund_orders_blueprint)
    from backend.mediation.public import blueprint as mediation_documents

    # the page a mediation document's QR code opens (no sign-in, no names)
    app.register_blueprint(mediation_documents)
    from backend.open311.public import register as register_open311

    # Open311 GeoReport v2 for outside channels (12345, grid): partners sign with a key
    register_open311(app)

    @app.get("/")
    def index():
        from flask import redirect

        return redirect("/admin/")

    @app.get("/healthz")
    def healthz():
        """The process is up (nothing else is asked)."""
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz():
        """PostgreSQL and Redis answer within their bounds; 503 otherwise (load balancers)."""
        body, status = outage.readiness()
        response = app.json.response(body)
        response.status_code = status
        response.headers["Cache-Control"] = "no-store"
        if status == 503:
            response.headers["Retry-After"] = str(app.config["OUTAGE_RETRY_AFTER"])
        return response

    @app.get("/favicon.ico")
    def favicon():
        # browsers ask the site's root for it, on the panel and the API docs alike
        return app.send_static_file("favicon.ico")


def _register_request_boundary(app: Flask) -> None:
    """Each request is one transaction: commit on success, roll back on error; text that
    no database can take is refused before any view runs."""
    from flask import request
    from sqlalchemy.exc import IntegrityError

    from backend.core.api import check_request_text, error_payload, wants_json
    from backend.core.db import READ_ONLY, commit, rollback
    from backend.core.faults import pause_point

    app.before_request(check_request_text)

    @app.before_request
    def begin_request() -> None:
        # a GET or HEAD only reads: no transaction (see backend.core.db.READ_ONLY); the
        # flag takes effect if the session has no transaction yet (it never has in serving)
        db.session.info[READ_ONLY] = request.method in ("GET", "HEAD")

    @app.teardown_request
    def end_request(_exc=None) -> None:
        db.session.info.pop(READ_ONLY, None)

    @app.after_request
    def finish_transaction(response: Response) -> Response:
        try:
            if response.status_code >= 400:
                rollback()
                return response
            commit()
            pause_point("committed " + request.path)  # fault tests: killed before the answer
        except outage.OUTAGE_ERRORS as exc:
            return outage.outage_response(exc)
        except IntegrityError:
            app.logger.warning("request rolled back by a database constraint", exc_info=True)
            message = "数据与已有记录冲突，请刷新后重试"
            if wants_json():
                return app.json.response(error_payload(409, message)), 409
            return Response(message, status=409, mimetype="text/plain")
        return response


def _register_cli(app: Flask) -> None:
    from backend.cli import register_cli

    register_cli(app)
