"""A large export streams: queries grow with the number of batches, not rows."""

import csv
import datetime as dt
import math
from decimal import Decimal
from pathlib import Path

from django.db import connection

from aftersales.orders.models import Order, OrderLine, Shipment
from aftersales.orders.services import order_import_files

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
NOW = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)
CARRIERS = ["顺丰速运", "中通快递", "圆通速递", "申通快递", "韵达快递", "极兔速递", "某地方快递"]


def write_export(directory: Path, orders: int) -> tuple[Path, Path]:
    """An order report of ``orders`` rows and an item report with 1 or 2 lines each, in the
    seller centre's shape (GBK, the sample's columns), written row by row."""
    with (SAMPLES / "ExportOrderList_sample.csv").open(encoding="gb18030", newline="") as f:
        order_header, template = list(csv.reader(f))[:2]
    with (SAMPLES / "ExportOrderDetailList_sample.csv").open(encoding="gb18030", newline="") as f:
        item_header = next(csv.reader(f))
    col = {name: i for i, name in enumerate(order_header)}
    orders_path, items_path = (
        directory / "ExportOrderList.csv",
        directory / "ExportOrderDetailList.csv",
    )
    with (
        orders_path.open("w", encoding="gb18030", newline="") as of,
        items_path.open("w", encoding="gb18030", newline="") as itf,
    ):
        order_out, item_out = csv.writer(of), csv.writer(itf)
        order_out.writerow(order_header)
        item_out.writerow(item_header)
        for n in range(orders):
            order_no = f"5{n:018d}"
            two_lines = n % 2 == 0
            row = list(template)
            row[col["订单编号"]] = f'="{order_no}"'
            row[col["买家会员名"]] = f"tb{n:08d}"
            row[col["买家应付货款"]] = "178.80" if two_lines else "99.00"
            row[col["买家应付邮费"]] = "6.00"
            row[col["买家实际支付金额"]] = "174.80" if two_lines else "105.00"
            row[col["订单状态"]] = "交易成功"
            row[col["订单付款时间"]] = "2026-11-11 00:01:00"
            row[col["确认收货时间"]] = "2026-11-15 10:00:00"
            row[col["物流单号"]] = f"No:{7 * 10**13 + n}"
            row[col["物流公司"]] = CARRIERS[n % len(CARRIERS)]
            order_out.writerow(row)
            item_out.writerow(
                [f'="{order_no}"', "纯棉男士中筒袜子 10双装", "9.90", "10", "", "颜色分类:混色"]
                + ["", "", "交易成功", "WZ-10"]
            )
            if two_lines:
                item_out.writerow(
                    [f'="{order_no}"', "新鲜现摘赣南脐橙 5斤装", "39.90", "2", "", "规格:5斤中果"]
                    + ["", "", "交易成功", "SX-QC5"]
                )
    return orders_path, items_path


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
    order_import_files(shop=shop, orders_file=orders, items_file=items, now=NOW)

    # Per batch: savepoint, lock, the SELECTs, release; nothing to write.
    with django_assert_max_num_queries(5 * 6 + 8 * 7 + 10):
        report = order_import_files(shop=shop, orders_file=orders, items_file=items, now=NOW)

    assert (report.orders_unchanged, report.orders_created, report.lines_created) == (5000, 0, 0)
    assert Shipment.objects.count() == 5000
