"""The scorecard's figures on a known set of parcels: month bounds in Shanghai time, problems
counted once per parcel and kind, rates with and without parcels, the time to sign."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aftersales.core.errors import NotFound, PermissionDeniedError
from aftersales.scorecards import selectors
from aftersales.scorecards.policies import month_bounds
from tests.factories import UserFactory
from tests.scorecards.conftest import at, event, report, ship

NOV = dt.date(2026, 11, 1)


@pytest.fixture
def parcels(shop, other_shop, agent, yto, zto):
    """November 2026 of the shop: five yto parcels, two zto; around them, parcels just
    outside the month, a return, and another shop's parcel."""
    p = {
        # 00:30 on 1 Nov in Shanghai is still 31 Oct in UTC: November's.
        "first": ship(shop, yto, at(2026, 11, 1, 0, 30)),
        "last": ship(shop, yto, at(2026, 11, 30, 23, 59, 59)),
        "two_days": ship(shop, yto, at(2026, 11, 10, 9), signed_at=at(2026, 11, 12, 9)),
        "one_day": ship(shop, yto, at(2026, 11, 10, 9), signed_at=at(2026, 11, 11, 9)),
        "date_only": ship(shop, yto, at(2026, 11, 12, 9), signed_on=dt.date(2026, 11, 14)),
        "zto_1": ship(shop, zto, at(2026, 11, 3, 9)),
        "zto_2": ship(shop, zto, at(2026, 11, 4, 9)),
        # 23:59 on 31 Oct in Shanghai (15:59 UTC): October's.
        "october": ship(shop, yto, at(2026, 10, 31, 23, 59)),
        # 00:00 on 1 Dec in Shanghai (16:00 UTC on 30 Nov): December's.
        "december": ship(shop, yto, at(2026, 12, 1, 0, 0)),
        "other_shop": ship(other_shop, yto, at(2026, 11, 10, 9)),
    }
    ret = ship(shop, yto, at(2026, 11, 10, 9))
    ret.direction = "return"
    ret.save(update_fields=["direction"])
    # Out of area twice by the tracking: one parcel, once.
    event(p["first"], "out_of_area")
    event(p["first"], "out_of_area")
    # Reported by hand and by the tracking: once.
    report(p["two_days"], "out_of_area", actor=agent)
    event(p["two_days"], "out_of_area")
    # Stranded, then coming back: one problem parcel of two kinds.
    event(p["one_day"], "stranded")
    event(p["one_day"], "returning")
    # Not a problem.
    event(p["zto_1"], "in_transit")
    # Outside the month, the return, the other shop: not November's problems of the shop.
    event(p["october"], "blind_area")
    event(p["december"], "out_of_area")
    event(ret, "out_of_area")
    event(p["other_shop"], "out_of_area")
    return p


def test_the_month_runs_from_midnight_to_midnight_in_shanghai():
    start, end = month_bounds(NOV)

    assert start == dt.datetime(2026, 10, 31, 16, 0, tzinfo=dt.UTC)
    assert end == dt.datetime(2026, 11, 30, 16, 0, tzinfo=dt.UTC)


def test_the_figures_of_a_known_month(parcels, agent, yto, zto):
    card = selectors.scorecard(user=agent, month=NOV)

    by_carrier = {row.carrier.code: row for row in card.rows}
    y, z = by_carrier["yto"], by_carrier["zto"]
    assert [row.carrier.code for row in card.rows] == ["yto", "zto"]
    assert y.parcels == 5
    assert y.problems == {
        "out_of_area": 2,
        "blind_area": 0,
        "stranded": 1,
        "refused": 0,
        "returning": 1,
    }
    assert y.problem_parcels == 3
    assert y.out_of_area_pct == Decimal("40.00")
    assert y.problem_pct == Decimal("60.00")
    # (48 h + 24 h) / 2; the date-only sign-in is counted apart, not averaged.
    assert (y.signed_exact, y.signed_date_only, y.avg_sign_hours) == (2, 1, Decimal("36.0"))
    assert z.parcels == 2
    assert z.problem_parcels == 0
    assert z.out_of_area_pct == Decimal("0.00")
    assert z.avg_sign_hours is None


def test_the_trend_cuts_months_in_shanghai_time(parcels, agent):
    card = selectors.scorecard(user=agent, month=NOV)

    y = next(row for row in card.rows if row.carrier.code == "yto")
    assert card.trend_months == [dt.date(2026, m, 1) for m in range(6, 12)]
    # October's one parcel had a blind-area problem, not out of area: 0 %; no parcels before.
    assert y.trend == [None, None, None, None, Decimal("0.00"), Decimal("40.00")]


def test_a_month_without_parcels_has_no_rate(parcels, agent):
    # December: the parcel shipped at 00:00 on the 1st, out of area; January: nothing.
    dec = selectors.scorecard(user=agent, month=dt.date(2026, 12, 1))
    jan = selectors.scorecard(user=agent, month=dt.date(2027, 1, 1))

    y_dec = next(row for row in dec.rows if row.carrier.code == "yto")
    assert (y_dec.parcels, y_dec.out_of_area_pct) == (1, Decimal("100.00"))
    y_jan = next(row for row in jan.rows if row.carrier.code == "yto")
    # Still listed for its trend, with no rate rather than 0 %.
    assert (y_jan.parcels, y_jan.out_of_area_pct, y_jan.problem_pct) == (0, None, None)
    assert y_jan.trend[-2:] == [Decimal("100.00"), None]


def test_one_shop_or_all_the_users_shops(parcels, shop, other_shop, yto):
    both = UserFactory(username="both", roles=["supervisor"], shops=[shop, other_shop])

    everything = selectors.scorecard(user=both, month=NOV)
    one = selectors.scorecard(user=both, month=NOV, shop_id=other_shop.pk)

    y_all = next(row for row in everything.rows if row.carrier.code == "yto")
    assert (y_all.parcels, y_all.problems["out_of_area"]) == (6, 3)
    assert [(r.carrier.code, r.parcels, r.out_of_area) for r in one.rows] == [("yto", 1, 1)]


def test_another_shop_is_not_found_and_a_role_without_reports_is_refused(
    parcels, agent, warehouse, other_shop
):
    with pytest.raises(NotFound):
        selectors.scorecard(user=agent, month=NOV, shop_id=other_shop.pk)
    with pytest.raises(PermissionDeniedError):
        selectors.scorecard(user=warehouse, month=NOV)


def test_the_figures_take_one_query_per_family_whatever_the_parcels(parcels, agent):
    with CaptureQueriesContext(connection) as few:
        selectors.scorecard(user=agent, month=NOV)
    for _ in range(20):
        ship(agent.shops.get(), parcels["first"].carrier, at(2026, 11, 5, 9))

    with CaptureQueriesContext(connection) as many:
        selectors.scorecard(user=agent, month=NOV)

    assert len(many) == len(few)
    # The figures, the trend, and the carriers' names (the user's shops and roles cached).
    shipments = [q for q in many.captured_queries if "orders_shipment" in q["sql"]]
    assert len(shipments) == 2
