"""The clocks of a problem parcel, as pure rules: no ORM, no clock of their own (``now`` and
the working-day overrides come in).

The source asks the agent to settle an out-of-area parcel with the buyer promptly
(一旦发生超区情况应及时进行协商); we make that one working day: a parcel reported on a working
day is due at the same time on the next one, and one reported on a rest day by the end of the
first working day after it. Once something is agreed, the parcel has three working days to be
signed for (a new address, a pick-up, a reship) before the case is overdue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from aftersales.core.workdays import add_workdays, is_workday

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC

CONTACT_WORKDAYS = 1
DELIVERY_WORKDAYS = 3


def _aware(value: dt.datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=SHANGHAI)


def contact_deadline(reported_at: dt.datetime, overrides: Mapping[dt.date, bool]) -> dt.datetime:
    """When the buyer must have been contacted about a parcel reported at ``reported_at``."""
    _aware(reported_at, "reported_at")
    local = reported_at.astimezone(SHANGHAI)
    day = local.date()
    next_workday = add_workdays(day, CONTACT_WORKDAYS, overrides)
    if is_workday(day, overrides):
        due = dt.datetime.combine(next_workday, local.time(), tzinfo=SHANGHAI)
    else:
        due = _end_of(next_workday)
    return due.astimezone(UTC)


def delivery_deadline(agreed_at: dt.datetime, overrides: Mapping[dt.date, bool]) -> dt.datetime:
    """By when a parcel re-delivered, picked up or reshipped should be signed for: the end of
    the third working day after the agreement (Asia/Shanghai)."""
    _aware(agreed_at, "agreed_at")
    day = agreed_at.astimezone(SHANGHAI).date()
    return _end_of(add_workdays(day, DELIVERY_WORKDAYS, overrides)).astimezone(UTC)
