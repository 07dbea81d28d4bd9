"""The writes of a large import: the set-based PostgreSQL path writes exactly what the portable
path writes, amounts are split as split_proportionally splits them, and reading ahead of the
writes keeps the report in file order and never leaves a batch half written."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aftersales.core.money import split_proportionally
from aftersales.orders.models import Order, OrderLine, Shipment
from aftersales.orders.services import (
    MSG_DUPLICATE_ORDER,
    RowError,
    bulk,
    order_import_files,
    order_upsert_many,
)
from aftersales.orders.services.line_amounts import split_cents
from aftersales.orders.services.order_writes import Batches
from bench.exports import write_export
from tests.factories import ProductFactory, ShopFactory
from tests.orders.test_import import ORDERS_SAMPLE, csv_bytes, sample_rows, snapshot, write

NOW = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
CENT = Decimal("0.01")


# --- the split, in whole cents -----------------------------------------------------------------


@given(
    total=st.integers(min_value=0, max_value=10**12),
    weights=st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=6),
)
def test_split_cents_is_split_proportionally_in_cents(total, weights):
    expected = split_proportionally(Decimal(total) * CENT, [Decimal(w) * CENT for w in weights])

    assert [Decimal(c) * CENT for c in split_cents(total, weights)] == expected


def test_split_cents_gives_a_tied_cent_to_the_later_line():
    assert split_cents(1, [1, 1]) == [0, 1]
    assert split_cents(0, [0, 0]) == [0, 0]
    assert split_cents(500, [0, 0, 0]) == [0, 0, 500]


# --- the same rows on every path -------------------------------------------------------------


def _line(title: str, price: str, quantity: int, sku: str = "") -> dict:
    return {
        "title": title,
        "sku_code": sku,
        "sku_properties": "",
        "unit_price": Decimal(price),
        "quantity": quantity,
    }


def _order(no: str, paid: str, freight: str, lines: list[dict], **changes) -> dict:
    return {
        "order_no": no,
        "buyer_nick": "tb1",
        "status": "success",
        "goods_total": sum((line["unit_price"] * line["quantity"] for line in lines), Decimal(0)),
        "freight_paid": Decimal(freight),
        "amount_paid": Decimal(paid),
        "created_at": dt.datetime(2026, 11, 11, 0, 1, tzinfo=SHANGHAI),
        "lines": lines,
    } | changes


@pytest.mark.parametrize(
    ("paid", "freight", "lines", "amounts"),
    [
        # At list price: each line its own price × quantity.
        ("184.80", "6.00", [_line("a", "9.90", 10), _line("b", "39.90", 2)], ["99.00", "79.80"]),
        # A coupon: 150.00 over 99.00 : 79.80, the cent left over to the larger remainder.
        ("150.00", "0.00", [_line("a", "9.90", 10), _line("b", "39.90", 2)], ["83.05", "66.95"]),
        # A tie: the cent goes to the later line.
        ("0.01", "0.00", [_line("a", "1.00", 1), _line("b", "1.00", 1)], ["0.00", "0.01"]),
        # Three equal lines.
        ("28.00", "0.00", [_line(t, "10.00", 1) for t in "abc"], ["9.33", "9.33", "9.34"]),
        # Free goods paid for anyway (freight only, here): all on the last line.
        ("5.00", "0.00", [_line("a", "0.00", 1), _line("b", "0.00", 2)], ["0.00", "5.00"]),
        # Freight above what was paid: nothing was paid for the goods.
        ("3.00", "6.00", [_line("a", "9.90", 1), _line("b", "1.00", 1)], ["0.00", "0.00"]),
        # One line gets all of it, whatever its price.
        ("12.34", "0.00", [_line("a", "99.00", 3)], ["12.34"]),
    ],
)
def test_line_amounts_are_split_alike_on_every_database(shop, paid, freight, lines, amounts):
    report = order_upsert_many(
        shop=shop, actor=None, orders=[_order("1", paid, freight, lines)], now=NOW
    )

    assert report.errors == []
    assert list(OrderLine.objects.order_by("line_no").values_list("amount_paid", flat=True)) == [
        Decimal(a) for a in amounts
    ]


def test_the_set_based_writes_match_the_portable_ones(shop, tmp_path, monkeypatch):
    """On PostgreSQL, the COPY path against Django's bulk operations on the same connection;
    elsewhere both imports take the portable path, and this is a realistic export's import."""
    ProductFactory(
        shop=shop, sku_code="SX-QC5", seven_day_eligible=False, seven_day_exclusion="perishable"
    )
    export = write_export(tmp_path, 3_000, realistic=True)
    other = ShopFactory(name="对照店")
    ProductFactory(
        shop=other, sku_code="SX-QC5", seven_day_eligible=False, seven_day_exclusion="perishable"
    )

    fast = order_import_files(
        shop=shop, actor=None, orders_file=export.orders_path, items_file=export.items_path,
        now=NOW, batch_size=700,
    )  # fmt: skip
    with monkeypatch.context() as m:
        m.setattr(bulk, "is_postgres", lambda: False)
        portable = order_import_files(
            shop=other, actor=None, orders_file=export.orders_path, items_file=export.items_path,
            now=NOW, batch_size=700,
        )  # fmt: skip

    assert fast.as_dict() == portable.as_dict()
    assert (fast.orders_created, fast.lines_created, fast.errors) == (3_000, export.lines, [])
    assert snapshot(shop) == snapshot(other)
    # The export has coupons and several lines: the general split was exercised.
    assert OrderLine.objects.filter(order__shop=shop, seven_day_eligible=False).exists()


def test_a_later_export_updates_alike_on_every_path(shop, tmp_path, monkeypatch):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = write_export(tmp_path / "a", 400, realistic=True, seed=1)
    other = ShopFactory(name="对照店")
    for target in (shop, other):
        order_import_files(
            shop=target,
            actor=None,
            orders_file=first.orders_path,
            items_file=first.items_path,
            now=NOW,
        )
    # The same orders exported again later: other statuses, amounts, waybills (seed 2).
    later = write_export(tmp_path / "b", 400, realistic=True, seed=2)

    fast = order_import_files(shop=shop, actor=None, orders_file=later.orders_path, now=NOW)
    with monkeypatch.context() as m:
        m.setattr(bulk, "is_postgres", lambda: False)
        portable = order_import_files(
            shop=other, actor=None, orders_file=later.orders_path, now=NOW
        )

    assert fast.as_dict() == portable.as_dict()
    assert fast.orders_updated > 100
    assert snapshot(shop) == snapshot(other)


# --- reading ahead ---------------------------------------------------------------------------


def test_errors_keep_file_order_when_reading_runs_ahead(shop, tmp_path):
    rows = sample_rows(ORDERS_SAMPLE)
    rows.insert(3, list(rows[2]))  # row 4 repeats row 3's order: refused by the first write
    rows[8][rows[0].index("订单状态")] = "已退款"  # row 9, in the second batch: refused when read
    path = write(tmp_path, "o.csv", rows)

    report = order_import_files(shop=shop, actor=None, orders_file=path, now=NOW, batch_size=5)

    assert [(e.row, e.code) for e in report.errors] == [
        (4, "duplicate_order"),
        (9, "unknown_status"),
    ]
    assert report.errors[0] == RowError(
        "o.csv", 4, "订单编号", "duplicate_order", MSG_DUPLICATE_ORDER % {"row": 3}
    )


def test_a_failing_write_stops_the_import_and_keeps_the_batches_before(shop, tmp_path, monkeypatch):
    calls = []
    finish = Batches.orders_finish

    def failing(self, batch):
        calls.append(len(batch.data))
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        finish(self, batch)

    monkeypatch.setattr(Batches, "orders_finish", failing)

    report = order_import_files(
        shop=shop, actor=None, orders_file=ORDERS_SAMPLE, now=NOW, batch_size=20
    )

    # The second batch rolled back; the report says the first 20 rows are saved, no more.
    assert calls == [20, 20]
    assert report.interrupted is not None
    assert report.interrupted.rows_saved == 20
    assert report.orders_created == 20
    rows = sample_rows(ORDERS_SAMPLE)
    waybill = rows[0].index("物流单号")
    assert Order.objects.filter(shop=shop).count() == 20
    assert Shipment.objects.filter(order__shop=shop).count() == sum(
        1 for row in rows[1:21] if row[waybill]
    )


def test_a_utf8_file_with_a_header_only_imports_nothing(shop, tmp_path):
    path = Path(tmp_path / "o.csv")
    path.write_bytes(csv_bytes(sample_rows(ORDERS_SAMPLE)[:1], "utf-8"))

    report = order_import_files(shop=shop, actor=None, orders_file=path, now=NOW)

    assert report.as_dict()["rows_read"] == 0
    assert report.errors == []
    assert not Order.objects.exists()
