"""Schedules as data, and the exact engine that turns them into due dates (no database).

What is done to each kind of equipment and how often is read from ``schedules.toml`` (a
city sets ``SAFETY_SCHEDULES_FILE`` to its own). Due dates are counted from the
equipment's schedule start, never from the previous task, so generating in windows of any
length gives the same dates: a 15-day cycle neither skips nor doubles at a month's end or
over the Spring Festival holidays (TSG T5002-2017 sets "at least every 15 days", holidays
included).
"""

from __future__ import annotations

import calendar
import functools
import os
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta

from backend.safety.models import EquipmentKind

DEFAULT_FILE = os.path.join(os.path.dirname(__file__), "schedules.toml")


class SchedulesError(ValueError):
    """The schedules file is malformed (named with the reason)."""


@dataclass(frozen=True)
class Item:
    """One schedule item: ``code`` (stable), what (``label``), how often (``every_days`` or
    ``every_months``), the rule it follows (``basis``) and its ``checklist``."""

    code: str
    label: str
    basis: str
    checklist: tuple[str, ...]
    every_days: int | None = None
    every_months: int | None = None

    def due_dates(self, start: date, first: date, last: date) -> list[date]:
        """The due dates of this item for equipment whose cycle starts on ``start``, from
        ``first`` to ``last`` inclusive."""
        first = max(first, start)
        if first > last:
            return []
        if self.every_days:
            step = self.every_days
            k = -(-(first - start).days // step)  # ceil
            dates = []
            day = start + timedelta(days=k * step)
            while day <= last:
                dates.append(day)
                k += 1
                day = start + timedelta(days=k * step)
            return dates
        months = self.every_months
        k = max(0, ((first.year - start.year) * 12 + first.month - start.month) // months - 1)
        dates = []
        while True:
            day = add_months(start, k * months)
            if day > last:
                return dates
            if day >= first:
                dates.append(day)
            k += 1


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months; the 31st falls on a shorter month's
    last day (counted from the original date each time, so it never drifts)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def parse(text: str, source: str = "schedules") -> dict[EquipmentKind, tuple[Item, ...]]:
    """The schedules of TOML ``text``; :class:`SchedulesError` if malformed."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SchedulesError(f"{source}: {exc}") from exc
    schedules: dict[EquipmentKind, tuple[Item, ...]] = {}
    for key, entries in data.items():
        try:
            kind = EquipmentKind(key)
        except ValueError:
            raise SchedulesError(f"{source}: unknown equipment kind {key!r}") from None
        items = []
        for entry in entries:
            days, months = entry.get("every_days"), entry.get("every_months")
            if (days is None) == (months is None):
                raise SchedulesError(f"{source}: {key} item needs every_days or every_months")
            for value in (days, months):
                if value is not None and (not isinstance(value, int) or value < 1):
                    raise SchedulesError(f"{source}: {key} interval must be a positive integer")
            try:
                items.append(
                    Item(
                        code=str(entry["code"]),
                        label=str(entry["label"]),
                        basis=str(entry.get("basis", "")),
                        checklist=tuple(str(line) for line in entry.get("checklist", ())),
                        every_days=days,
                        every_months=months,
                    )
                )
            except KeyError as exc:
                raise SchedulesError(f"{source}: {key} item lacks {exc}") from None
        codes = [i.code for i in items]
        if len(set(codes)) != len(codes):
            raise SchedulesError(f"{source}: {key} has an item code twice")
        schedules[kind] = tuple(items)
    return schedules


@functools.cache
def _load(path: str) -> dict[EquipmentKind, tuple[Item, ...]]:
    with open(path, encoding="utf-8") as handle:
        return parse(handle.read(), path)


def schedules() -> dict[EquipmentKind, tuple[Item, ...]]:
    """The schedules in force: the city's file (``SAFETY_SCHEDULES_FILE``) or the default."""
    from flask import current_app

    return _load(current_app.config.get("SAFETY_SCHEDULES_FILE") or DEFAULT_FILE)


def item(kind: EquipmentKind, code: str) -> Item | None:
    """The schedule item ``code`` of ``kind`` (``None`` if the schedules no longer have it)."""
    return next((i for i in schedules().get(kind, ()) if i.code == code), None)
