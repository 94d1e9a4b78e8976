"""The admin panel (/admin): server-rendered pages for staff, committees and officers."""

from flask import Blueprint

blueprint = Blueprint(
    "admin", __name__, template_folder="templates", static_folder="static",
    static_url_path="/static",
)

from admin import views  # noqa: E402,F401
