"""The overdue list: escalated or late open tickets of the jurisdiction, with ages,
sortable, exported to Excel; nothing of another street."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from backend.core.errors import Forbidden, Invalid
from backend.supervision import exports, orders, overdue
from backend.supervision.dashboard import Filter
from backend.tickets import services
from backend.tickets.models import TicketKind, Urgency
from backend.tickets.services import Actor
from tests.supervision.conftest import T0

H = timedelta(hours=1)


def _overdue_world(world, other):
    old = world.ticket(now=T0)  # normal repair: resolve within 72 h
    services.apply(Actor(staff=world.desk), old, "accept", now=T0 + H)
    urgent = world.ticket(urgency=Urgency.urgent, now=T0 + 10 * H)  # respond within 30 min
    fine = world.ticket(now=T0 + 80 * H)
    services.apply(Actor(staff=world.desk), fine, "accept", now=T0 + 80 * H)
    theirs = other.ticket(at=T0)
    services.flag_overdue(T0 + 80 * H, notify=False)
    return old, urgent, fine, theirs


def test_overdue_tickets_with_ages_sorted(world, other, clock):
    old, urgent, _fine, theirs = _overdue_world(world, other)
    now = T0 + 100 * H

    rows = overdue.overdue_tickets(world.street, now=now)
    assert [r.ticket_id for r in rows] == [old.id, urgent.id]
    assert rows[0].age_hours == 100.0 and rows[0].late_hours == 28.0
    assert rows[1].age_hours == 90.0 and rows[1].late_hours == 89.5
    by_late = overdue.overdue_tickets(world.street, sort="late", now=now)
    assert [r.ticket_id for r in by_late] == [urgent.id, old.id]
    ascending = overdue.overdue_tickets(world.street, sort="age", descending=False, now=now)
    assert [r.ticket_id for r in ascending] == [urgent.id, old.id]
    assert [r.ticket_id for r in overdue.overdue_tickets(other.street, now=now)] == [theirs.id]
    with pytest.raises(Invalid):
        overdue.overdue_tickets(world.street, sort="colour")
    with pytest.raises(Forbidden):
        overdue.overdue_tickets(world.desk)


def test_an_escalated_complaint_with_an_open_order_is_listed(world, other, clock):
    complaint = world.ticket(kind=TicketKind.complaint, now=T0)
    services.apply(Actor(resident=world.resident), complaint, "supervise", note="督办", now=T0)
    orders.issue_order(world.street, complaint.id, "尽快处理", T0 + 48 * H, now=T0 + H)
    [row] = overdue.overdue_tickets(world.street, now=T0 + 2 * H)
    assert (row.ticket_id, row.open_orders, row.late_hours) == (complaint.id, 1, 0.0)


def _sheet(stream):
    sheet = load_workbook(io.BytesIO(stream.read())).active
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_exports_hold_only_the_jurisdictions_rows(world, other, clock):
    old, urgent, _, _theirs = _overdue_world(world, other)
    rows = _sheet(overdue.export_overdue(world.street, now=T0 + 100 * H))
    assert rows[0][0] == "工单编号"
    assert [r[0] for r in rows[1:]] == [f"T{old.id}", f"T{urgent.id}"]

    period = Filter(date(2026, 11, 1), date(2026, 11, 30))
    table = _sheet(exports.export_breakdown(world.street, period, "estate"))
    assert [r[0] for r in table[1:]] == [world.estate.name, "合计"]
    assert table[-1][1] == 3
    theirs_table = _sheet(exports.export_breakdown(other.street, period, "estate"))
    assert [r[0] for r in theirs_table[1:]] == [other.estate.name, "合计"]
    trend = _sheet(exports.export_trend(world.street, period, "month"))
    assert trend[1][:2] == ["2026-11-01", 3]
    with pytest.raises(Forbidden):
        exports.export_breakdown(world.desk, period)
