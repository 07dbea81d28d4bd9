"""Working days on China's statutory calendar (chinesecalendar), with administrator overrides,
and Monday to Friday for a year the library does not know yet.

The 2026 dates below are the library's own data: National Day 10-01..10-07 with make-up
working days Sun 09-20 and Sat 10-10; New Year 01-01..01-03 with Sun 01-04 worked; Spring
Festival 02-15..02-23 with Sat 02-14 and Sat 02-28 worked.
"""

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aftersales.core.workdays import add_workdays, is_workday, known_years, year_confirmed

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


def test_unknown_year_falls_back_to_monday_to_friday():
    # 2027-01-01 is a Friday; its New Year holiday is not published yet, so it counts.
    assert is_workday(dt.date(2027, 1, 1), NO_OVERRIDES) is True
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
    assert add_workdays(dt.date(2026, 12, 31), 3, NO_OVERRIDES) == dt.date(2027, 1, 5)


def test_add_workdays_refuses_a_datetime():
    with pytest.raises(TypeError):
        add_workdays(dt.datetime(2026, 11, 11, 9, 0, tzinfo=dt.UTC), 1, NO_OVERRIDES)


days = st.dates(min_value=dt.date(2004, 1, 1), max_value=dt.date(2028, 12, 31))
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
def test_is_workday_matches_the_library_in_known_years_and_weekdays_otherwise(day):
    expected = chinese_calendar.is_workday(day) if day.year in known_years() else day.weekday() < 5

    assert is_workday(day, NO_OVERRIDES) is expected
