"""Money rules: cents, half up, never float; proportional splits that add up exactly."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aftersales.core.money import CENT, ZERO, split_proportionally, to_money


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("0.005"), Decimal("0.01")),
        (Decimal("0.004"), Decimal("0.00")),
        (Decimal("0.015"), Decimal("0.02")),
        (Decimal("0.025"), Decimal("0.03")),
        (Decimal("2.675"), Decimal("2.68")),
        (Decimal("-0.005"), Decimal("-0.01")),
        ("19.9", Decimal("19.90")),
        ("0.125", Decimal("0.13")),
        (7, Decimal("7.00")),
        (0, Decimal("0.00")),
    ],
)
def test_to_money_rounds_to_the_cent_half_up(value, expected):
    result = to_money(value)

    assert result == expected
    assert result.as_tuple().exponent == -2


def test_to_money_refuses_a_float():
    with pytest.raises(TypeError):
        to_money(0.1)


def test_to_money_refuses_a_bool():
    with pytest.raises(TypeError):
        to_money(True)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", Decimal("NaN")])
def test_to_money_refuses_a_non_finite_amount(value):
    with pytest.raises(ValueError, match="finite"):
        to_money(value)


def test_split_proportionally_by_weight():
    parts = split_proportionally(Decimal("100.00"), [Decimal("1"), Decimal("1"), Decimal("2")])

    assert parts == [Decimal("25.00"), Decimal("25.00"), Decimal("50.00")]


def test_split_proportionally_gives_the_odd_cent_to_the_last_of_equal_parts():
    parts = split_proportionally(Decimal("10.00"), [Decimal("1")] * 3)

    assert parts == [Decimal("3.33"), Decimal("3.33"), Decimal("3.34")]


def test_split_proportionally_gives_the_odd_cent_to_the_largest_remainder_not_the_last():
    parts = split_proportionally(Decimal("1.00"), [Decimal("2"), Decimal("1")])

    assert parts == [Decimal("0.67"), Decimal("0.33")]


def test_split_proportionally_accepts_int_weights():
    parts = split_proportionally(Decimal("59.80"), [2, 1, 1])

    assert parts == [Decimal("29.90"), Decimal("14.95"), Decimal("14.95")]


def test_split_proportionally_never_makes_a_part_negative():
    # Rounding each part half up on its own would give 0.01 + 0.01 and leave -0.01 for the
    # last line: a refund of minus one cent on a line nobody asked about.
    parts = split_proportionally(Decimal("0.01"), [Decimal("1"), Decimal("1"), Decimal("0")])

    assert parts == [Decimal("0.00"), Decimal("0.01"), Decimal("0.00")]


def test_split_proportionally_two_cents_over_four_equal_lines():
    parts = split_proportionally(Decimal("0.02"), [Decimal("1")] * 4)

    assert parts == [Decimal("0.00"), Decimal("0.00"), Decimal("0.01"), Decimal("0.01")]


def test_split_proportionally_gives_nothing_to_a_zero_weight():
    parts = split_proportionally(Decimal("9.99"), [Decimal("0"), Decimal("3"), Decimal("0")])

    assert parts == [Decimal("0.00"), Decimal("9.99"), Decimal("0.00")]


def test_split_proportionally_all_zero_weights_puts_the_total_on_the_last_part():
    parts = split_proportionally(Decimal("5.00"), [Decimal("0"), Decimal("0")])

    assert parts == [Decimal("0.00"), Decimal("5.00")]


def test_split_proportionally_rounds_the_total_first():
    parts = split_proportionally(Decimal("1.005"), [Decimal("1")])

    assert parts == [Decimal("1.01")]


def test_split_proportionally_of_nothing_over_no_weights_is_empty():
    assert split_proportionally(Decimal("0.00"), []) == []


def test_split_proportionally_refuses_to_lose_money_over_no_weights():
    with pytest.raises(ValueError, match="no weights"):
        split_proportionally(Decimal("1.00"), [])


def test_split_proportionally_refuses_a_negative_weight():
    with pytest.raises(ValueError, match="negative"):
        split_proportionally(Decimal("1.00"), [Decimal("2"), Decimal("-1")])


def test_split_proportionally_of_a_negative_total_mirrors_the_positive_one():
    parts = split_proportionally(Decimal("-10.00"), [Decimal("1")] * 3)

    assert parts == [Decimal("-3.33"), Decimal("-3.33"), Decimal("-3.34")]


def test_split_proportionally_refuses_a_float_weight():
    with pytest.raises(TypeError):
        split_proportionally(Decimal("10.00"), [Decimal("1"), 0.5])


def test_split_proportionally_refuses_a_float_total():
    with pytest.raises(TypeError):
        split_proportionally(10.0, [Decimal("1")])


cents = st.integers(min_value=0, max_value=10**10).map(lambda c: Decimal(c) * CENT)
weights = st.lists(
    st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=30,
)


@given(total=cents, weights=weights)
def test_split_proportionally_parts_add_up_to_the_total_exactly(total, weights):
    parts = split_proportionally(total, weights)

    assert len(parts) == len(weights)
    assert sum(parts, ZERO) == total
    for part in parts:
        assert part == part.quantize(CENT)
        assert part >= ZERO


@given(total=cents, weights=weights)
def test_split_proportionally_parts_are_within_a_cent_of_the_exact_share(total, weights):
    weight_sum = sum(weights, ZERO)
    parts = split_proportionally(total, weights)

    if weight_sum:
        for part, weight in zip(parts, weights, strict=True):
            assert abs(part - total * weight / weight_sum) < CENT
            if weight == 0:
                assert part == ZERO
