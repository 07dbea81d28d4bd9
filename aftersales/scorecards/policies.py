"""Pure rules of the scorecard: months in Asia/Shanghai, rates, whether a rule is breached.
No ORM, no clock: ``now`` and the figures come in."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

from aftersales.core.money import to_money

SHANGHAI = ZoneInfo("Asia/Shanghai")
PCT = Decimal("0.01")
MSG_MONTH_INVALID = _("月份须为 YYYY-MM 格式，如 2026-11。")
_MONTH = re.compile(r"^([0-9]{4})-([0-9]{2})$")


def parse_month(text: str) -> dt.date | None:
    """``YYYY-MM`` as the first day of that month, or None when it is not one."""
    match = _MONTH.match(text or "")
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        return None
    return dt.date(year, month, 1)


def month_of(moment: dt.datetime) -> dt.date:
    """The month (its first day) ``moment`` falls in, in Shanghai."""
    local = moment.astimezone(SHANGHAI)
    return dt.date(local.year, local.month, 1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the month in Shanghai, as aware datetimes (compared in UTC by the DB)."""
    start = dt.datetime(month.year, month.month, 1, tzinfo=SHANGHAI)
    nxt = add_months(month, 1)
    return start, dt.datetime(nxt.year, nxt.month, 1, tzinfo=SHANGHAI)


def previous_month(now: dt.datetime) -> dt.date:
    return add_months(month_of(now), -1)


def first_of_month_at_2_shanghai(timestamp: dt.datetime) -> bool:
    """The penalty job's schedule: 02:00 on the 1st of the month in Shanghai. ``timestamp`` is
    what huey's scheduler passes: naive UTC (or aware, converted)."""
    if timestamp.tzinfo is None:
        timestamp = timestamp.replace(tzinfo=dt.UTC)
    local = timestamp.astimezone(SHANGHAI)
    return (local.day, local.hour, local.minute) == (1, 2, 0)


def rate_pct(count: int, parcels: int) -> Decimal | None:
    """``count`` as a percentage of ``parcels``, two decimals, half up; None without parcels
    (no rate, rather than a 0 % that would read as a perfect month)."""
    if parcels <= 0:
        return None
    return (Decimal(count) * 100 / Decimal(parcels)).quantize(PCT, rounding=ROUND_HALF_UP)


def average_hours(total_seconds: float | int | None, count: int) -> Decimal | None:
    """The average of ``count`` durations totalling ``total_seconds``, in hours (one decimal)."""
    if not count or total_seconds is None:
        return None
    hours = Decimal(str(total_seconds)) / Decimal(count) / Decimal(3600)
    return hours.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Breach:
    counted: int
    rate_pct: Decimal
    deduction: Decimal


def breach(
    *, parcels: int, counted: int, threshold_pct: Decimal, min_parcels: int, per_parcel: Decimal
) -> Breach | None:
    """Whether a month's figures are past a rule: at least ``min_parcels`` parcels and a rate
    strictly above the threshold. The rate is compared exactly (count × 100 > threshold ×
    parcels), not after rounding, so 5.004 % is past a 5.00 % threshold."""
    if parcels <= 0 or parcels < min_parcels:
        return None
    if Decimal(counted) * 100 <= threshold_pct * parcels:
        return None
    rate = (Decimal(counted) * 100 / Decimal(parcels)).quantize(PCT, rounding=ROUND_HALF_UP)
    return Breach(counted=counted, rate_pct=rate, deduction=to_money(per_parcel * counted))


def revocation_period(
    *, applied_at: dt.datetime, days: int
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """A revocation starts when the penalty is applied and lasts ``days`` days."""
    if days <= 0:
        return None, None
    return applied_at, applied_at + dt.timedelta(days=days)
