"""Working days on China's statutory calendar (chinesecalendar), with administrator overrides,
and, for a year the library does not know yet, the statutory holidays worked out by rule (the
`holidays` package's China calendar), weekends off, make-up working days only from overrides.

The 2026 dates below are the library's own data: National Day 10-01..10-07 with make-up
working days Sun 09-20 and Sat 10-10; New Year 01-01..01-03 with Sun 01-04 worked; Spring
Festival 02-15..02-23 with Sat 02-14 and Sat 02-28 worked.

2027 and 2031 are not in the pinned chinesecalendar. By rule, 2027 has New Year on Fri 01-01;
2031 has Spring Festival's eve on Wed 01-22, its first three days Thu 01-23..Sat 01-25 and, for
the Saturday, Mon 01-27 off.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import chinese_calendar
import holidays
import pytest
from holidays.countries.china import ChinaStaticHolidays
from hypothesis import given
from hypothesis import strategies as st

from aftersales.core.workdays import (
    add_workdays,
    is_workday,
    known_years,
    rule_holidays,
    shanghai_date,
    span_confirmed,
    year_confirmed,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")

NO_OVERRIDES: dict[dt.date, bool] = {}


def test_the_library_data_these_tests_rely_on():
    assert {dt.date(2026, 10, d) for d in range(1, 8)} <= chinese_calendar.holidays.keys()
    assert {dt.date(2026, 9, 20), dt.date(2026, 10, 10)} <= chinese_calendar.workdays.keys()
    assert dt.date(2026, 1, 4) in chinese_calendar.workdays
    assert dt.date(2026, 2, 14) in chinese_calendar.workdays
    assert not any(day.year == 2027 for day in chinese_calendar.holidays)


def test_year_confirmed_for_a_year_the_library_knows():
    assert year_confirmed(2026) is True
    assert year_confirmed(2004) is True


def test_year_not_confirmed_for_a_year_the_library_does_not_know():
    assert year_confirmed(2027) is False
    assert year_confirmed(2003) is False


def test_known_years_are_the_library_years():
    assert known_years() == frozenset(range(2004, 2027))


@pytest.mark.parametrize(
    "day",
    [dt.date(2026, 10, 1), dt.date(2026, 10, 5), dt.date(2026, 10, 7), dt.date(2026, 2, 16)],
    ids=["national-day-thu", "national-day-mon", "national-day-wed", "spring-festival-mon"],
)
def test_a_statutory_holiday_on_a_weekday_is_not_a_workday(day):
    assert day.weekday() < 5
    assert is_workday(day, NO_OVERRIDES) is False


@pytest.mark.parametrize(
    "day",
    [dt.date(2026, 10, 10), dt.date(2026, 9, 20), dt.date(2026, 1, 4), dt.date(2026, 2, 28)],
    ids=["make-up-sat-oct", "make-up-sun-sep", "make-up-sun-jan", "make-up-sat-feb"],
)
def test_a_make_up_weekend_day_is_a_workday(day):
    assert day.weekday() >= 5
    assert is_workday(day, NO_OVERRIDES) is True


def test_a_plain_weekday_is_a_workday():
    assert is_workday(dt.date(2026, 11, 11), NO_OVERRIDES) is True


@pytest.mark.parametrize("day", [dt.date(2026, 11, 14), dt.date(2026, 11, 15)])
def test_a_plain_weekend_day_is_not_a_workday(day):
    assert is_workday(day, NO_OVERRIDES) is False


@pytest.mark.parametrize(
    ("day", "override"),
    [
        (dt.date(2026, 11, 11), False),  # a plain Wednesday declared a day off
        (dt.date(2026, 11, 14), True),  # a plain Saturday declared a working day
        (dt.date(2026, 10, 1), True),  # a statutory holiday declared a working day
        (dt.date(2026, 10, 10), False),  # a make-up Saturday declared a day off
        (dt.date(2027, 1, 1), False),  # unknown year: a Friday declared a day off
        (dt.date(2027, 1, 2), True),  # unknown year: a Saturday declared a working day
    ],
)
def test_an_override_wins_over_the_calendar(day, override):
    assert is_workday(day, {day: override}) is override


def test_an_override_on_another_day_changes_nothing():
    assert is_workday(dt.date(2026, 10, 1), {dt.date(2026, 10, 2): True}) is False


def test_unknown_year_takes_its_statutory_holidays_by_rule():
    # 2027-01-01 is a Friday and New Year's Day: a holiday by rule, though not yet published.
    assert is_workday(dt.date(2027, 1, 1), NO_OVERRIDES) is False
    assert is_workday(dt.date(2027, 1, 2), NO_OVERRIDES) is False
    assert is_workday(dt.date(2027, 1, 3), NO_OVERRIDES) is False
    assert is_workday(dt.date(2027, 1, 4), NO_OVERRIDES) is True


def test_is_workday_refuses_a_datetime():
    # A datetime's date depends on its time zone, and it would silently miss the overrides,
    # which are keyed by date.
    with pytest.raises(TypeError):
        is_workday(dt.datetime(2026, 11, 11, 9, 0, tzinfo=dt.UTC), NO_OVERRIDES)


def test_add_zero_workdays_returns_the_start():
    assert add_workdays(dt.date(2026, 11, 11), 0, NO_OVERRIDES) == dt.date(2026, 11, 11)


def test_add_zero_workdays_returns_the_start_even_on_a_holiday():
    assert add_workdays(dt.date(2026, 10, 1), 0, NO_OVERRIDES) == dt.date(2026, 10, 1)


def test_add_negative_workdays_is_refused():
    with pytest.raises(ValueError, match="negative"):
        add_workdays(dt.date(2026, 11, 11), -1, NO_OVERRIDES)


def test_add_workdays_does_not_count_the_start():
    assert add_workdays(dt.date(2026, 11, 11), 1, NO_OVERRIDES) == dt.date(2026, 11, 12)


def test_add_workdays_skips_a_weekend():
    assert add_workdays(dt.date(2026, 11, 13), 1, NO_OVERRIDES) == dt.date(2026, 11, 16)


def test_add_workdays_skips_national_day_and_counts_its_make_up_saturday():
    assert add_workdays(dt.date(2026, 9, 30), 3, NO_OVERRIDES) == dt.date(2026, 10, 10)


def test_add_workdays_counts_a_make_up_sunday():
    assert add_workdays(dt.date(2026, 9, 18), 1, NO_OVERRIDES) == dt.date(2026, 9, 20)


def test_add_workdays_across_into_an_unknown_year():
    # Thu 2026-12-31; Fri 2027-01-01 is New Year's Day by rule; Mon 04, Tue 05, Wed 06.
    assert add_workdays(dt.date(2026, 12, 31), 3, NO_OVERRIDES) == dt.date(2027, 1, 6)


def test_add_workdays_across_into_an_unknown_year_counts_a_declared_working_day():
    # The holiday by rule declared a working day after all: Fri 01, Mon 04, Tue 05.
    overrides = {dt.date(2027, 1, 1): True}

    assert add_workdays(dt.date(2026, 12, 31), 3, overrides) == dt.date(2027, 1, 5)


def test_add_workdays_over_spring_festival_of_an_unknown_year():
    # Tue 2031-01-21; Wed 22 (eve), Thu 23, Fri 24 and Mon 27 (for Sat 25) are off by rule.
    assert add_workdays(dt.date(2031, 1, 21), 1, NO_OVERRIDES) == dt.date(2031, 1, 28)


def test_add_workdays_refuses_a_datetime():
    with pytest.raises(TypeError):
        add_workdays(dt.datetime(2026, 11, 11, 9, 0, tzinfo=dt.UTC), 1, NO_OVERRIDES)


days = st.dates(min_value=dt.date(2004, 1, 1), max_value=dt.date(2035, 12, 31))
overrides = st.dictionaries(days, st.booleans(), max_size=10)


@given(start=days, count=st.integers(min_value=0, max_value=30), overrides=overrides)
def test_add_workdays_lands_on_the_nth_workday_after_the_start(start, count, overrides):
    due = add_workdays(start, count, overrides)

    assert due >= start
    between = [start + dt.timedelta(days=n) for n in range(1, (due - start).days + 1)]
    assert sum(is_workday(day, overrides) for day in between) == count
    if count:
        assert is_workday(due, overrides) is True


@given(day=days)
def test_is_workday_matches_the_library_in_known_years_and_the_rules_otherwise(day):
    if day.year in known_years():
        expected = chinese_calendar.is_workday(day)
    else:
        expected = day.weekday() < 5 and day not in holidays.country_holidays("CN", years=day.year)

    assert is_workday(day, NO_OVERRIDES) is expected


# --- a year chinesecalendar does not know: holidays by rule, make-up days from overrides ------


def test_the_rule_calendar_data_these_tests_rely_on():
    assert not any(day.year == 2031 for day in chinese_calendar.holidays)
    assert not any(day.year == 2031 for day in chinese_calendar.workdays)
    spring_festival = {dt.date(2031, 1, d) for d in (22, 23, 24, 25, 27)}
    assert spring_festival <= holidays.country_holidays("CN", years=2031).keys()
    assert rule_holidays(2031) == frozenset(holidays.country_holidays("CN", years=2031))


def test_the_rule_calendar_holds_no_notice_beyond_the_years_chinesecalendar_knows():
    # The holidays package also carries the State Council's notices (days off swapped for
    # make-up working days) for the years it has them. We take no make-up working day from it,
    # so a notice it held for a year chinesecalendar does not know would leave its make-up
    # Saturdays off. Should an upgrade bring one, decide then (and upgrade chinesecalendar).
    assert max(ChinaStaticHolidays.special_public_holidays) <= max(known_years())


def test_year_confirmed_for_a_far_year_is_false():
    assert year_confirmed(2031) is False


@pytest.mark.parametrize(
    "day",
    [dt.date(2031, 1, 22), dt.date(2031, 1, 23), dt.date(2031, 1, 24), dt.date(2031, 1, 27)],
    ids=["eve-wed", "first-day-thu", "second-day-fri", "for-the-saturday-mon"],
)
def test_spring_festival_of_an_unknown_year_is_a_holiday_by_rule(day):
    assert day.weekday() < 5
    assert is_workday(day, NO_OVERRIDES) is False


@pytest.mark.parametrize(
    "day",
    [dt.date(2031, 10, 1), dt.date(2031, 10, 2), dt.date(2031, 10, 3), dt.date(2031, 1, 1)],
    ids=["national-day-and-mid-autumn-wed", "national-day-thu", "national-day-fri", "new-year"],
)
def test_other_statutory_holidays_of_an_unknown_year_are_holidays_by_rule(day):
    assert is_workday(day, NO_OVERRIDES) is False


def test_a_plain_weekday_of_an_unknown_year_is_a_workday():
    assert dt.date(2031, 3, 12).weekday() == 2
    assert is_workday(dt.date(2031, 3, 12), NO_OVERRIDES) is True


@pytest.mark.parametrize(
    "day",
    [dt.date(2031, 3, 15), dt.date(2031, 1, 26), dt.date(2031, 2, 8), dt.date(2031, 10, 4)],
    ids=["plain-sat", "sun-inside-spring-festival", "sat-after-spring-festival", "sat-oct"],
)
def test_no_make_up_working_day_is_guessed_in_an_unknown_year(day):
    # The weekend days next to a holiday would likely be worked, but only a notice says which.
    assert day.weekday() >= 5
    assert is_workday(day, NO_OVERRIDES) is False


@pytest.mark.parametrize(
    ("day", "override"),
    [
        (dt.date(2031, 3, 15), True),  # a plain Saturday declared a make-up working day
        (dt.date(2031, 2, 8), True),  # the Saturday after Spring Festival, as the notice says
        (dt.date(2031, 1, 23), True),  # a holiday by rule declared a working day
        (dt.date(2031, 3, 12), False),  # a plain Wednesday declared a day off
    ],
)
def test_an_override_wins_over_the_rule_calendar(day, override):
    assert is_workday(day, {day: override}) is override


# --- span_confirmed --------------------------------------------------------------------------


def test_a_span_inside_a_confirmed_year_is_confirmed():
    assert span_confirmed(dt.date(2026, 1, 1), dt.date(2026, 12, 31)) is True


def test_a_span_over_confirmed_years_is_confirmed():
    assert span_confirmed(dt.date(2024, 12, 30), dt.date(2026, 1, 5)) is True


def test_a_span_across_a_year_boundary_into_an_unknown_year_is_not_confirmed():
    assert span_confirmed(dt.date(2026, 12, 30), dt.date(2027, 1, 6)) is False


def test_a_span_inside_an_unknown_year_is_not_confirmed():
    assert span_confirmed(dt.date(2031, 3, 1), dt.date(2031, 3, 5)) is False


def test_a_span_from_an_unknown_year_into_a_known_one_is_not_confirmed():
    assert span_confirmed(dt.date(2003, 12, 30), dt.date(2004, 1, 5)) is False


def test_a_span_given_backwards_is_the_same_span():
    assert span_confirmed(dt.date(2027, 1, 6), dt.date(2026, 12, 30)) is False
    assert span_confirmed(dt.date(2026, 12, 30), dt.date(2026, 1, 6)) is True


def test_span_confirmed_takes_aware_datetimes_at_their_shanghai_date():
    start = dt.datetime(2026, 12, 28, 2, 0, tzinfo=dt.UTC)
    # 15:59 UTC on 12-31 is still 2026 in Shanghai; 16:00 UTC is 2027-01-01 00:00 there.
    assert span_confirmed(start, dt.datetime(2026, 12, 31, 15, 59, tzinfo=dt.UTC)) is True
    assert span_confirmed(start, dt.datetime(2026, 12, 31, 16, 0, tzinfo=dt.UTC)) is False
    assert span_confirmed(start, dt.datetime(2027, 1, 1, 0, 0, tzinfo=SHANGHAI)) is False


def test_span_confirmed_takes_a_date_and_a_datetime_together():
    due_at = dt.datetime(2027, 1, 6, 16, 0, tzinfo=dt.UTC)

    assert span_confirmed(dt.date(2026, 12, 30), due_at) is False


def test_span_confirmed_refuses_a_naive_datetime():
    with pytest.raises(ValueError, match="timezone-aware"):
        span_confirmed(dt.datetime(2026, 12, 30, 9, 0), dt.date(2026, 12, 31))  # noqa: DTZ001


def test_shanghai_date_of_a_date_is_the_date():
    assert shanghai_date(dt.date(2027, 1, 1)) == dt.date(2027, 1, 1)


@given(
    start=st.datetimes(
        min_value=dt.datetime(2000, 1, 1),  # noqa: DTZ001
        max_value=dt.datetime(2035, 12, 31),  # noqa: DTZ001
        timezones=st.just(dt.UTC),
    ),
    length=st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=800)),
)
def test_span_confirmed_iff_every_shanghai_day_in_it_is_in_a_known_year(start, length):
    end = start + length
    first, last = shanghai_date(start), shanghai_date(end)
    every_day = (first + dt.timedelta(days=n) for n in range((last - first).days + 1))

    assert span_confirmed(start, end) is all(day.year in known_years() for day in every_day)
