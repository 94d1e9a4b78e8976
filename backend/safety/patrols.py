"""Patrol routes (巡查路线): an ordered list of points walked daily or at a set frequency, a
signed QR code posted at each point, rounds made ahead like tasks, missed points listed, and
a finding at a point opening a ticket (a safety hazard or a repair) with its photos.

《消防法》第十八条: in a residential estate the property company keeps the shared fire systems
and keeps escape routes and fire lanes clear; the daily patrol of common areas and the
monthly check are the industry practice (XF 1290-2016《消防设施维护管理》). Services flush,
never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from backend.audit import services as audit
from backend.authz import scope
from backend.core.errors import Conflict, Invalid
from backend.core.text import TextRefused, clean_text
from backend.core.time import local_today, utcnow
from backend.extensions import db
from backend.org.models import Estate
from backend.safety import checkin
from backend.safety.models import PatrolCheck, PatrolPoint, PatrolRound, PatrolRoute
from backend.safety.schedule import Item
from backend.tickets import services as tickets
from backend.tickets.models import HAZARD_CATEGORIES, TicketKind, TicketSource

if TYPE_CHECKING:
    from backend.accounts.models import Staff

MAX_POINTS = 50


def _text(value: str, label: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Invalid(f"请填写{label}")
    if len(value) > limit:
        raise Invalid(f"{label}过长（最多 {limit} 个字）")
    try:
        return clean_text(value) if value else ""
    except TextRefused as exc:
        raise Invalid(f"{label}{exc.message}") from exc


def add_route(
    staff: Staff,
    estate_id: int,
    name: str,
    points: list[str],
    starts_on: date,
    every_days: int | None = 1,
    every_months: int | None = None,
) -> PatrolRoute:
    """Add a route of ``points`` (in walking order) to an estate (audited)."""
    scope.require(staff, "safety.manage")
    estate = scope.get_scoped(Estate, estate_id, staff)
    name = _text(name, "路线名称", 60)
    names = [_text(p, "巡查点名称", 60) for p in points if (p or "").strip()]
    if not names:
        raise Invalid("请至少填写一个巡查点")
    if len(names) > MAX_POINTS:
        raise Invalid(f"一条路线最多 {MAX_POINTS} 个巡查点")
    if (every_days is None) == (every_months is None) or (every_days or every_months or 0) < 1:
        raise Invalid("请填写巡查频次（每几日或每几个月）")
    if (every_days or 0) > 366 or (every_months or 0) > 12:
        raise Invalid("巡查频次过长")
    if db.session.scalar(
        sa.select(PatrolRoute.id).where(
            PatrolRoute.estate_id == estate.id, PatrolRoute.name == name
        )
    ):
        raise Conflict(f"本小区已有名为“{name}”的巡查路线")
    route = PatrolRoute(
        estate_id=estate.id,
        name=name,
        every_days=every_days,
        every_months=every_months,
        starts_on=starts_on,
    )
    db.session.add(route)
    db.session.flush()
    for position, point in enumerate(names, 1):
        db.session.add(
            PatrolPoint(route_id=route.id, estate_id=estate.id, position=position, name=point)
        )
    db.session.flush()
    audit.record(
        staff, "safety.route", "safety_patrol_route", route.id,
        after={"name": name, "points": names, "every_days": every_days,
               "every_months": every_months, "starts_on": starts_on.isoformat()},
        estate_id=estate.id,
    )  # fmt: skip
    return route


def _cycle(route) -> Item:
    return Item(
        code="patrol",
        label=route.name,
        basis="",
        checklist=(),
        every_days=route.every_days,
        every_months=route.every_months,
    )


def generate_rounds(first: date, last: date, estate_ids=None) -> int:
    """Make the rounds of every route due from ``first`` to ``last`` (idempotent, like
    :func:`backend.safety.services.generate_tasks`); returns how many were new."""
    stmt = sa.select(PatrolRoute)
    if estate_ids is not None:
        stmt = stmt.where(PatrolRoute.estate_id.in_(list(estate_ids)))
    rows = [
        {"route_id": route.id, "estate_id": route.estate_id, "due_on": due}
        for route in db.session.scalars(stmt)
        for due in _cycle(route).due_dates(route.starts_on, first, last)
    ]
    if not rows:
        return 0
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    created = 0
    table = PatrolRound.__table__
    upsert = (
        insert(table)
        .on_conflict_do_nothing(index_elements=["route_id", "due_on"])
        .returning(table.c.id)
    )
    for start in range(0, len(rows), 5000):
        created += len(db.session.execute(upsert, rows[start : start + 5000]).all())
    return created


def routes_query(staff: Staff, estate_id: int | None = None) -> sa.Select:
    scope.require(staff, "safety.read")
    stmt = scope.scoped(sa.select(PatrolRoute), staff, PatrolRoute.estate_id)
    if estate_id is not None:
        stmt = stmt.where(PatrolRoute.estate_id == estate_id)
    return stmt.order_by(PatrolRoute.estate_id, PatrolRoute.name)


def rounds_query(staff: Staff, estate_id: int | None = None, today: date | None = None):
    """Today's rounds and the last week's, newest first (the work list)."""
    scope.require(staff, "safety.read")
    today = today or local_today()
    stmt = scope.scoped(sa.select(PatrolRound), staff, PatrolRound.estate_id).where(
        PatrolRound.due_on <= today
    )
    if estate_id is not None:
        stmt = stmt.where(PatrolRound.estate_id == estate_id)
    return stmt.order_by(PatrolRound.due_on.desc(), PatrolRound.id)


def recent_rounds(staff: Staff, estate_id: int | None = None, limit: int = 20) -> list:
    """The latest rounds due (today's first), with how many of their points are checked."""
    rounds = db.session.scalars(rounds_query(staff, estate_id).limit(limit)).all()
    return [(r, len(r.checks), len(r.route.points)) for r in rounds]


def missed_query(staff: Staff, estate_id: int | None = None, today: date | None = None):
    """(round, point) of every point not checked in a round whose day has passed."""
    scope.require(staff, "safety.read")
    today = today or local_today()
    checked = sa.select(PatrolCheck.id).where(
        PatrolCheck.round_id == PatrolRound.id, PatrolCheck.point_id == PatrolPoint.id
    )
    stmt = (
        scope.scoped(sa.select(PatrolRound, PatrolPoint), staff, PatrolRound.estate_id)
        .join(PatrolPoint, PatrolPoint.route_id == PatrolRound.route_id)
        .where(PatrolRound.due_on < today, ~checked.exists())
    )
    if estate_id is not None:
        stmt = stmt.where(PatrolRound.estate_id == estate_id)
    return stmt.order_by(PatrolRound.due_on.desc(), PatrolRound.id, PatrolPoint.position)


def round_view(staff: Staff, round_id: int) -> tuple[PatrolRound, list[PatrolPoint], dict]:
    """A round in scope, its points in walking order and point id → its check."""
    scope.require(staff, "safety.read")
    patrol = scope.get_scoped(PatrolRound, round_id, staff)
    return patrol, list(patrol.route.points), {c.point_id: c for c in patrol.checks}


@dataclass
class Finding:
    """What was found at a point: ``text``; a threat to life (``hazard``) opens a safety
    hazard ticket (``category`` of :data:`HAZARD_CATEGORIES`), else a shared repair."""

    text: str = ""
    hazard: bool = False
    category: str = ""
    photo_ids: tuple[int, ...] = ()


def check_point(
    staff: Staff, round_id: int, point_id: int, code: str, finding: Finding | None = None
) -> PatrolCheck:
    """Check in at a point of a round: ``code`` must be the point's own signed code (the
    scan proves presence); once per point and round (two scans at once: one check, the
    other :class:`Conflict`). A finding opens a ticket, filed by ``staff`` (source
    ``safety``), photos attached; a hazard goes to the street at once."""
    scope.require(staff, "safety.work")
    patrol, points, _checks = round_view(staff, round_id)
    point = next((p for p in points if p.id == point_id), None)
    if point is None:
        raise Invalid("该巡查点不在本路线上")
    if patrol.due_on > local_today():
        raise Conflict("这一轮巡查还未到期")
    checkin.verify(code, point.id, patrol.estate_id, checkin.POINT_PREFIX)
    finding = finding or Finding()
    text = _text(finding.text, "发现的问题", 500, required=False)
    if finding.hazard and finding.category and finding.category not in HAZARD_CATEGORIES:
        raise Invalid("隐患类别无效")
    check = PatrolCheck(
        round_id=patrol.id,
        point_id=point.id,
        estate_id=patrol.estate_id,
        staff_id=staff.id,
        at=utcnow(),
        finding=text,
    )
    try:
        with db.session.begin_nested():
            db.session.add(check)
            db.session.flush()
    except IntegrityError:
        raise Conflict(f"“{point.name}”本轮已签到") from None
    if text or finding.photo_ids:
        kind = TicketKind.safety_hazard if finding.hazard else TicketKind.shared_repair
        ticket, _ = tickets.file_ticket(
            TicketSource.safety,
            estate_id=patrol.estate_id,
            kind=kind,
            description=text or "巡查发现问题（见照片）",
            staff=staff,
            location=f"{point.name}（{patrol.route.name}）",
            category=(finding.category or "other") if finding.hazard else "",
            photo_ids=list(finding.photo_ids),
        )
        check.ticket_id = ticket.id
        db.session.flush()
    audit.record(
        staff, "safety.patrol", "safety_patrol_route", patrol.route_id,
        after={"round": patrol.id, "point": point.name, "finding": text[:200],
               "ticket_id": check.ticket_id},
        estate_id=patrol.estate_id,
    )  # fmt: skip
    return check


def point_code_png(staff: Staff, point_id: int) -> bytes:
    """The QR check-in code of a patrol point in scope, as a PNG to print and post."""
    scope.require(staff, "safety.manage")
    point = scope.get_scoped(PatrolPoint, point_id, staff)
    return checkin.qr_png(checkin.code_for(point.id, point.estate_id, checkin.POINT_PREFIX))
