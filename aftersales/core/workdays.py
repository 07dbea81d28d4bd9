"""Working days on China's statutory calendar.

Three sources, in order of authority:

1. Administrator overrides (``WorkdayOverride``, passed in as data) win over everything, in
   every year.
2. For a year chinesecalendar knows (the State Council's published notices), its holidays and
   make-up working days.
3. For a year it does not know yet, the statutory holidays worked out by rule: the ``holidays``
   package's China calendar (New Year, Spring Festival with its eve, Qingming, Labour Day,
   Dragon Boat, Mid-Autumn and National Day, the lunar ones computed, and a holiday that falls
   on a weekend made up on the next working day, as the regulations require). Weekends are off.
   The make-up working days (调休) of such a year are not predictable by rule: they come only
   from the overrides. Such a year is reported as unconfirmed, and so is every deadline whose
   span touches it, so the workbench can say so instead of pretending.

No ORM and no clock here: the overrides come in as a mapping of date to "is a working day".
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from zoneinfo import ZoneInfo

import chinese_calendar
import holidays
from holidays.constants import PUBLIC

SHANGHAI = ZoneInfo("Asia/Shanghai")


def known_years() -> frozenset[int]:
    """The years chinesecalendar has the published notice for."""
    return frozenset(d.year for d in chinese_calendar.holidays) | frozenset(
        d.year for d in chinese_calendar.workdays if d.weekday() >= 5
    )


_KNOWN_YEARS = known_years()


def year_confirmed(year: int) -> bool:
    """Whether the year's holidays and make-up working days are the published ones
    (chinesecalendar knows the year) rather than worked out by rule."""
    return year in _KNOWN_YEARS


@functools.cache
def rule_holidays(year: int) -> frozenset[dt.date]:
    """The statutory days off of ``year`` by rule (the ``holidays`` package's China calendar,
    public holidays with their weekend make-up days off). No make-up working days: those are
    announced, not computed."""
    return frozenset(holidays.country_holidays("CN", years=year, categories=PUBLIC))


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
    return day.weekday() < 5 and day not in rule_holidays(day.year)


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


def shanghai_date(value: dt.date | dt.datetime) -> dt.date:
    """The Asia/Shanghai date of an aware datetime; a date as it is."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("a datetime must be timezone-aware")
        return value.astimezone(SHANGHAI).date()
    return value


def span_confirmed(start: dt.date | dt.datetime, end: dt.date | dt.datetime) -> bool:
    """Whether every year from ``start``'s to ``end``'s (Asia/Shanghai dates, either order)
    has a confirmed calendar; False as soon as one of them is worked out by rule."""
    first, last = sorted((shanghai_date(start).year, shanghai_date(end).year))
    return all(year_confirmed(year) for year in range(first, last + 1))
