"""The bureau's home page (区住建部门首页): the city at a glance, street by street — tickets
on the overdue list, 督办 orders the companies have not answered, boards not compliant —
and the district's open mediation cases, maintenance-fund applications waiting for the
bureau's review and the red/black list. Every figure is a filter of a list the bureau may
open; the page costs a fixed number of statements whatever the size of the district.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from backend.authz import scope
from backend.core.feature import load
from backend.core.time import local_today
from backend.extensions import db
from backend.org.models import Estate, Street
from backend.supervision.models import ListKind, SupervisionOrder
from backend.supervision.orders import UNANSWERED
from backend.supervision.overdue import overdue_query

#: the other features' figures, read by import path when they are installed
BOARD_COMPLIANCE = "backend.board.compliance:compliance_overview"
MEDIATION_OPEN = "backend.mediation.services:open_count"
FUND_REVIEWS = "backend.fund.notices:reviews_waiting"


@dataclass
class StreetFigures:
    """One street's line: tickets on the overdue list, unanswered 督办 orders, estates
    whose disclosure board is not compliant (missing or stale sections)."""

    street_id: int
    name: str
    overdue_tickets: int = 0
    unanswered_orders: int = 0
    stale_boards: int = 0


@dataclass
class ListStatus:
    """Where the red/black list stands: the latest year drawn up (``None``: never), how
    many companies are on each list, and whether last year's is still to be drawn up."""

    year: int | None
    red: int = 0
    black: int = 0
    published_at: object = None
    due_year: int | None = None


@dataclass
class CityOverview:
    streets: list[StreetFigures] = field(default_factory=list)
    mediation_open: int | None = None
    fund_reviews: int | None = None
    lists: ListStatus | None = None

    @property
    def total(self) -> StreetFigures:
        """The whole district's line."""
        return StreetFigures(
            0,
            "合计",
            sum(s.overdue_tickets for s in self.streets),
            sum(s.unanswered_orders for s in self.streets),
            sum(s.stale_boards for s in self.streets),
        )


def _installed(name: str) -> bool:
    from backend.features import FEATURES

    return any(feature.name == name for feature in FEATURES)


def city_overview(staff) -> CityOverview:
    """The bureau's overview of its district (``supervision.city``)."""
    scope.require(staff, "supervision.city")
    estates = scope.scoped(sa.select(Estate.id), staff, Estate.id)
    streets = {
        street.id: StreetFigures(street.id, street.name)
        for street in db.session.scalars(
            sa.select(Street)
            .where(Street.id.in_(estates.with_only_columns(Estate.street_id)))
            .order_by(Street.name, Street.id)
        )
    }
    overdue = overdue_query(staff).subquery()
    for street_id, count in db.session.execute(
        sa.select(Estate.street_id, sa.func.count())
        .select_from(overdue)
        .join(Estate, Estate.id == overdue.c.estate_id)
        .group_by(Estate.street_id)
    ):
        if street_id in streets:
            streets[street_id].overdue_tickets = count
    unanswered = scope.scoped(
        sa.select(Estate.street_id, sa.func.count())
        .select_from(SupervisionOrder)
        .join(Estate, Estate.id == SupervisionOrder.estate_id)
        .where(SupervisionOrder.status.in_(UNANSWERED))
        .group_by(Estate.street_id),
        staff,
        SupervisionOrder.estate_id,
    )
    for street_id, count in db.session.execute(unanswered):
        if street_id in streets:
            streets[street_id].unanswered_orders = count
    if _installed("board") and scope.can(staff, "board.read"):
        for board in load(BOARD_COMPLIANCE)(staff, order="name"):
            if not board.compliant and board.estate.street_id in streets:
                streets[board.estate.street_id].stale_boards += 1
    overview = CityOverview(streets=list(streets.values()))
    if _installed("mediation") and scope.can(staff, "mediation.read"):
        overview.mediation_open = load(MEDIATION_OPEN)(staff)
    if _installed("fund") and scope.can(staff, "fund.read"):
        overview.fund_reviews = len(load(FUND_REVIEWS)(staff))
    overview.lists = list_status(staff)
    return overview


def list_status(staff) -> ListStatus:
    """The latest red/black list of the companies in ``staff``'s scope, and the year whose
    list is due (last year's) when it has not been drawn up yet."""
    from backend.supervision.evaluation import list_entries

    entries = list_entries(staff).subquery()
    latest = db.session.execute(
        sa.select(
            entries.c.year, entries.c.kind, sa.func.count(), sa.func.max(entries.c.published_at)
        )
        .where(entries.c.year == sa.select(sa.func.max(entries.c.year)).scalar_subquery())
        .group_by(entries.c.year, entries.c.kind)
    ).all()
    last_year = local_today().year - 1
    if not latest:
        return ListStatus(None, due_year=last_year)
    counts = {ListKind(kind): n for _, kind, n, _ in latest}
    year = latest[0][0]
    return ListStatus(
        year,
        red=counts.get(ListKind.red, 0),
        black=counts.get(ListKind.black, 0),
        published_at=max(row[3] for row in latest),
        due_year=last_year if year < last_year else None,
    )
