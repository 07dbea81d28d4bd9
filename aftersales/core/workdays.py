"""Working days on China's statutory calendar.

chinesecalendar knows the State Council's holiday and make-up working-day notices for the
years it was released with. Administrator overrides win over it. For a year it does not know
yet, Monday to Friday is assumed (plus overrides) and the year is reported as unconfirmed,
so the workbench can say so instead of pretending.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import chinese_calendar


def known_years() -> frozenset[int]:
    return frozenset(d.year for d in chinese_calendar.holidays) | frozenset(
        d.year for d in chinese_calendar.workdays if d.weekday() >= 5
    )


_KNOWN_YEARS = known_years()


def year_confirmed(year: int) -> bool:
    return year in _KNOWN_YEARS


def _require_date(day: dt.date) -> None:
    # A datetime is a date to Python, but it never equals the date keys of the overrides, so
    # they would be skipped in silence; and which date it is depends on its time zone. The
    # caller converts to Asia/Shanghai and passes ``.date()``.
    if isinstance(day, dt.datetime):
        raise TypeError("pass a date in Asia/Shanghai, not a datetime")


def is_workday(day: dt.date, overrides: Mapping[dt.date, bool]) -> bool:
    _require_date(day)
    if day in overrides:
        return overrides[day]
    if year_confirmed(day.year):
        return bool(chinese_calendar.is_workday(day))
    return day.weekday() < 5


def add_workdays(start: dt.date, days: int, overrides: Mapping[dt.date, bool]) -> dt.date:
    """The date ``days`` working days after ``start`` (``start`` itself not counted)."""
    _require_date(start)
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    remaining = days
    while remaining:
        current += dt.timedelta(days=1)
        if is_workday(current, overrides):
            remaining -= 1
    return current
