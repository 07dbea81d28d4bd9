"""The rules of returns, exchanges and compensation, without a database or a clock.

Times are checked in UTC. 2026 working days come from chinesecalendar's own data: National
Day 10-01..10-07 with make-up working days Sun 09-20 and Sat 10-10; Spring Festival
02-15..02-23 with Sat 02-14 worked. The library knows no year after 2026.
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aftersales.core.workdays import year_confirmed
from aftersales.returns.policies import (
    LINE_EXCLUDED,
    WINDOW_CLOSED,
    Decision,
    FreightShare,
    SignIn,
    fault_party_for,
    freight_shares,
    no_reason_return_decision,
    no_reason_window,
    refundable,
    refusal_report_deadline,
    refusal_reported_late,
    reship_deadline,
    response_deadline,
    ship_back_deadline,
)

UTC = dt.UTC
SHANGHAI = ZoneInfo("Asia/Shanghai")
NO_OVERRIDES: dict[dt.date, bool] = {}


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def shanghai(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


# --- the seven-day no-reason window --------------------------------------------------------

SIGNED_AT = utc(2026, 11, 10, 6, 30)  # 14:30 in Shanghai
EXACT_END = utc(2026, 11, 17, 6, 30)


def test_exact_sign_in_window_runs_168_hours_from_it():
    assert no_reason_window(SignIn(at=SIGNED_AT)) == (SIGNED_AT, EXACT_END)


def test_exact_sign_in_request_at_exactly_168_hours_is_outside():
    # 满168小时: once 168 hours have passed the seven days are over.
    decision = no_reason_return_decision(
        eligible=True, sign_in=SignIn(at=SIGNED_AT), requested_at=EXACT_END
    )

    assert decision == Decision(False, WINDOW_CLOSED, EXACT_END)


def test_exact_sign_in_request_one_second_before_the_end_is_inside():
    decision = no_reason_return_decision(
        eligible=True,
        sign_in=SignIn(at=SIGNED_AT),
        requested_at=EXACT_END - dt.timedelta(seconds=1),
    )

    assert decision == Decision(True, "", EXACT_END)


@pytest.mark.parametrize(
    "late",
    [dt.timedelta(0), dt.timedelta(microseconds=1), dt.timedelta(seconds=1)],
    ids=["0", "1us", "1s"],
)
def test_exact_sign_in_request_after_the_end_is_refused(late):
    decision = no_reason_return_decision(
        eligible=True, sign_in=SignIn(at=SIGNED_AT), requested_at=EXACT_END + late
    )

    assert decision == Decision(False, WINDOW_CLOSED, EXACT_END)


def test_exact_sign_in_request_one_microsecond_before_the_end_is_allowed():
    decision = no_reason_return_decision(
        eligible=True,
        sign_in=SignIn(at=SIGNED_AT),
        requested_at=EXACT_END - dt.timedelta(microseconds=1),
    )

    assert decision.allowed is True


def test_date_only_sign_in_window_starts_at_shanghai_midnight_of_the_next_day():
    start, end = no_reason_window(SignIn(on=dt.date(2026, 11, 10)))

    assert start == utc(2026, 11, 10, 16, 0)
    assert end == utc(2026, 11, 17, 16, 0)
    assert start.tzinfo is UTC
    assert end.tzinfo is UTC


def test_date_only_sign_in_request_one_second_before_the_eighth_day_is_inside():
    decision = no_reason_return_decision(
        eligible=True,
        sign_in=SignIn(on=dt.date(2026, 11, 10)),
        requested_at=shanghai(2026, 11, 17, 23, 59, 59),
    )

    assert decision == Decision(True, "", utc(2026, 11, 17, 16, 0))


@pytest.mark.parametrize(
    "requested_at",
    [
        shanghai(2026, 11, 18, 0, 0),
        shanghai(2026, 11, 18, 0, 0, 1),
        shanghai(2026, 11, 18, 0, 0, 0, 1),
    ],
    ids=["00:00-of-the-eighth-day", "1s-later", "1us-later"],
)
def test_date_only_sign_in_request_after_the_window_is_refused(requested_at):
    decision = no_reason_return_decision(
        eligible=True, sign_in=SignIn(on=dt.date(2026, 11, 10)), requested_at=requested_at
    )

    assert decision == Decision(False, WINDOW_CLOSED, utc(2026, 11, 17, 16, 0))


def test_date_only_sign_in_on_the_last_day_of_a_year():
    assert no_reason_window(SignIn(on=dt.date(2026, 12, 31))) == (
        utc(2026, 12, 31, 16, 0),
        utc(2027, 1, 7, 16, 0),
    )


def test_sign_in_given_in_shanghai_time_gives_the_same_answer_as_in_utc():
    in_shanghai = SignIn(at=shanghai(2026, 11, 10, 14, 30))
    in_utc = SignIn(at=SIGNED_AT)

    assert no_reason_window(in_shanghai) == no_reason_window(in_utc)
    for requested_at in (EXACT_END, EXACT_END + dt.timedelta(seconds=1)):
        assert no_reason_return_decision(
            eligible=True, sign_in=in_shanghai, requested_at=requested_at
        ) == no_reason_return_decision(eligible=True, sign_in=in_utc, requested_at=requested_at)


def test_the_window_is_handed_back_in_utc_whatever_the_sign_in_zone():
    start, end = no_reason_window(SignIn(at=shanghai(2026, 11, 10, 14, 30)))

    assert start.utcoffset() == dt.timedelta(0)
    assert end.utcoffset() == dt.timedelta(0)


def test_request_given_in_shanghai_time_is_compared_as_an_instant():
    # 14:30:01 in Shanghai is 06:30:01 UTC: one second after the end.
    decision = no_reason_return_decision(
        eligible=True, sign_in=SignIn(at=SIGNED_AT), requested_at=shanghai(2026, 11, 17, 14, 30, 1)
    )

    assert decision.reason == WINDOW_CLOSED


def test_naive_sign_in_time_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        SignIn(at=dt.datetime(2026, 11, 10, 14, 30))  # noqa: DTZ001


def test_naive_request_time_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        no_reason_return_decision(
            eligible=True,
            sign_in=SignIn(at=SIGNED_AT),
            requested_at=dt.datetime(2026, 11, 12, 10, 0),  # noqa: DTZ001
        )


def test_naive_request_time_is_refused_even_for_an_excluded_line():
    with pytest.raises(ValueError, match="timezone-aware"):
        no_reason_return_decision(
            eligible=False,
            sign_in=SignIn(),
            requested_at=dt.datetime(2026, 11, 12, 10, 0),  # noqa: DTZ001
        )


def test_sign_in_both_exact_and_date_only_is_refused():
    with pytest.raises(ValueError, match="not both"):
        SignIn(at=SIGNED_AT, on=dt.date(2026, 11, 10))


def test_date_only_sign_in_given_a_datetime_is_refused():
    with pytest.raises(TypeError):
        SignIn(on=SIGNED_AT)


def test_not_yet_signed_has_no_window():
    assert no_reason_window(SignIn()) is None


def test_not_yet_signed_is_allowed_with_no_window():
    decision = no_reason_return_decision(
        eligible=True, sign_in=SignIn(), requested_at=utc(2027, 6, 1)
    )

    assert decision == Decision(True, "", None)


EXCLUSIONS = ["custom_made", "perishable", "digital_unsealed", "periodical", "shop_marked"]


@pytest.mark.parametrize("exclusion", EXCLUSIONS)
@pytest.mark.parametrize(
    "sign_in",
    [SignIn(), SignIn(at=SIGNED_AT), SignIn(on=dt.date(2026, 11, 10))],
    ids=["not-signed", "exact", "date-only"],
)
@pytest.mark.parametrize(
    "requested_at",
    [SIGNED_AT, EXACT_END, EXACT_END + dt.timedelta(days=30)],
    ids=["at-sign-in", "at-end", "long-after"],
)
def test_an_excluded_line_is_refused_whatever_the_time(exclusion, sign_in, requested_at):
    # The order line carries its exclusion reason; the rule sees only that it is ineligible.
    assert exclusion
    decision = no_reason_return_decision(eligible=False, sign_in=sign_in, requested_at=requested_at)

    assert decision == Decision(False, LINE_EXCLUDED, None)


aware_times = st.datetimes(
    min_value=dt.datetime(2000, 1, 1),  # noqa: DTZ001
    max_value=dt.datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=st.sampled_from([UTC, SHANGHAI, ZoneInfo("America/New_York")]),
)


@given(signed_at=aware_times, requested_at=aware_times)
def test_exact_sign_in_allowed_iff_request_before_the_end(signed_at, requested_at):
    # 168 hours of elapsed time: added in UTC, since adding to a New York time would be wall
    # clock arithmetic and lose or gain an hour across a daylight-saving change.
    end = signed_at.astimezone(UTC) + dt.timedelta(hours=168)

    decision = no_reason_return_decision(
        eligible=True, sign_in=SignIn(at=signed_at), requested_at=requested_at
    )

    assert decision.allowed is (requested_at < end)
    assert decision.window_end == end
    assert decision.reason == ("" if decision.allowed else WINDOW_CLOSED)


@given(
    signed_on=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 30)),
    requested_at=aware_times,
)
def test_date_only_sign_in_allowed_iff_request_before_the_end(signed_on, requested_at):
    next_midnight = dt.datetime.combine(signed_on + dt.timedelta(days=1), dt.time(), SHANGHAI)
    end = next_midnight.astimezone(UTC) + dt.timedelta(hours=168)

    decision = no_reason_return_decision(
        eligible=True, sign_in=SignIn(on=signed_on), requested_at=requested_at
    )

    assert no_reason_window(SignIn(on=signed_on)) == (next_midnight, end)
    assert decision.allowed is (requested_at < end)
    assert decision.window_end == end


@given(signed_at=aware_times, requested_at=aware_times)
def test_the_sign_in_zone_never_changes_the_decision(signed_at, requested_at):
    decisions = {
        no_reason_return_decision(
            eligible=True, sign_in=SignIn(at=signed_at.astimezone(zone)), requested_at=requested_at
        )
        for zone in (UTC, SHANGHAI, ZoneInfo("Europe/London"))
    }

    assert len(decisions) == 1


# --- who pays freight ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "reason", ["quality", "damaged", "shortage", "wrong_item", "not_as_described"]
)
def test_seller_fault_reasons(reason):
    assert fault_party_for(reason) == "seller"


@pytest.mark.parametrize("reason", ["no_reason", "changed_mind", "other"])
def test_buyer_reasons(reason):
    assert fault_party_for(reason) == "buyer"


@pytest.mark.parametrize("reason", ["", "Quality", "wrong-item", "lost"])
def test_an_unknown_reason_code_is_refused_rather_than_charged_to_the_buyer(reason):
    with pytest.raises(ValueError, match="reason"):
        fault_party_for(reason)


@pytest.mark.parametrize("free_shipping", [True, False])
@pytest.mark.parametrize("freight_insurance", [True, False])
@pytest.mark.parametrize("fault_party", ["seller", "carrier"])
def test_seller_or_carrier_at_fault_seller_bears_every_leg_including_reship(
    fault_party, free_shipping, freight_insurance
):
    shares = freight_shares(
        fault_party=fault_party,
        free_shipping=free_shipping,
        outbound_freight=Decimal("8.00"),
        return_freight=Decimal("12.00"),
        reship_freight=Decimal("10.00"),
        freight_insurance=freight_insurance,
    )

    assert shares == [
        FreightShare("outbound", "seller", Decimal("8.00")),
        FreightShare("return", "seller", Decimal("12.00")),
        FreightShare("reship", "seller", Decimal("10.00")),
    ]


def test_seller_at_fault_without_a_reship_has_no_reship_leg():
    shares = freight_shares(
        fault_party="seller",
        free_shipping=True,
        outbound_freight=Decimal("0.00"),
        return_freight=Decimal("12.00"),
    )

    assert shares == [
        FreightShare("outbound", "seller", Decimal("0.00")),
        FreightShare("return", "seller", Decimal("12.00")),
    ]


def test_buyer_reason_on_free_shipping_goods_each_side_bears_its_own_leg():
    shares = freight_shares(
        fault_party="buyer",
        free_shipping=True,
        outbound_freight=Decimal("8.00"),
        return_freight=Decimal("12.00"),
    )

    assert shares == [
        FreightShare("outbound", "seller", Decimal("8.00")),
        FreightShare("return", "buyer", Decimal("12.00")),
    ]


def test_buyer_reason_on_goods_not_shipped_free_buyer_bears_both_legs():
    shares = freight_shares(
        fault_party="buyer",
        free_shipping=False,
        outbound_freight=Decimal("8.00"),
        return_freight=Decimal("12.00"),
    )

    assert shares == [
        FreightShare("outbound", "buyer", Decimal("8.00")),
        FreightShare("return", "buyer", Decimal("12.00")),
    ]


@pytest.mark.parametrize(("free_shipping", "outbound_bearer"), [(True, "seller"), (False, "buyer")])
def test_buyer_reason_with_freight_insurance_the_insurance_bears_the_return_leg(
    free_shipping, outbound_bearer
):
    shares = freight_shares(
        fault_party="buyer",
        free_shipping=free_shipping,
        outbound_freight=Decimal("8.00"),
        return_freight=Decimal("12.00"),
        freight_insurance=True,
    )

    assert shares == [
        FreightShare("outbound", outbound_bearer, Decimal("8.00")),
        FreightShare("return", "insurance", Decimal("12.00")),
    ]


def test_buyer_reason_exchange_buyer_bears_the_reship_leg():
    shares = freight_shares(
        fault_party="buyer",
        free_shipping=True,
        outbound_freight=Decimal("8.00"),
        return_freight=Decimal("12.00"),
        reship_freight=Decimal("10.00"),
        freight_insurance=True,
    )

    assert shares == [
        FreightShare("outbound", "seller", Decimal("8.00")),
        FreightShare("return", "insurance", Decimal("12.00")),
        FreightShare("reship", "buyer", Decimal("10.00")),
    ]


def test_freight_amounts_are_rounded_to_the_cent_half_up():
    shares = freight_shares(
        fault_party="seller",
        free_shipping=True,
        outbound_freight=Decimal("8.005"),
        return_freight="12.344",
        reship_freight=Decimal("9.995"),
    )

    assert [share.amount for share in shares] == [
        Decimal("8.01"),
        Decimal("12.34"),
        Decimal("10.00"),
    ]
    assert all(share.amount.as_tuple().exponent == -2 for share in shares)


@pytest.mark.parametrize("leg", ["outbound_freight", "return_freight", "reship_freight"])
def test_freight_given_as_a_float_is_refused(leg):
    amounts = {
        "outbound_freight": Decimal("8.00"),
        "return_freight": Decimal("12.00"),
        "reship_freight": Decimal("0.00"),
    }
    amounts[leg] = 8.0

    with pytest.raises(TypeError):
        freight_shares(fault_party="seller", free_shipping=True, **amounts)


@pytest.mark.parametrize("fault_party", ["", "Seller", "platform"])
def test_an_unknown_fault_party_is_refused(fault_party):
    with pytest.raises(ValueError, match="fault party"):
        freight_shares(
            fault_party=fault_party,
            free_shipping=True,
            outbound_freight=Decimal("8.00"),
            return_freight=Decimal("12.00"),
        )


money = st.integers(min_value=0, max_value=10**6).map(lambda cents: Decimal(cents) / 100)


@given(
    fault_party=st.sampled_from(["seller", "buyer", "carrier"]),
    free_shipping=st.booleans(),
    freight_insurance=st.booleans(),
    outbound=money,
    back=money,
    reship=money,
)
def test_every_leg_has_one_bearer_and_the_seller_at_fault_bears_all(
    fault_party, free_shipping, freight_insurance, outbound, back, reship
):
    shares = freight_shares(
        fault_party=fault_party,
        free_shipping=free_shipping,
        outbound_freight=outbound,
        return_freight=back,
        reship_freight=reship,
        freight_insurance=freight_insurance,
    )

    legs = [share.leg for share in shares]
    assert legs == (["outbound", "return", "reship"] if reship else ["outbound", "return"])
    assert sum(share.amount for share in shares) == outbound + back + reship
    if fault_party != "buyer":
        assert {share.bearer for share in shares} == {"seller"}
    else:
        assert shares[1].bearer == ("insurance" if freight_insurance else "buyer")


# --- deadlines -----------------------------------------------------------------------------

REFUSED_AT = utc(2026, 11, 10, 3, 0)


def test_refusal_report_deadline_is_24_hours_after_the_refusal():
    assert refusal_report_deadline(REFUSED_AT) == utc(2026, 11, 11, 3, 0)


def test_refusal_reported_exactly_at_24_hours_is_not_late():
    assert (
        refusal_reported_late(refused_at=REFUSED_AT, reported_at=utc(2026, 11, 11, 3, 0)) is False
    )


def test_refusal_reported_one_second_after_24_hours_is_late():
    assert (
        refusal_reported_late(refused_at=REFUSED_AT, reported_at=utc(2026, 11, 11, 3, 0, 1)) is True
    )


def test_refusal_reported_in_shanghai_time_is_compared_as_an_instant():
    # 11:00 in Shanghai on the 11th is 03:00 UTC: exactly at the deadline.
    assert (
        refusal_reported_late(refused_at=REFUSED_AT, reported_at=shanghai(2026, 11, 11, 11, 0))
        is False
    )


def test_refusal_with_naive_times_is_refused():
    naive = dt.datetime(2026, 11, 10, 3, 0)  # noqa: DTZ001
    with pytest.raises(ValueError, match="timezone-aware"):
        refusal_report_deadline(naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        refusal_reported_late(refused_at=naive, reported_at=REFUSED_AT)
    with pytest.raises(ValueError, match="timezone-aware"):
        refusal_reported_late(refused_at=REFUSED_AT, reported_at=naive)


def test_ship_back_deadline_is_7_days_after_the_goods_were_received():
    assert ship_back_deadline(utc(2026, 11, 10, 16, 0)) == utc(2026, 11, 17, 16, 0)


def test_ship_back_deadline_refuses_a_naive_time():
    with pytest.raises(ValueError, match="timezone-aware"):
        ship_back_deadline(dt.datetime(2026, 11, 10, 16, 0))  # noqa: DTZ001


def test_response_deadline_is_48_hours_after_the_request():
    assert response_deadline(utc(2026, 11, 10, 3, 0)) == utc(2026, 11, 12, 3, 0)


# The reship deadline is the end (24:00 Shanghai = 16:00 UTC) of the third working day after
# the decision day.


def test_reship_decided_the_day_before_national_day_skips_the_holiday_and_counts_its_make_up():
    # Wed 09-30; 10-01..10-07 off; Thu 10-08, Fri 10-09, Sat 10-10 (make-up working day).
    assert reship_deadline(decided_at=shanghai(2026, 9, 30, 10, 0), overrides=NO_OVERRIDES) == utc(
        2026, 10, 10, 16, 0
    )


def test_reship_decided_on_a_friday_skips_the_weekend():
    # Fri 11-13; Mon 16, Tue 17, Wed 18.
    assert reship_deadline(decided_at=shanghai(2026, 11, 13, 10, 0), overrides=NO_OVERRIDES) == utc(
        2026, 11, 18, 16, 0
    )


def test_reship_window_crossing_a_make_up_sunday_counts_it():
    # Fri 09-18; Sat 19 off; Sun 20 a make-up working day; Mon 21; Tue 22.
    assert reship_deadline(decided_at=shanghai(2026, 9, 18, 10, 0), overrides=NO_OVERRIDES) == utc(
        2026, 9, 22, 16, 0
    )


def test_reship_window_across_spring_festival_counts_its_make_up_saturday():
    # Fri 02-13; Sat 14 a make-up working day; 02-15..02-23 off; Tue 24; Wed 25.
    assert reship_deadline(decided_at=shanghai(2026, 2, 13, 10, 0), overrides=NO_OVERRIDES) == utc(
        2026, 2, 25, 16, 0
    )


def test_reship_declared_day_off_skips_a_weekday():
    # Fri 11-13; Mon 16; Tue 17 declared off; Wed 18; Thu 19.
    overrides = {dt.date(2026, 11, 17): False}

    assert reship_deadline(decided_at=shanghai(2026, 11, 13, 10, 0), overrides=overrides) == utc(
        2026, 11, 19, 16, 0
    )


def test_reship_declared_working_day_counts_a_saturday():
    # Fri 11-13; Sat 14 declared a working day; Mon 16; Tue 17.
    overrides = {dt.date(2026, 11, 14): True}

    assert reship_deadline(decided_at=shanghai(2026, 11, 13, 10, 0), overrides=overrides) == utc(
        2026, 11, 17, 16, 0
    )


def test_reship_declared_day_off_wins_over_a_make_up_saturday():
    # Wed 09-30; Oct 8, 9; Sat 10 declared off after all; Mon 12.
    overrides = {dt.date(2026, 10, 10): False}

    assert reship_deadline(decided_at=shanghai(2026, 9, 30, 10, 0), overrides=overrides) == utc(
        2026, 10, 12, 16, 0
    )


def test_reship_declared_working_day_wins_over_a_statutory_holiday():
    # Wed 09-30; Mon 10-05 declared a working day; Thu 10-08; Fri 10-09.
    overrides = {dt.date(2026, 10, 5): True}

    assert reship_deadline(decided_at=shanghai(2026, 9, 30, 10, 0), overrides=overrides) == utc(
        2026, 10, 9, 16, 0
    )


def test_reship_decided_late_in_the_shanghai_evening_counts_from_that_day():
    # Thu 11-12 23:30 in Shanghai is 15:30 UTC; Fri 13, Mon 16, Tue 17.
    decided_at = shanghai(2026, 11, 12, 23, 30)

    assert decided_at == utc(2026, 11, 12, 15, 30)
    assert reship_deadline(decided_at=decided_at, overrides=NO_OVERRIDES) == utc(
        2026, 11, 17, 16, 0
    )
    assert reship_deadline(decided_at=utc(2026, 11, 12, 15, 30), overrides=NO_OVERRIDES) == utc(
        2026, 11, 17, 16, 0
    )


def test_reship_decided_after_shanghai_midnight_counts_from_the_shanghai_date_not_utc():
    # 16:30 UTC on Thu 11-12 is already Fri 11-13 00:30 in Shanghai: Mon 16, Tue 17, Wed 18.
    # Counting from the UTC date would end a day early, on Tue 17.
    decided_at = utc(2026, 11, 12, 16, 30)

    assert reship_deadline(decided_at=decided_at, overrides=NO_OVERRIDES) == utc(
        2026, 11, 18, 16, 0
    )


def test_reship_decided_on_a_holiday_counts_the_next_working_days():
    # Thu 10-01 (National Day); Thu 10-08, Fri 10-09, Sat 10-10 (make-up).
    assert reship_deadline(decided_at=shanghai(2026, 10, 1, 10, 0), overrides=NO_OVERRIDES) == utc(
        2026, 10, 10, 16, 0
    )


def test_the_calendar_library_knows_2026_but_not_2027():
    assert year_confirmed(2026) is True
    assert year_confirmed(2027) is False


def test_reship_window_crossing_into_an_unknown_year_takes_its_holidays_by_rule():
    # Thu 2026-12-31; 2027 is not yet in chinesecalendar, so its holidays come by rule: Fri
    # 01-01 is New Year's Day; Mon 04, Tue 05, Wed 06.
    assert reship_deadline(decided_at=shanghai(2026, 12, 31, 10, 0), overrides=NO_OVERRIDES) == utc(
        2027, 1, 6, 16, 0
    )


def test_reship_window_crossing_into_an_unknown_year_follows_overrides():
    # Thu 2026-12-31; Mon 2027-01-04 declared off by the administrator: Tue 05, Wed 06, Thu 07.
    overrides = {dt.date(2027, 1, 4): False}

    assert reship_deadline(decided_at=shanghai(2026, 12, 31, 10, 0), overrides=overrides) == utc(
        2027, 1, 7, 16, 0
    )


def test_reship_in_an_unknown_year_is_monday_to_friday():
    # Fri 2027-03-05; Mon 08, Tue 09, Wed 10.
    assert reship_deadline(decided_at=shanghai(2027, 3, 5, 10, 0), overrides=NO_OVERRIDES) == utc(
        2027, 3, 10, 16, 0
    )


def test_reship_in_an_unknown_year_counts_a_declared_working_saturday():
    # Fri 2027-03-05; Sat 06 declared a working day; Mon 08; Tue 09.
    overrides = {dt.date(2027, 3, 6): True}

    assert reship_deadline(decided_at=shanghai(2027, 3, 5, 10, 0), overrides=overrides) == utc(
        2027, 3, 9, 16, 0
    )


def test_reship_deadline_is_handed_back_in_utc():
    deadline = reship_deadline(decided_at=shanghai(2026, 11, 13, 10, 0), overrides=NO_OVERRIDES)

    assert deadline.utcoffset() == dt.timedelta(0)


def test_reship_deadline_refuses_a_naive_time():
    with pytest.raises(ValueError, match="timezone-aware"):
        reship_deadline(
            decided_at=dt.datetime(2026, 11, 13, 10, 0),  # noqa: DTZ001
            overrides=NO_OVERRIDES,
        )


@given(decided_at=aware_times.filter(lambda t: 2004 <= t.astimezone(SHANGHAI).year <= 2026))
def test_reship_deadline_is_a_shanghai_midnight_after_the_decision(decided_at):
    deadline = reship_deadline(decided_at=decided_at, overrides=NO_OVERRIDES)

    local = deadline.astimezone(SHANGHAI)
    assert local.time() == dt.time(0, 0)
    # Three working days take at least three calendar days and, even over Spring Festival,
    # less than three weeks.
    assert dt.timedelta(days=3) < deadline - decided_at < dt.timedelta(days=21)


# --- approval and the refund ledger --------------------------------------------------------


@pytest.mark.parametrize(
    ("paid", "held", "expected"),
    [
        (Decimal("100.00"), Decimal("0.00"), Decimal("100.00")),
        (Decimal("100.00"), Decimal("30.50"), Decimal("69.50")),
        (Decimal("100.00"), Decimal("100.00"), Decimal("0.00")),
        (Decimal("100.00"), Decimal("120.00"), Decimal("0.00")),
        (Decimal("0.00"), Decimal("0.01"), Decimal("0.00")),
    ],
)
def test_refundable_is_paid_less_held_and_never_negative(paid, held, expected):
    result = refundable(paid=paid, held=held)

    assert result == expected
    assert result.as_tuple().exponent == -2


@given(paid=money, held=money)
def test_refundable_is_never_negative_nor_more_than_paid(paid, held):
    result = refundable(paid=paid, held=held)

    assert Decimal("0.00") <= result <= paid
    assert result == max(paid - held, Decimal("0.00"))
