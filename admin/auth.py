"""Staff sign-in to the panel: the session, ``login_required`` and the login rate limit."""

from __future__ import annotations

import functools
import hashlib
import math
import time
from urllib.parse import urlsplit

from flask import (
    Response,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter.util import get_remote_address

from admin import blueprint
from admin.forms import LoginForm
from admin.page import is_htmx
from backend.accounts import staff as staff_accounts
from backend.accounts.models import Staff
from backend.authz import scope
from backend.core.errors import Invalid, Unauthorized
from backend.extensions import configured_limit, limiter

SESSION_STAFF = "admin_staff_id"
#: ties the session to the password and the session version: resetting a password or
#: logging out ends the sessions signed before, even copies of their cookie
SESSION_CHECK = "admin_staff_check"
LOGIN_THROTTLED = "登录尝试过于频繁，请{wait}后再试"
#: methods that only read: HEAD is answered like GET
SAFE_METHODS = frozenset({"GET", "HEAD"})


def _session_check(staff: Staff) -> str:
    signed = f"{staff.password_hash}:{staff.session_version}"
    return hashlib.sha256(signed.encode()).hexdigest()[:16]


def current_staff() -> Staff | None:
    """The signed-in, active staff member of this request, or ``None``.

    Not cached in ``g``: the session's identity map already makes repeated calls cheap.
    """
    staff_id = session.get(SESSION_STAFF)
    if not isinstance(staff_id, int):
        return None
    staff = staff_accounts.staff_by_id(staff_id)
    # a disabled account, a reset password or a logout ends the session at once
    if staff is None or not staff.active or session.get(SESSION_CHECK) != _session_check(staff):
        return None
    return staff


def login_required(view):
    """Send visitors without a valid session to the login page."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if current_staff() is None:
            session.pop(SESSION_STAFF, None)
            wanted = request.full_path.rstrip("?") if request.method in SAFE_METHODS else None
            target = url_for("admin.login", next=wanted)
            if is_htmx():
                return Response(status=401, headers={"HX-Redirect": target})
            return redirect(target)
        return view(*args, **kwargs)

    return wrapper


def permission_required(permission: str):
    """Refuse (403) staff whose role lacks ``permission``; use below ``login_required``."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            scope.require(current_staff(), permission)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def _login_rate_key() -> str:
    # per address and account: one person's typos never lock out a colleague's account
    username = (request.form.get("username") or "").strip().lower()
    return f"admin-login:{get_remote_address()}:{username}"


def _login_failed(response: Response) -> bool:
    # only failed attempts count towards the limit
    return response.status_code == 401


def _safe_next(target: str | None) -> str | None:
    """``target`` if it is a page of this panel (never another site)."""
    if not target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target or not parts.path.startswith("/admin/"):
        return None
    return target


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit(
    configured_limit("RATELIMIT_LOGIN"),
    key_func=_login_rate_key,
    methods=["POST"],
    deduct_when=_login_failed,
)
@limiter.limit(
    configured_limit("RATELIMIT_LOGIN_ADDRESS"),
    key_func=lambda: f"admin-login-address:{get_remote_address()}",
    methods=["POST"],
    deduct_when=_login_failed,
)
def login():
    """用户名和密码登录。"""
    next_url = _safe_next(request.values.get("next"))
    if request.method in SAFE_METHODS:
        if current_staff() is not None:
            return redirect(next_url or url_for("admin.dashboard"))
        return render_template("admin/login.html", next_url=next_url)
    username = (request.form.get("username") or "").strip()
    try:
        form = LoginForm().checked()
        staff = staff_accounts.authenticate(form["username"], form["password"] or "")
    except (Unauthorized, Invalid) as exc:
        page = render_template(
            "admin/login.html", error=exc.message, username=username, next_url=next_url
        )
        return page, exc.status
    session.clear()
    session.permanent = True
    session[SESSION_STAFF] = staff.id
    session[SESSION_CHECK] = _session_check(staff)
    return redirect(next_url or url_for("admin.dashboard"))


def render_login_throttled():
    """The login page with the rate-limit message saying how long to wait (HTTP 429)."""
    username = (request.form.get("username") or "").strip()
    breached = limiter.current_limit
    wait = _wait_text(breached.reset_at - time.time()) if breached else "稍后"
    page = render_template(
        "admin/login.html", error=LOGIN_THROTTLED.format(wait=wait), username=username
    )
    return page, 429


def _wait_text(seconds: float) -> str:
    """A wait in words people read at a glance: " 40 秒", " 5 分钟" (rounded up)."""
    seconds = max(1, math.ceil(seconds))
    if seconds <= 60:
        return f" {seconds} 秒"
    # the limiter rounds its reset time up by a second: 301 s is the 5 minutes of the limit
    return f" {math.ceil((seconds - 1) / 60)} 分钟"


@blueprint.post("/logout")
def logout():
    """退出登录。"""
    staff = current_staff()
    if staff is not None:
        staff_accounts.end_sessions(staff)
    session.clear()
    flash("您已退出登录", "info")
    return redirect(url_for("admin.login"))
