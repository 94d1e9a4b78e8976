"""Who is calling the resident API: the bearer token on the request.

The bearer security scheme is defined here once: ``register_api`` adds :data:`BEARER_SCHEME`
to the OpenAPI document, and every view that needs a resident declares
``@blp.doc(security=BEARER)`` and, right below it, ``@resident_required``: above the
rate limits and ``@blp.arguments``, so that a request without a valid token gets 401
before its body is read, and per-resident limits count the signed-in resident.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import sqlalchemy as sa
from flask import g, has_request_context, request

from backend.accounts.models import Residency, ResidencyRole, Resident
from backend.authz.tokens import resident_for_token
from backend.core.errors import Forbidden, NotFound, Unauthorized
from backend.extensions import db
from backend.org.models import Estate

#: the OpenAPI security scheme of residents' tokens, and a view's requirement of it
BEARER_SCHEME_NAME = "bearer"
BEARER_SCHEME = {"type": "http", "scheme": "bearer"}
BEARER = [{BEARER_SCHEME_NAME: []}]


def resident_required(view):
    """Require a valid bearer token; the resident is then ``current_resident()``."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("请先登录")
        g.resident = resident_for_token(token.strip())
        return view(*args, **kwargs)

    return wrapper


def current_resident() -> Resident:
    return g.resident


def resident_rate_key() -> str:
    """Rate-limit key of a resident's request: the signed-in resident's id.

    Many phones share one carrier address, so limits on signed-in actions follow the
    resident, not the address; and they follow the resident, not the token's text, so a
    fresh token (or an edited one) never brings a fresh allowance. Use it below
    ``@resident_required``; a request without a resident falls back to its address.
    """
    resident = g.get("resident")
    if resident is not None:
        return f"resident:{resident.id}"
    return "address:" + (request.remote_addr or "")


# --- what a resident may see -------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """One unit where the resident lives now, and as what (owner, family or tenant)."""

    unit_id: int
    estate_id: int
    role: ResidencyRole


_PLACES_KEY = "linli.resident_places"


def current_places(resident: Resident) -> tuple[Place, ...]:
    """The units where ``resident`` lives today (their current residencies), read once per
    request.

    Every resident-facing read starts here: a handful of rows found by the index on
    ``residencies.resident_id``, then plain ``IN (…)`` lists of ids that the database
    reaches through the indexes of the tables read. A subquery or ``EXISTS`` over
    residencies lets the planner walk a whole table from the first unit instead (a second
    of database time per page of bills at 100,000 units).
    """
    # kept in the request's WSGI environ, not in ``g``: ``g`` belongs to the app context,
    # which outlives a request wherever one app context serves several (tests, jobs)
    cache = request.environ.setdefault(_PLACES_KEY, {}) if has_request_context() else {}
    places = cache.get(resident.id)
    if places is None:
        rows = db.session.execute(
            sa.select(Residency.unit_id, Residency.estate_id, Residency.role)
            .where(Residency.resident_id == resident.id, Residency.is_current)
            .order_by(Residency.unit_id)
        )
        places = tuple(Place(unit_id, estate_id, role) for unit_id, estate_id, role in rows)
        cache[resident.id] = places
    return places


def unit_ids(resident: Resident) -> list[int]:
    """Ids of the units where ``resident`` lives today."""
    return sorted({p.unit_id for p in current_places(resident)})


def estate_ids(resident: Resident) -> list[int]:
    """Ids of the estates where ``resident`` lives today (whose boards and votes they see)."""
    return sorted({p.estate_id for p in current_places(resident)})


def household_unit_ids(resident: Resident) -> list[int]:
    """Ids of the units where ``resident`` lives today as owner or family: the household,
    whom 请家人帮忙 may ask to help with the unit's bills and tickets (a tenant is not of
    the owner's household)."""
    return sorted(
        {
            p.unit_id
            for p in current_places(resident)
            if p.role in (ResidencyRole.owner, ResidencyRole.family)
        }
    )


def in_my_units(unit_column, resident: Resident, *, tenant_allowed=None):
    """A filter: ``unit_column`` is one of ``resident``'s units.

    ``tenant_allowed`` (a SQL condition) limits what a tenant sees of the units they rent,
    e.g. only the fee items a tenant pays; owners and family see everything of their units.
    """
    places = current_places(resident)
    every = sorted({p.unit_id for p in places})
    condition = unit_column.in_(every)
    if tenant_allowed is None:
        return condition
    full = sorted({p.unit_id for p in places if p.role != ResidencyRole.tenant})
    if len(full) == len(every):
        return condition
    return sa.and_(condition, sa.or_(unit_column.in_(full), tenant_allowed))


def in_my_estates(estate_column, resident: Resident):
    """A filter: ``estate_column`` is one of the estates where ``resident`` lives."""
    return estate_column.in_(estate_ids(resident))


def estate_of(resident: Resident, estate_id: int) -> Estate:
    """Estate ``estate_id`` if ``resident`` lives there, else :class:`NotFound` (never
    "forbidden": nobody learns which estates exist)."""
    if estate_id not in estate_ids(resident):
        raise NotFound("未找到该小区，或您尚未绑定该小区的房屋")
    return db.session.get(Estate, estate_id)


NO_HOME = "请先绑定房屋后再上传照片"


def require_bound_home(resident: Resident) -> None:
    """Refuse (403) a resident bound to no home: costly work (decoding uploads) is for
    people of an estate, not for any WeChat account."""
    bound = db.session.scalar(
        sa.select(Residency.id)
        .where(Residency.resident_id == resident.id, Residency.is_current)
        .limit(1)
    )
    if bound is None:
        raise Forbidden(NO_HOME)
