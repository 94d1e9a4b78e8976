"""The admin panel (/admin): server-rendered pages for staff, committees and officers.

One module per screen group; each view parses the request, calls a service in
``backend/`` and renders. Authorization lives in ``backend.accounts.scope``.
"""

from flask import Blueprint

blueprint = Blueprint(
    "admin",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

from admin import audit, auth, home, org, residencies, staff  # noqa: E402,F401
