"""A large export streams: queries grow with the number of batches, not rows."""

import datetime as dt
import math
from decimal import Decimal
from pathlib import Path

from django.db import connection

from aftersales.orders.models import Order, OrderLine, Shipment
from aftersales.orders.services import order_import_files
from bench import exports as bench_exports

NOW = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)


def write_export(directory: Path, orders: int) -> tuple[Path, Path]:
    """An order report of ``orders`` rows and an item report with 1 or 2 lines each, in the
    seller centre's shape (GBK, the sample's columns), written row by row."""
    export = bench_exports.write_export(directory, orders)
    return export.orders_path, export.items_path


def inserts(model, rows: int) -> int:
    """How many INSERT statements Django needs for ``rows`` objects on this backend: one on
    PostgreSQL; on SQLite it binds at most 999 parameters per statement."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    return math.ceil(rows / connection.ops.bulk_batch_size(fields, [None] * rows))


def test_a_large_export_is_written_in_batches(shop, tmp_path, django_assert_max_num_queries):
    orders, items = write_export(tmp_path, 30_000)
    seen: list[int] = []
    # Per batch: savepoint, shop lock, one SELECT or three, the INSERTs, release. Never a
    # query per row: 75,000 rows in 75 batches.
    order_batch = 6 + inserts(Order, 1000) + inserts(Shipment, 1000)
    line_batch = 7 + inserts(OrderLine, 1001)
    budget = 30 * order_batch + 45 * line_batch + 10
    assert budget < 75_000 / 25

    with django_assert_max_num_queries(budget):
        report = order_import_files(
            shop=shop,
            actor=None,
            orders_file=orders,
            items_file=items,
            progress=seen.append,
            batch_size=1000,
            now=NOW,
        )

    assert (report.orders_created, report.lines_created, report.rows_read) == (
        30_000,
        45_000,
        75_000,
    )
    assert report.errors == []
    assert seen[:3] == [1000, 2000, 3000]
    assert seen[29] == 30_000
    assert seen[-1] == 75_000
    # Item batches end at an order's last line, so they run a row or two past 1,000.
    assert all(0 < b - a <= 1002 for a, b in zip(seen, seen[1:], strict=False))
    assert Shipment.objects.count() == 30_000
    last = Order.objects.get(order_no=f"5{29_998:018d}")
    # 174.80 paid less 6.00 freight, split 99.00 : 79.80.
    assert list(last.lines.values_list("line_no", "amount_paid")) == [
        (1, Decimal("93.46")),
        (2, Decimal("75.34")),
    ]
    assert OrderLine.objects.count() == 45_000


def test_importing_a_large_export_again_reads_without_writing(
    shop, tmp_path, django_assert_max_num_queries
):
    orders, items = write_export(tmp_path, 5_000)
    order_import_files(shop=shop, actor=None, orders_file=orders, items_file=items, now=NOW)

    # Per batch: savepoint, lock, the SELECTs, release; nothing to write.
    with django_assert_max_num_queries(5 * 6 + 8 * 7 + 10):
        report = order_import_files(
            shop=shop, actor=None, orders_file=orders, items_file=items, now=NOW
        )

    assert (report.orders_unchanged, report.orders_created, report.lines_created) == (5000, 0, 0)
    assert Shipment.objects.count() == 5000
