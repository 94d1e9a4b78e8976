"""The dashboard with a controlled clock: medians and 90th percentiles against values
computed by hand (even count, odd count, one ticket), read from the rollups within one
bucket width and exactly from the tickets behind the cell; breakdowns, trends, scope."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from backend.core.errors import Invalid
from backend.supervision import dashboard
from backend.supervision.dashboard import Filter, bucket_width, percentile
from backend.supervision.models import Grain
from backend.tickets import services
from backend.tickets.models import TicketKind
from backend.tickets.services import Actor
from tests.supervision.conftest import T0

M = timedelta(minutes=1)
NOV = Filter(date(2026, 11, 1), date(2026, 11, 30))


def _answered(world, minutes: list[int], resolve_after: list[int] | None = None, day=0):
    """Tickets submitted on T0 + ``day`` days, accepted after ``minutes`` and resolved
    after ``resolve_after`` minutes (from submission)."""
    tickets = []
    for i, m in enumerate(minutes):
        at = T0 + timedelta(days=day, minutes=i)
        ticket = world.ticket(now=at)
        services.apply(Actor(staff=world.desk), ticket, "accept", now=at + m * M)
        if resolve_after:
            services.apply(
                Actor(staff=world.desk), ticket, "assign", assignee_id=world.tech.id, now=at + m * M
            )
            services.apply(
                Actor(staff=world.tech), ticket, "resolve", now=at + resolve_after[i] * M
            )
        tickets.append(ticket)
    return tickets


def _within_a_bucket(estimate, values, p):
    """The histogram's reading is within the width of the bucket(s) holding the true
    neighbours of rank p × (n − 1)."""
    ordered = sorted(values)
    rank = p * (len(ordered) - 1)
    widths = [bucket_width(ordered[math.floor(rank)]), bucket_width(ordered[math.ceil(rank)])]
    exact = percentile(values, p)
    assert abs(estimate - exact) <= max(w for w in widths if w), (estimate, exact)


def test_even_count_median_is_the_mean_of_the_middle_two(world, clock):
    # by hand: sorted 10, 20, 40, 70 → median (20 + 40) / 2 = 30;
    # P90 at rank 0.9 × 3 = 2.7 → 40 + 0.7 × (70 − 40) = 61
    _answered(world, [70, 10, 40, 20])

    exact = dashboard.exact_times(world.street, NOV)
    assert exact.response_median == 30
    assert exact.response_p90 == pytest.approx(61)
    figures = dashboard.totals(world.street, NOV)
    assert figures.submitted == 4 and figures.responded == 4
    _within_a_bucket(figures.response_median, [10, 20, 40, 70], 0.5)
    _within_a_bucket(figures.response_p90, [10, 20, 40, 70], 0.9)


def test_odd_count_and_resolution_times(world, clock):
    # responses 5, 15, 25 min: median 15, P90 at rank 1.8 → 15 + 0.8 × 10 = 23;
    # resolutions 300, 600, 4320 min: median 600, P90 600 + 0.8 × 3720 = 3576
    _answered(world, [25, 5, 15], resolve_after=[4320, 300, 600])

    exact = dashboard.exact_times(world.street, NOV)
    assert (exact.response_median, exact.response_p90) == (15, pytest.approx(23))
    assert (exact.resolution_median, exact.resolution_p90) == (600, pytest.approx(3576))
    figures = dashboard.totals(world.street, NOV)
    assert figures.resolved == 3
    _within_a_bucket(figures.resolution_median, [300, 600, 4320], 0.5)
    _within_a_bucket(figures.resolution_p90, [300, 600, 4320], 0.9)


def test_a_single_ticket_is_its_own_median_and_p90(world, clock):
    _answered(world, [45])

    exact = dashboard.exact_times(world.street, NOV)
    assert exact.response_median == exact.response_p90 == 45
    figures = dashboard.totals(world.street, NOV)
    assert 45 <= figures.response_median < 60  # the bucket [45, 60)
    assert figures.response_median == figures.response_p90
    assert figures.resolution_median is None


def test_histogram_reading_of_known_buckets():
    hist = [0] * 26
    hist[1] = 2  # two values in [5, 10): read as 6.25 and 8.75
    assert dashboard.percentile_from_histogram(hist, 0.5) == 7.5
    assert dashboard.percentile_from_histogram([0] * 26, 0.5) is None
    hist = [0] * 26
    hist[-1] = 1  # the open last bucket reads as its lower bound (30 days)
    assert dashboard.percentile_from_histogram(hist, 0.9) == 43200


def test_segments_use_month_rows_for_whole_months():
    assert dashboard.segments(date(2026, 1, 15), date(2026, 3, 10)) == [
        (Grain.month, date(2026, 2, 1), date(2026, 2, 1)),
        (Grain.day, date(2026, 1, 15), date(2026, 1, 31)),
        (Grain.day, date(2026, 3, 1), date(2026, 3, 10)),
    ]
    assert dashboard.segments(date(2026, 1, 1), date(2026, 12, 31)) == [
        (Grain.month, date(2026, 1, 1), date(2026, 12, 1))
    ]
    assert dashboard.segments(date(2026, 2, 3), date(2026, 2, 20)) == [
        (Grain.day, date(2026, 2, 3), date(2026, 2, 20))
    ]


def test_a_period_across_months_counts_each_ticket_once(world, clock):
    _answered(world, [10], day=-10)  # 2026-10-23
    _answered(world, [10], day=0)  # 2026-11-02
    _answered(world, [10], day=35)  # 2026-12-07
    _answered(world, [10], day=70)  # 2027-01-11

    def count(start, end):
        return dashboard.totals(world.street, Filter(start, end)).submitted

    assert count(date(2026, 10, 20), date(2027, 1, 31)) == 4
    assert count(date(2026, 10, 24), date(2026, 12, 31)) == 2
    assert count(date(2026, 11, 1), date(2026, 11, 30)) == 1
    assert count(date(2026, 11, 3), date(2026, 12, 6)) == 0


def test_breakdown_by_company_estate_and_kind_and_tickets_behind_a_cell(world, clock):
    answered = _answered(world, [10, 20])
    complaint = world.ticket(kind=TicketKind.complaint, now=T0 + M)

    by_kind = {f.key: f for f in dashboard.breakdown(world.street, NOV, "kind")}
    assert by_kind["home_repair"].submitted == 2 and by_kind["complaint"].submitted == 1
    assert by_kind["complaint"].label == "投诉"
    by_company = dashboard.breakdown(world.street, NOV, "company")
    assert [(f.key, f.submitted) for f in by_company] == [(world.estate.company_id, 3)]
    assert by_company[0].label == world.estate.company.name
    by_estate = dashboard.breakdown(world.street, NOV, "estate")
    assert by_estate[0].label == world.estate.name

    cell = Filter(NOV.start, NOV.end, kind="home_repair")
    assert dashboard.cell_tickets(world.street, cell) == [t.id for t in answered]
    assert dashboard.cell_tickets(world.street, NOV, "responded") == [t.id for t in answered]
    assert complaint.id in dashboard.cell_tickets(world.street, NOV)


def test_reopen_rate_overdue_and_satisfaction(world, clock):
    one, two = _answered(world, [10, 10], resolve_after=[60, 120])
    resident = Actor(resident=world.resident)
    services.apply(resident, one, "reopen", note="没修好", now=T0 + 3 * 60 * M)
    clock.now = T0 + 4 * 60 * M
    services.rate(world.resident, two, 5)
    late = world.ticket(now=T0 + 5 * M)  # normal repair: respond within 2 h
    services.apply(Actor(staff=world.desk), late, "accept", now=T0 + 5 * M + 3 * 60 * M)

    figures = dashboard.totals(world.street, NOV)
    assert figures.reopened == 1 and figures.resolved == 1
    assert figures.reopen_rate == 50.0
    assert figures.overdue == 1 and figures.overdue_rate == pytest.approx(33.3)
    assert figures.satisfaction == 5
    assert figures.response_sla_rate == pytest.approx(66.7)
    assert dashboard.cell_tickets(world.street, NOV, "overdue") == [late.id]


def test_trends_by_week_and_month(world, clock):
    _answered(world, [10], day=0)  # week of 2 Nov
    _answered(world, [10, 20], day=8)  # week of 9 Nov
    weeks = dashboard.trend(world.street, Filter(date(2026, 11, 2), date(2026, 11, 22)), "week")
    assert [(f.key, f.submitted) for f in weeks] == [
        (date(2026, 11, 2), 1),
        (date(2026, 11, 9), 2),
        (date(2026, 11, 16), 0),
    ]
    months = dashboard.trend(world.street, Filter(date(2026, 10, 1), date(2026, 11, 30)))
    assert [(f.label, f.submitted) for f in months] == [("2026-10", 0), ("2026-11", 3)]
    with pytest.raises(Invalid):
        dashboard.trend(world.street, NOV, "day")


def test_an_officer_of_street_a_sees_nothing_of_street_b(world, other, clock, bureau):
    _answered(world, [10])
    theirs = other.ticket(at=T0)

    assert dashboard.totals(other.street, NOV).submitted == 1
    assert dashboard.totals(world.street, NOV).submitted == 1
    assert theirs.id not in dashboard.cell_tickets(world.street, NOV)
    assert dashboard.cell_tickets(other.street, NOV) == [theirs.id]
    estates = {f.key for f in dashboard.breakdown(world.street, NOV, "estate")}
    assert estates == {world.estate.id}
    # asking for the other street's estate by id finds nothing
    theirs_only = Filter(NOV.start, NOV.end, estate_id=other.estate.id)
    assert dashboard.totals(world.street, theirs_only).submitted == 0
    # the bureau officer of the district sees both
    assert dashboard.totals(bureau, NOV).submitted == 2


def test_bad_filters_are_refused(world):
    with pytest.raises(Invalid):
        dashboard.totals(world.street, Filter(date(2026, 11, 30), date(2026, 11, 1)))
    with pytest.raises(Invalid):
        dashboard.totals(world.street, Filter(date(2020, 1, 1), date(2026, 11, 1)))
    with pytest.raises(Invalid):
        dashboard.breakdown(world.street, NOV, "colour")
    with pytest.raises(Invalid):
        dashboard.cell_tickets(world.street, NOV, "nothing")


def test_cell_tickets_and_an_officer_opens_any_ticket_of_the_street(world, other, clock):
    from backend.core.errors import Forbidden, NotFound

    [ticket] = _answered(world, [25])
    assert dashboard.cell_tickets(world.street, NOV, "responded") == [ticket.id]
    assert dashboard.officer_ticket(world.street, ticket.id) == ticket
    with pytest.raises(NotFound):
        dashboard.officer_ticket(other.street, ticket.id)
    with pytest.raises(Forbidden):
        dashboard.officer_ticket(world.desk, ticket.id)
    assert dashboard.cell_tickets(other.street, NOV) == []


def test_fee_collection_and_the_board_seam(world, other, clock):
    from tests.factories import BillFactory

    BillFactory(unit__building__estate=world.estate)
    rows = dashboard.fee_collection(world.street, NOV)
    assert [r.key for r in rows] == [world.estate.id]
    assert dashboard.fee_collection(other.street, NOV) == []
    # without the board feature there is no compliance to show (not an empty list)
    from backend.features import FEATURES

    if not any(f.name == "board" for f in FEATURES):
        assert dashboard.disclosure_compliance(world.street) is None
    else:  # the board's compliance of the street's estates, nothing of the other street
        boards = dashboard.disclosure_compliance(world.street)
        ids = {b.estate.id for b in boards}
        assert world.estate.id in ids and other.estate.id not in ids


def test_overview_equals_totals_breakdown_and_monthly_trend(world, other, clock, bureau):
    _answered(world, [10, 70], resolve_after=[100, 400], day=-20)  # October
    _answered(world, [20], day=0)
    world.ticket(kind=TicketKind.complaint, now=T0 + M)
    other.ticket(at=T0 + 3 * M)
    period = Filter(date(2026, 10, 5), date(2026, 11, 30))
    for staff in (world.street, bureau):
        for by in ("company", "estate", "kind"):
            seen = dashboard.overview(staff, period, by)
            assert seen.total.as_dict() == dashboard.totals(staff, period).as_dict()
            assert [r.as_dict() for r in seen.rows] == [
                r.as_dict() for r in dashboard.breakdown(staff, period, by)
            ]
        trend = dashboard.trend(staff, Filter(date(2026, 10, 1), date(2026, 11, 30)))
        seen = dashboard.overview(staff, Filter(date(2026, 10, 1), date(2026, 11, 30)))
        assert [m.as_dict() for m in seen.months] == [m.as_dict() for m in trend]
