"""The fund's per-city rules, as data: ``rules.toml`` or the city's own file.

Each setting defaults to the national rule (cited in the file); a ``[city."<市>"]`` table
overrides keys for that city's estates. Working days are counted from the file's holiday
calendar: weekends and listed holidays are not working days, listed 调休 workdays are.
"""

from __future__ import annotations

import functools
import os
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask import current_app

from backend.core.time import SHANGHAI

DEFAULT_FILE = os.path.join(os.path.dirname(__file__), "rules.toml")
REVIEWERS = ("bureau", "street", "committee")


@dataclass(frozen=True)
class FundRules:
    """The rules that apply to one city's estates."""

    reviewer: str
    publicity_days: int
    review_working_days: int
    silence_is_approval: bool
    emergency_review_working_days: int
    emergency_disclosure_days: int
    top_up_threshold: Decimal
    initial_rate_yuan_per_m2: Decimal
    emergency_categories: dict[str, str] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day (weekday not a holiday, or a 调休 workday)."""
        if day in self.workdays:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The end (24:00 Asia/Shanghai) of the ``days``-th working day after ``start``'s day.

        A review started on a Friday with 5 working days is due at the end of the next
        Friday; the day it starts on does not count.
        """
        day = start.astimezone(SHANGHAI).date()
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=SHANGHAI)


def parse(text: str, city: str = "") -> FundRules:
    """The rules for ``city`` from a rules file's text; ``ValueError`` if it is malformed."""
    data = tomllib.loads(text)
    values = dict(data["default"])
    values.update(data.get("city", {}).get(city, {}))
    if values["reviewer"] not in REVIEWERS:
        raise ValueError(f"reviewer must be one of {REVIEWERS}")
    return FundRules(
        reviewer=values["reviewer"],
        publicity_days=int(values["publicity_days"]),
        review_working_days=int(values["review_working_days"]),
        silence_is_approval=bool(values["silence_is_approval"]),
        emergency_review_working_days=int(values["emergency_review_working_days"]),
        emergency_disclosure_days=int(values["emergency_disclosure_days"]),
        top_up_threshold=Decimal(str(values["top_up_threshold"])),
        initial_rate_yuan_per_m2=Decimal(str(values["initial_rate_yuan_per_m2"])),
        emergency_categories=dict(values.get("emergency_categories", {})),
        holidays=frozenset(date.fromisoformat(d) for d in values.get("holidays", ())),
        workdays=frozenset(date.fromisoformat(d) for d in values.get("workdays", ())),
    )


@functools.cache
def _load(path: str, city: str) -> FundRules:
    with open(path, encoding="utf-8") as file:
        return parse(file.read(), city)


def rules_for(estate) -> FundRules:
    """The rules that apply to ``estate`` (by its street's city)."""
    from backend.extensions import db
    from backend.org.models import Street

    path = current_app.config.get("FUND_RULES_FILE") or DEFAULT_FILE
    street = db.session.get(Street, estate.street_id)
    return _load(path, (street.city if street else "") or "")
