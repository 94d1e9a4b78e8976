"""The supervision dashboard: ticket figures of a street (or a district) over a period,
broken down by company, estate or kind, with trends by week and month, read from the
rollups only (never from raw events). Every figure lists the tickets behind it
(:func:`cell_tickets`, from the per-ticket facts).

A period's figures are about the tickets **submitted** in it (local days, Asia/Shanghai):
how fast they were answered and resolved, whether late, reopened, escalated, rated.
Percentiles read from the histograms are within one bucket width of the true value
(``models.BUCKETS``); :func:`exact_times` gives the exact ones of a cell from its tickets.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from backend.authz import scope
from backend.core.errors import Invalid
from backend.core.feature import load
from backend.core.time import SHANGHAI, month_end, month_start
from backend.extensions import db
from backend.org.models import Company, Estate
from backend.supervision.models import (
    BUCKETS,
    COUNTERS,
    RESOLUTION_COLUMNS,
    RESPONSE_COLUMNS,
    Grain,
    OrderStatus,
    SupervisionOrder,
    TicketFact,
    rollup_table,
)
from backend.supervision.rollups import apply_pending, period_start
from backend.tickets.models import Ticket, TicketKind

#: what a dashboard may be broken down by
DIMENSIONS = {"company": "物业企业", "estate": "小区", "kind": "类型"}
#: the figures a cell's ticket list may be asked for (``cell_tickets``)
METRICS = {
    "submitted": "工单数",
    "responded": "已响应",
    "resolved": "已解决",
    "overdue": "超时",
    "reopened": "重新打开",
    "escalated": "上报街道",
    "rated": "已评价",
    "response_in_sla": "按时响应",
    "resolution_in_sla": "按时解决",
    "supervised": "督办",
}
NO_COMPANY = "无物业企业（自管）"
#: the longest period one dashboard reads (the rollups make a longer one cheap, but a
#: page of more than three years of figures helps nobody)
MAX_DAYS = 3 * 366
#: the import path of the board feature's compliance figures (used when it is installed)
BOARD_COMPLIANCE = "backend.board.compliance:compliance_overview"
#: the import path of the maintenance fund's figures (used when it is installed)
FUND_FIGURES = "backend.fund.oversight:figures"
#: the import path of the mediation cases' figures (used when it is installed)
MEDIATION_FIGURES = "backend.mediation.services:figures"


@dataclass
class Figures:
    """The figures of one cell (a company, estate, kind or period; or the total)."""

    key: object
    label: str
    counts: dict[str, int]
    response_minutes_sum: int = 0
    resolution_minutes_sum: int = 0
    response_hist: list[int] = field(default_factory=list)
    resolution_hist: list[int] = field(default_factory=list)

    def __getattr__(self, name):  # counts read as attributes: figures.submitted
        counts = self.__dict__.get("counts", {})
        if name in counts:
            return counts[name]
        raise AttributeError(name)

    @property
    def response_median(self) -> float | None:
        return percentile_from_histogram(self.response_hist, 0.5)

    @property
    def response_p90(self) -> float | None:
        return percentile_from_histogram(self.response_hist, 0.9)

    @property
    def resolution_median(self) -> float | None:
        return percentile_from_histogram(self.resolution_hist, 0.5)

    @property
    def resolution_p90(self) -> float | None:
        return percentile_from_histogram(self.resolution_hist, 0.9)

    @property
    def reopen_rate(self) -> float | None:
        """Reopened ÷ resolved-or-reopened tickets, in percent."""
        return _rate(self.counts["reopened"], self.counts["resolved"] + self.counts["reopened"])

    @property
    def overdue_rate(self) -> float | None:
        return _rate(self.counts["overdue"], self.counts["submitted"])

    @property
    def response_sla_rate(self) -> float | None:
        return _rate(self.counts["response_in_sla"], self.counts["responded"])

    @property
    def resolution_sla_rate(self) -> float | None:
        return _rate(self.counts["resolution_in_sla"], self.counts["resolved"])

    @property
    def satisfaction(self) -> float | None:
        """Average rating (1–5), two decimals."""
        rated = self.counts["rated"]
        return round(self.counts["satisfaction_sum"] / rated, 2) if rated else None

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            **self.counts,
            "response_median": self.response_median,
            "response_p90": self.response_p90,
            "resolution_median": self.resolution_median,
            "resolution_p90": self.resolution_p90,
            "reopen_rate": self.reopen_rate,
            "overdue_rate": self.overdue_rate,
            "response_sla_rate": self.response_sla_rate,
            "resolution_sla_rate": self.resolution_sla_rate,
            "satisfaction": self.satisfaction,
        }


def _rate(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


# --- percentiles ------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float | None:
    """The ``p``-quantile of ``values`` by linear interpolation between closest ranks
    (rank ``p × (n − 1)``; the median of an even count is the mean of the middle two)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = p * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def percentile_from_histogram(hist: list[int], p: float) -> float | None:
    """The ``p``-quantile read from a histogram over ``BUCKETS``, by the same rule as
    :func:`percentile`, each value taken as spread evenly over its bucket (the open last
    bucket reads as its lower bound). The true value lies in the same bucket(s), so the
    error is below one bucket width."""
    n = sum(hist)
    if not n:
        return None
    rank = p * (n - 1)
    low, high = math.floor(rank), math.ceil(rank)
    a, b = _nth(hist, low), _nth(hist, high)
    return round(a + (b - a) * (rank - low), 1)


def _nth(hist: list[int], index: int) -> float:
    """The estimated value of the ``index``-th smallest sample of ``hist``."""
    seen = 0
    for bucket, count in enumerate(hist):
        if index < seen + count:
            lo = BUCKETS[bucket]
            if bucket + 1 == len(BUCKETS):
                return float(lo)
            width = BUCKETS[bucket + 1] - lo
            return lo + (index - seen + 0.5) * width / count
        seen += count
    raise IndexError(index)


def bucket_width(minutes: float) -> int | None:
    """The width of the histogram bucket holding ``minutes`` (None: the open last one)."""
    for lo, hi in itertools.pairwise(BUCKETS):
        if lo <= minutes < hi:
            return hi - lo
    return None


# --- reading the rollups -------------------------------------------------------------------------


@dataclass(frozen=True)
class Filter:
    """Which tickets: submitted from ``start`` to ``end`` (local days, inclusive), and
    optionally of one company, estate or kind."""

    start: date
    end: date
    company_id: int | None = None
    estate_id: int | None = None
    kind: str | None = None

    def check(self) -> None:
        if self.end < self.start:
            raise Invalid("结束日期不能早于开始日期", {"end": ["不能早于开始日期"]})
        if (self.end - self.start).days > MAX_DAYS:
            raise Invalid("统计区间最长三年", {"start": ["区间过长"]})
        if self.kind is not None and self.kind not in TicketKind.__members__:
            raise Invalid("工单类型无效", {"kind": ["取值不在允许范围内"]})


def segments(start: date, end: date) -> list[tuple[Grain, date, date]]:
    """The rollup rows covering ``start``–``end``: whole months from the month rows, the
    days before and after them from the day rows."""
    first = start if start.day == 1 else month_start(start, 1)
    last = end.replace(day=1) if end == month_end(end) else month_start(end, -1)
    if first > last:
        return [(Grain.day, start, end)]
    out = [(Grain.month, first, last)]
    if start < first:
        out.append((Grain.day, start, first - timedelta(days=1)))
    if month_end(last) < end:
        out.append((Grain.day, month_end(last) + timedelta(days=1), end))
    return out


def _rows_for(staff, f: Filter) -> sa.Select:
    """A select over the rollup rows of ``f`` in ``staff``'s scope (no columns yet)."""
    apply_pending()  # this transaction's own changes first
    c = rollup_table.c
    stmt = sa.select().select_from(rollup_table)
    stmt = stmt.where(
        sa.or_(
            *(
                sa.and_(c.grain == grain.value, c.period >= a, c.period <= b)
                for grain, a, b in segments(f.start, f.end)
            )
        )
    )
    return _narrow(stmt, staff, f, c.estate_id, c.company_id, c.kind)


def _narrow(stmt, staff, f: Filter, estate_col, company_col, kind_col):
    stmt = scope.scoped(stmt, staff, estate_col)
    if f.company_id is not None:
        stmt = stmt.where(company_col == f.company_id)
    if f.estate_id is not None:
        stmt = stmt.where(estate_col == f.estate_id)
    if f.kind is not None and kind_col is not None:
        stmt = stmt.where(kind_col == f.kind)
    return stmt


def _sums():
    c = rollup_table.c
    names = (
        *COUNTERS,
        "response_minutes_sum",
        "resolution_minutes_sum",
        *RESPONSE_COLUMNS,
        *RESOLUTION_COLUMNS,
    )
    return [sa.func.coalesce(sa.func.sum(c[name]), 0).label(name) for name in names]


def _figures(key, label, row) -> Figures:
    return Figures(
        key=key,
        label=label,
        counts={name: int(row[name]) for name in COUNTERS},
        response_minutes_sum=int(row["response_minutes_sum"]),
        resolution_minutes_sum=int(row["resolution_minutes_sum"]),
        response_hist=[int(row[name]) for name in RESPONSE_COLUMNS],
        resolution_hist=[int(row[name]) for name in RESOLUTION_COLUMNS],
    )


def totals(staff, f: Filter) -> Figures:
    """The figures of all tickets of ``f`` in ``staff``'s scope."""
    f.check()
    row = db.session.execute(_rows_for(staff, f).add_columns(*_sums())).mappings().one()
    return _figures(None, "合计", row)


def breakdown(staff, f: Filter, by: str = "company") -> list[Figures]:
    """The figures of ``f`` per company, estate or kind (largest first)."""
    f.check()
    if by not in DIMENSIONS:
        raise Invalid("分组方式无效", {"by": ["取值不在允许范围内"]})
    column = {"company": "company_id", "estate": "estate_id", "kind": "kind"}[by]
    key = rollup_table.c[column]
    stmt = _rows_for(staff, f).add_columns(key.label("key"), *_sums()).group_by(key)
    rows = db.session.execute(stmt).mappings().all()
    labels = _labels(by, [r["key"] for r in rows])
    out = [_figures(r["key"], labels.get(r["key"], str(r["key"])), r) for r in rows]
    return sorted(out, key=lambda fig: (-fig.counts["submitted"], fig.label))


@dataclass
class Overview:
    """What the dashboard's first screen shows, read in one pass over the rollups."""

    total: Figures
    rows: list[Figures]
    months: list[Figures]


def overview(staff, f: Filter, by: str = "company") -> Overview:
    """:func:`totals`, :func:`breakdown` by ``by`` and the figures of each month of ``f``
    at once: one query grouped by row period and ``by``, summed here (the same figures
    as the three functions, a third of the reading). A month at an edge of ``f`` counts
    only its days in ``f``; :func:`trend` shows whole months."""
    f.check()
    if by not in DIMENSIONS:
        raise Invalid("分组方式无效", {"by": ["取值不在允许范围内"]})
    c = rollup_table.c
    key = c[{"company": "company_id", "estate": "estate_id", "kind": "kind"}[by]]
    stmt = (
        _rows_for(staff, f)
        .add_columns(c.period.label("period"), key.label("key"), *_sums())
        .group_by(c.period, key)
    )
    rows = db.session.execute(stmt).mappings().all()
    names = [col.name for col in _sums()]
    total: dict = dict.fromkeys(names, 0)
    by_key: dict = {}
    by_month: dict = {}
    for row in rows:
        month = row["period"].replace(day=1)
        for bucket in (total, by_key.setdefault(row["key"], dict.fromkeys(names, 0))):
            for name in names:
                bucket[name] += row[name]
        into = by_month.setdefault(month, dict.fromkeys(names, 0))
        for name in names:
            into[name] += row[name]
    labels = _labels(by, list(by_key))
    figures = [_figures(k, labels.get(k, str(k)), v) for k, v in by_key.items()]
    months = []
    month = f.start.replace(day=1)
    while month <= f.end:
        label = f"{month:%Y-%m}"
        found = by_month.get(month)
        months.append(_figures(month, label, found) if found else _empty(month, label))
        month = month_start(month, 1)
    return Overview(
        total=_figures(None, "合计", total),
        rows=sorted(figures, key=lambda fig: (-fig.counts["submitted"], fig.label)),
        months=months,
    )


def _labels(by: str, keys: list) -> dict:
    if by == "kind":
        return {k: TicketKind(k).label for k in keys}
    model = Company if by == "company" else Estate
    ids = [k for k in keys if k]
    found = {
        ident: name
        for ident, name in db.session.execute(
            sa.select(model.id, model.name).where(model.id.in_(ids))
        )
    }
    if by == "company":
        found[0] = NO_COMPANY
    return found


def trend(staff, f: Filter, grain: str = "month") -> list[Figures]:
    """The figures per week (Monday) or month from the week or month holding ``f.start``
    to the one holding ``f.end`` (each point covers its whole week or month)."""
    f.check()
    grain = Grain(grain)
    if grain == Grain.day:
        raise Invalid("趋势按周或按月", {"grain": ["取值不在允许范围内"]})
    c = rollup_table.c
    apply_pending()
    first, last = period_start(f.start, grain), period_start(f.end, grain)
    stmt = (
        sa.select(c.period.label("key"), *_sums())
        .where(c.grain == grain.value, c.period >= first, c.period <= last)
        .group_by(c.period)
    )
    stmt = _narrow(stmt, staff, f, c.estate_id, c.company_id, c.kind)
    found = {r["key"]: r for r in db.session.execute(stmt).mappings()}
    out = []
    period = first
    while period <= last:
        label = f"{period:%Y-%m}" if grain == Grain.month else f"{period:%m-%d}"
        row = found.get(period)
        out.append(_figures(period, label, row) if row else _empty(period, label))
        period = month_start(period, 1) if grain == Grain.month else period + timedelta(days=7)
    return out


def _empty(key, label) -> Figures:
    zero = len(BUCKETS) * [0]
    return Figures(key, label, dict.fromkeys(COUNTERS, 0), 0, 0, list(zero), list(zero))


# --- tracing a figure to its tickets -------------------------------------------------------------


def _facts(staff, f: Filter, metric: str = "submitted") -> sa.Select:
    f.check()
    if metric not in METRICS:
        raise Invalid("指标无效", {"metric": ["取值不在允许范围内"]})
    stmt = sa.select(TicketFact).where(TicketFact.day >= f.start, TicketFact.day <= f.end)
    stmt = _narrow(stmt, staff, f, TicketFact.estate_id, TicketFact.company_id, TicketFact.kind)
    if metric != "submitted":
        stmt = stmt.where(getattr(TicketFact, metric).is_(True))
    return stmt


def cell_tickets(staff, f: Filter, metric: str = "submitted", limit: int = 500) -> list[int]:
    """The ids of the tickets behind a figure: those of ``f`` in ``staff``'s scope that
    count in ``metric`` (oldest first, at most ``limit``)."""
    stmt = _facts(staff, f, metric).with_only_columns(TicketFact.ticket_id)
    return list(db.session.scalars(stmt.order_by(TicketFact.ticket_id).limit(limit)))


def officer_ticket(staff, ticket_id: int) -> Ticket:
    """Ticket ``ticket_id`` for an officer following a figure to it: any ticket of the
    jurisdiction (the queue shows officers only those on their list); else "not found"."""
    scope.require(staff, "supervision.read")
    return scope.get_scoped(Ticket, ticket_id, staff)


@dataclass
class ExactTimes:
    response_median: float | None
    response_p90: float | None
    resolution_median: float | None
    resolution_p90: float | None


def exact_times(staff, f: Filter) -> ExactTimes:
    """The exact median and 90th percentile (minutes) of a cell, from its tickets' facts
    (a drill-down reads these beside the histogram's figures)."""
    rows = db.session.execute(
        _facts(staff, f).with_only_columns(
            TicketFact.response_minutes, TicketFact.resolution_minutes
        )
    ).all()
    response = [r[0] for r in rows if r[0] is not None]
    resolution = [r[1] for r in rows if r[1] is not None]
    return ExactTimes(
        percentile(response, 0.5),
        percentile(response, 0.9),
        percentile(resolution, 0.5),
        percentile(resolution, 0.9),
    )


# --- beside the tickets ----------------------------------------------------------------------


def missed_orders(staff, f: Filter) -> list[SupervisionOrder]:
    """督办 orders whose deadline (a local day of ``f``) passed without an answer in time."""
    start = datetime.combine(f.start, time.min, tzinfo=SHANGHAI)
    end = datetime.combine(f.end + timedelta(days=1), time.min, tzinfo=SHANGHAI)
    stmt = sa.select(SupervisionOrder).where(
        SupervisionOrder.status.in_((OrderStatus.missed, OrderStatus.answered_late)),
        SupervisionOrder.deadline >= start,
        SupervisionOrder.deadline < end,
    )
    stmt = _narrow(stmt, staff, f, SupervisionOrder.estate_id, SupervisionOrder.company_id, None)
    if f.kind is not None:
        stmt = stmt.where(
            SupervisionOrder.ticket_id.in_(sa.select(Ticket.id).where(Ticket.kind == f.kind))
        )
    return list(db.session.scalars(stmt.order_by(SupervisionOrder.deadline)))


def fee_collection(staff, f: Filter) -> list:
    """The fee collection rate (收缴率) of each estate in scope for the months of ``f``
    (``backend.fees.reports``)."""
    from backend.fees import reports

    rows = reports.collection_rate(
        staff, "estate", f.start.replace(day=1), f.end, estate_id=f.estate_id
    )
    if f.company_id is not None:
        served = set(
            db.session.scalars(sa.select(Estate.id).where(Estate.company_id == f.company_id))
        )
        rows = [r for r in rows if r.key in served]
    return rows


def disclosure_compliance(staff, f: Filter | None = None) -> list | None:
    """The disclosure board's compliance of each estate in scope (sections missing or
    stale, most overdue first; ``backend.board.compliance``), narrowed to ``f``'s estate
    or company, when the board feature is installed; ``None`` otherwise."""
    from backend.features import FEATURES

    if not any(feature.name == "board" for feature in FEATURES):
        return None
    boards = load(BOARD_COMPLIANCE)(staff)
    if f is not None and f.estate_id is not None:
        boards = [b for b in boards if b.estate.id == f.estate_id]
    if f is not None and f.company_id is not None:
        boards = [b for b in boards if b.estate.company_id == f.company_id]
    return boards


def fund_figures(staff, f: Filter | None = None):
    """The maintenance fund's figures of ``staff``'s jurisdiction (``backend.fund.oversight``),
    narrowed to ``f``'s estate or company, when the fund feature is installed and ``staff``
    reads it; ``None`` otherwise."""
    from backend.features import FEATURES

    if not any(feature.name == "fund" for feature in FEATURES):
        return None
    if not scope.can(staff, "fund.read"):
        return None
    return load(FUND_FIGURES)(
        staff,
        f.estate_id if f is not None else None,
        company_id=f.company_id if f is not None else None,
    )


def mediation_figures(staff, f: Filter | None = None):
    """The mediation cases' figures of ``staff``'s scope (``backend.mediation.services``),
    per street and per company party, narrowed to ``f``'s estate or company, when the
    mediation feature is installed and ``staff`` reads it; ``None`` otherwise."""
    from backend.features import FEATURES

    if not any(feature.name == "mediation" for feature in FEATURES):
        return None
    if not scope.can(staff, "mediation.read"):
        return None
    return load(MEDIATION_FIGURES)(
        staff,
        estate_id=f.estate_id if f is not None else None,
        company_id=f.company_id if f is not None else None,
        breakdown=True,
    )
