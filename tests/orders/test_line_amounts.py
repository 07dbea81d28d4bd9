"""Lines add up to what the buyer paid for the goods (the order's amount paid less its freight,
never below zero): the split the import makes always does, to the cent, on every write path;
amounts a caller gives must, or the order is refused."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aftersales.core.money import CENT, ZERO
from aftersales.orders.importers import MONEY_MAX
from aftersales.orders.models import OrderLine
from aftersales.orders.services import bulk, order_upsert_many
from aftersales.orders.services.line_amounts import goods_paid, line_amounts, lines_amount_errors
from tests.orders.test_import_upsert import an_order

NOW = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)
MAX_CENTS = int(MONEY_MAX / CENT)


def money(max_cents: int = MAX_CENTS):
    return st.integers(min_value=0, max_value=max_cents).map(lambda c: Decimal(c) * CENT)


def a_line(price: Decimal, quantity: int) -> dict:
    return {
        "title": "袜子",
        "sku_code": "",
        "sku_properties": "",
        "unit_price": price,
        "quantity": quantity,
    }


# Prices and quantities whose product still fits a line's money column, as any real line does.
lines_strategy = st.lists(
    st.builds(a_line, money(10**9), st.integers(min_value=1, max_value=1000)),
    min_size=1,
    max_size=8,
)


@given(paid=money(), freight=money(), lines=lines_strategy)
def test_the_import_s_split_adds_up_to_the_goods_paid(paid, freight, lines):
    goods = goods_paid(paid, freight)

    amounts = line_amounts(lines, goods)

    assert sum(amounts, ZERO) == goods == max(paid - freight, ZERO)
    assert all(a >= 0 and a == a.quantize(CENT) for a in amounts)
    # Given back as explicit amounts, they pass the check the API's amounts must pass.
    order = {
        "amount_paid": paid,
        "freight_paid": freight,
        "lines": [line | {"amount_paid": a} for line, a in zip(lines, amounts, strict=True)],
    }
    assert lines_amount_errors(order) == []


@given(
    paid=money(10**6),
    freight=money(10**4),
    given_amounts=st.lists(money(10**6), min_size=1, max_size=5),
)
def test_given_amounts_pass_exactly_when_they_add_up(paid, freight, given_amounts):
    order = {
        "amount_paid": paid,
        "freight_paid": freight,
        "lines": [a_line(Decimal("1.00"), 1) | {"amount_paid": a} for a in given_amounts],
    }

    errors = lines_amount_errors(order)

    adds_up = sum(given_amounts, ZERO) == goods_paid(paid, freight)
    assert [(e.field, e.code) for e in errors] == (
        [] if adds_up else [("lines", "lines_amount_mismatch")]
    )


def test_no_amounts_given_is_not_checked():
    assert lines_amount_errors({"amount_paid": ZERO, "freight_paid": ZERO, "lines": []}) == []
    order = {"amount_paid": Decimal("5.00"), "freight_paid": ZERO, "lines": [a_line(CENT, 1)]}
    assert lines_amount_errors(order) == []


# --- on the database, both write paths ---------------------------------------------------------

_numbers = itertools.count(1)


@pytest.mark.parametrize("path", ["native", "portable"])
@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    first=money(10**7),
    later=money(10**7),
    freight=money(10**4),
    lines=st.lists(
        st.builds(a_line, money(10**5), st.integers(min_value=1, max_value=50)),
        min_size=1,
        max_size=6,
    ),
)
def test_written_lines_add_up_when_created_and_when_the_payment_moves(
    shop, monkeypatch, path, first, later, freight, lines
):
    """``native`` is the set-based split in SQL on PostgreSQL (the portable path elsewhere);
    the payment moving is the split again in Python, on both."""
    if path == "portable":
        monkeypatch.setattr(bulk, "is_postgres", lambda: False)
    no = f"H{next(_numbers)}"

    def written() -> Decimal:
        return sum(
            OrderLine.objects.filter(order__shop=shop, order__order_no=no).values_list(
                "amount_paid", flat=True
            ),
            ZERO,
        )

    for paid in (first, later):
        order = an_order(order_no=no, amount_paid=paid, freight_paid=freight, lines=lines)
        report = order_upsert_many(shop=shop, actor=None, orders=[order], now=NOW)

        assert report.errors == []
        assert written() == goods_paid(paid, freight)
