"""Time: stored in UTC, shown in Asia/Shanghai with its offset."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

SHANGHAI = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def local_today() -> date:
    """Today's date in China (rules about dates, such as a lease's end, use local days)."""
    return datetime.now(SHANGHAI).date()


def month_start(day: date, months: int = 0) -> date:
    """The first day of the month ``months`` after ``day``'s (before it when negative):
    ``month_start(date(2026, 3, 31), -1)`` is 1 February 2026. The one month arithmetic."""
    return day.replace(day=1) + relativedelta(months=months)


def month_end(day: date) -> date:
    """The last day of ``day``'s month (29 February in a leap year)."""
    return month_start(day, 1) - timedelta(days=1)


def local_day_start(day: date) -> datetime:
    """The first instant of ``day`` in China (a filter's bound: from it, before the next
    day's)."""
    return datetime.combine(day, datetime.min.time(), SHANGHAI)


def to_local(value: datetime | None) -> datetime | None:
    """``value`` in Asia/Shanghai (naive values are taken as UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(SHANGHAI)


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored as naive UTC on every database and read back timezone-aware."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)
