"""Excel export of a ticket queue (what the panel lists, with its filters)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa

from backend.core.sheets import Sheet, write_bytes
from backend.core.time import to_local
from backend.extensions import db
from backend.tickets import sla
from backend.tickets.models import CATEGORY_LABELS

#: more rows than this are not exported at once (filter the queue first)
MAX_ROWS = 20000

HEADER = (
    "编号",
    "小区",
    "位置",
    "类型",
    "类别",
    "紧急程度",
    "状态",
    "描述",
    "提交时间",
    "响应用时（分钟）",
    "解决用时（小时）",
    "是否超时",
    "处理人",
    "上报街道时间",
    "评分",
    "评价",
    "来源",
)


def _minutes(delta) -> int | str:
    return int(delta.total_seconds() // 60) if delta is not None else ""


def _hours(delta) -> float | str:
    return round(delta.total_seconds() / 3600, 1) if delta is not None else ""


def _time(value: datetime | None) -> str:
    return to_local(value).strftime("%Y-%m-%d %H:%M") if value else ""


def export_tickets(stmt: sa.Select, now: datetime) -> bytes:
    """An .xlsx of the tickets ``stmt`` selects (at most ``MAX_ROWS``), with their timers."""
    return write_bytes(Sheet("工单", HEADER, _rows(stmt, now), widths=WIDTHS, freeze_header=True))


WIDTHS = (8, 14, 18, 10, 12, 8, 10, 40, 17, 10, 10, 8, 10, 17, 6, 30, 16)


def _rows(stmt: sa.Select, now: datetime) -> Iterator[tuple]:
    tickets = list(db.session.scalars(stmt.limit(MAX_ROWS)))
    timings = sla.timings(tickets, now)  # the policies of all rows at once
    for ticket in tickets:
        timing = timings[ticket.id]
        yield (
            ticket.id,
            ticket.estate.name,
            ticket.place,
            ticket.kind.label,
            CATEGORY_LABELS.get(ticket.category, ""),
            ticket.urgency.label,
            ticket.state.label,
            ticket.description,
            _time(ticket.created_at),
            _minutes(timing.response_time),
            _hours(timing.resolution_time),
            "是" if timing.overdue else "",
            ticket.assignee.name if ticket.assignee else "",
            _time(ticket.escalated_at),
            ticket.rating or "",
            ticket.rating_comment,
            ticket.reporter_label,
        )


def filename(now: datetime) -> str:
    return f"工单_{to_local(now).strftime('%Y%m%d_%H%M')}.xlsx"
