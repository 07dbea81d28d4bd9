"""The scorecard's pure rules, without a database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from aftersales.scorecards import policies


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2026-11", dt.date(2026, 11, 1)),
        ("2027-01", dt.date(2027, 1, 1)),
        ("2026-13", None),
        ("2026-00", None),
        ("2026-1", None),
        ("２０２６-１１", None),  # other scripts' digits are not a month
        ("2026-11\x00", None),
        ("", None),
    ],
)
def test_a_month_is_yyyy_mm(text, month):
    assert policies.parse_month(text) == month


def test_rates_are_percentages_with_two_decimals_and_none_without_parcels():
    assert policies.rate_pct(1, 3) == Decimal("33.33")
    assert policies.rate_pct(2, 3) == Decimal("66.67")
    assert policies.rate_pct(0, 7) == Decimal("0.00")
    assert policies.rate_pct(0, 0) is None


def test_a_rule_is_breached_strictly_above_its_threshold_with_enough_parcels():
    rule = {"threshold_pct": Decimal("5.00"), "min_parcels": 20, "per_parcel": Decimal("1.25")}

    at_threshold = policies.breach(parcels=100, counted=5, **rule)
    above = policies.breach(parcels=100, counted=6, **rule)
    # 5.004 % rounds to 5.00 %, but is above 5 %.
    just_above = policies.breach(parcels=19_992, counted=1_000, **rule)
    too_few = policies.breach(parcels=19, counted=19, **rule)

    assert at_threshold is None
    assert above == policies.Breach(counted=6, rate_pct=Decimal("6.00"), deduction=Decimal("7.50"))
    assert just_above is not None
    assert just_above.rate_pct == Decimal("5.00")
    assert too_few is None
    assert policies.breach(parcels=0, counted=0, **{**rule, "min_parcels": 0}) is None


def test_the_average_time_to_sign_is_in_hours():
    assert policies.average_hours(3 * 3600 + 1800, 1) == Decimal("3.5")
    assert policies.average_hours(None, 0) is None


def test_months_step_over_years():
    assert policies.add_months(dt.date(2026, 11, 1), 2) == dt.date(2027, 1, 1)
    assert policies.add_months(dt.date(2026, 1, 1), -1) == dt.date(2025, 12, 1)
    assert policies.month_of(dt.datetime(2026, 11, 30, 16, 0, tzinfo=dt.UTC)) == dt.date(
        2026, 12, 1
    )
