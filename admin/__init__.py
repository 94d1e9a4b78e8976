"""The admin panel (/admin): server-rendered pages for staff, committees and officers.

One module per screen group; each view parses the request, calls a service in
``backend/`` and renders. Authorization lives in ``backend.authz.scope``. ``auth`` and
``home`` are the panel's own; every other module holds a feature's screens, declared in
its ``feature.py`` (``admin=``) and imported here from the feature list.
"""

import importlib

from flask import Blueprint

from backend.features import FEATURES

blueprint = Blueprint(
    "admin",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

from admin import auth, home  # noqa: E402,F401

for _feature in FEATURES:
    for _module in _feature.admin:
        importlib.import_module(_module)
