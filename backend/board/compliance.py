"""Disclosure compliance: which required sections of a board are missing or stale.

A section is *missing* when the board shows no post in it, and *stale* when its freshness
duty asks for a publication every N days (quarterly: 92) and the latest one is older than
that. The clock is a parameter (``now``), so the rule can be checked at its exact edges.
Street officers see the same for every estate of their street, most overdue first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from backend.accounts.models import Staff
from backend.authz import scope
from backend.board.models import Post
from backend.board.sections import Section, sections
from backend.core.time import utcnow
from backend.extensions import db
from backend.org.models import Estate

OK, MISSING, STALE = "ok", "missing", "stale"
STATE_LABELS = {OK: "按时公示", MISSING: "未公示", STALE: "未按期更新"}


@dataclass(frozen=True)
class SectionStatus:
    """One required section of one board, as compliance sees it."""

    section: Section
    state: str
    last_published_at: datetime | None
    due_at: datetime | None
    #: whole days past ``due_at`` (0 when on time or when the section is missing)
    overdue_days: int

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    def as_dict(self) -> dict:
        return {
            "section": self.section.code,
            "name": self.section.name,
            "publisher": self.section.publisher.value,
            "publisher_label": self.section.publisher.label,
            "freshness": self.section.freshness.code,
            "freshness_label": self.section.freshness.label,
            "state": self.state,
            "state_label": self.state_label,
            "last_published_at": self.last_published_at,
            "due_at": self.due_at,
            "overdue_days": self.overdue_days,
        }


@dataclass
class BoardCompliance:
    """A board's compliance: every required section's status."""

    estate: Estate
    statuses: list[SectionStatus] = field(default_factory=list)

    @property
    def missing(self) -> list[SectionStatus]:
        return [s for s in self.statuses if s.state == MISSING]

    @property
    def stale(self) -> list[SectionStatus]:
        return [s for s in self.statuses if s.state == STALE]

    @property
    def compliant(self) -> bool:
        return not self.missing and not self.stale

    @property
    def overdue_days(self) -> int:
        """The longest a stale section is overdue (days)."""
        return max((s.overdue_days for s in self.stale), default=0)

    @property
    def sort_key(self) -> tuple:
        """Most overdue first: sections missing, then days overdue, then stale count."""
        return (-len(self.missing), -self.overdue_days, -len(self.stale), self.estate.name)


def _last_publications(estate_ids: list[int]) -> dict[tuple[int, str], datetime]:
    rows = db.session.execute(
        sa.select(Post.estate_id, Post.section, sa.func.max(Post.published_at))
        .where(Post.estate_id.in_(estate_ids), Post.withdrawn_at.is_(None))
        .group_by(Post.estate_id, Post.section)
    )
    return {(estate_id, code): at for estate_id, code, at in rows}


def _status(found: Section, last: datetime | None, now: datetime) -> SectionStatus:
    if last is None:
        return SectionStatus(found, MISSING, None, None, 0)
    days = found.freshness.days
    if not days:
        return SectionStatus(found, OK, last, None, 0)
    due = last + timedelta(days=days)
    if now <= due:
        return SectionStatus(found, OK, last, due, 0)
    return SectionStatus(found, STALE, last, due, max(1, (now - due).days))


def _of_estates(estates: list[Estate], now: datetime | None) -> list[BoardCompliance]:
    now = now or utcnow()
    required = [s for s in sections() if s.required]
    last = _last_publications([e.id for e in estates])
    return [
        BoardCompliance(
            estate=estate,
            statuses=[_status(s, last.get((estate.id, s.code)), now) for s in required],
        )
        for estate in estates
    ]


def board_compliance(estate_id: int, now: datetime | None = None) -> BoardCompliance:
    """Compliance of one estate's board at ``now`` (default: the current time)."""
    estate = db.session.get(Estate, estate_id)
    return _of_estates([estate], now)[0]


#: how the street view may be ordered
ORDERS = ("overdue", "name", "missing")


def compliance_overview(
    staff: Staff, now: datetime | None = None, order: str = "overdue", street_id: int | None = None
) -> list[BoardCompliance]:
    """Compliance of every board in ``staff``'s scope (a street officer: their street's
    estates), most overdue first (``order="name"``: by estate name)."""
    scope.require(staff, "board.read")
    stmt = scope.scoped(sa.select(Estate), staff, Estate.id)
    if street_id is not None:
        stmt = stmt.where(Estate.street_id == street_id)
    estates = list(db.session.scalars(stmt.order_by(Estate.name)))
    boards = _of_estates(estates, now)
    if order == "name":
        return boards
    if order == "missing":
        return sorted(boards, key=lambda b: (-len(b.missing), b.estate.name))
    return sorted(boards, key=lambda b: b.sort_key)


def todo(staff: Staff) -> list:
    """What waits on the boards: for a publisher, its own sections missing or overdue in
    the estates of its scope; for a street officer also the estates whose board is not
    compliant (missing or stale sections of any publisher)."""
    from backend.board.sections import Publisher
    from backend.board.services import publisher_of
    from backend.core.feature import ToDo

    publisher = publisher_of(staff)
    if publisher is None or not scope.can(staff, "board.publish"):
        return []
    boards = compliance_overview(staff)
    own = sum(
        1
        for board in boards
        for status in (*board.missing, *board.stale)
        if status.section.publisher == publisher
    )
    items = [ToDo("待更新的公示栏目", own, "admin.board_compliance", (("order", "overdue"),))]
    if publisher == Publisher.street:  # the street office oversees every board
        behind = sum(1 for board in boards if not board.compliant)
        items.append(
            ToDo("公示不合规的小区", behind, "admin.board_compliance", (("order", "missing"),))
        )
    return items
