"""The exports people really have: an older export with fewer columns, a newer one with more,
a Tmall shop's, each as CSV in GBK and as XLSX (tests/data/exports/). Each holds the orders of
the sample export, so each import is held to the sample's import, changed only where the
version says more or less."""

import copy
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from aftersales.orders import importers
from aftersales.orders.models import Order, OrderLine, Shipment, SignPrecision
from aftersales.orders.services import RowError
from tests.factories import ShopFactory
from tests.orders.test_import import (
    ITEMS_SAMPLE,
    ORDERS_SAMPLE,
    csv_bytes,
    run_import,
    snapshot,
)

EXPORTS = Path(__file__).resolve().parents[1] / "data" / "exports"
VERSIONS = ["older", "newer", "tmall"]
FORMATS = ["csv", "xlsx"]
UTC = dt.UTC

# What make_exports.py put where the sample says nothing (see tests/data/exports/README.md).
SHIPPED_AFTER = dt.timedelta(hours=26)
MEMO_BOTH, MEMO_ONLY = "4110804066827487927", "4128977815920521574"
MEMOS = {MEMO_BOTH: "加急，顺丰优先", MEMO_ONLY: "赠品：袜子一双"}


def orders_file(version: str, fmt: str = "csv") -> Path:
    return EXPORTS / f"ExportOrderList_{version}.{fmt}"


def items_file(version: str, fmt: str = "csv") -> Path:
    return EXPORTS / f"ExportOrderDetailList_{version}.{fmt}"


def read_rows(path: Path) -> list[list[str]]:
    """A CSV export's rows, every cell as the file has it."""
    with importers.open_table(path, required=()) as table:
        return [table.header, *(cells for _row, cells in table.records())]


@pytest.fixture
def sample(db) -> dict:
    """What the sample export imports as, in a shop of its own."""
    reference = ShopFactory(name="样例店")
    report = run_import(reference, ORDERS_SAMPLE, ITEMS_SAMPLE)
    assert report.errors == []
    return snapshot(reference)


def expected(sample: dict, version: str) -> dict:
    """The sample's import as a version of the export gives it."""
    data = copy.deepcopy(sample)
    paid = {o["order_no"]: o["paid_at"] for o in data["orders"]}
    if version == "older":
        for order in data["orders"]:
            # No 确认收货时间 column: nothing is known about the confirmation.
            order["success_at"] = None
            # Times to the minute, as Excel saved them (creation times are whole minutes).
            if order["paid_at"] is not None:
                order["paid_at"] = order["paid_at"].replace(second=0)
        for line in data["lines"]:
            line["sku_code"] = ""  # no 商家编码 column
    else:
        for order in data["orders"]:
            order["seller_note"] = MEMOS.get(order["order_no"], order["seller_note"])
        for shipment in data["shipments"]:
            shipment["shipped_at"] = paid[shipment["order__order_no"]] + SHIPPED_AFTER
    return data


# --- every version, in both formats --------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("version", VERSIONS)
def test_each_version_imports_with_the_values_it_carries(version, fmt, shop, sample):
    report = run_import(shop, orders_file(version, fmt), items_file(version, fmt))

    assert report.as_dict() == {
        "complete": True,
        "interrupted": None,
        "orders_created": 60,
        "orders_updated": 0,
        "orders_unchanged": 0,
        "lines_created": 90,
        "rows_read": 150,
        "errors": [],
    }
    assert snapshot(shop) == expected(sample, version)


@pytest.mark.parametrize("version", VERSIONS)
def test_importing_a_version_again_changes_nothing(version, shop):
    run_import(shop, orders_file(version), items_file(version))
    before = snapshot(shop)

    report = run_import(shop, orders_file(version, "xlsx"), items_file(version, "xlsx"))

    assert (report.orders_unchanged, report.orders_updated, report.orders_created) == (60, 0, 0)
    assert (report.lines_created, report.errors) == (0, [])
    assert snapshot(shop) == before


# --- what each version says ----------------------------------------------------------------


@pytest.mark.parametrize("version", ["newer", "tmall"])
def test_the_confirmation_of_receipt_is_never_a_sign_in(version, shop):
    run_import(shop, orders_file(version), items_file(version))

    order = Order.objects.get(shop=shop, order_no="4110804066827487927")
    # 确认收货时间 2026-11-18 16:25:19 and 发货时间 2026-11-14 09:25:19, Shanghai time.
    assert order.success_at == dt.datetime(2026, 11, 18, 8, 25, 19, tzinfo=UTC)
    shipment = order.shipments.get()
    assert shipment.shipped_at == dt.datetime(2026, 11, 14, 1, 25, 19, tzinfo=UTC)
    assert (shipment.sign_precision, shipment.signed_at, shipment.signed_on) == (
        SignPrecision.NONE,
        None,
        None,
    )
    # Not one of the 34 confirmed orders got a sign-in from its confirmation.
    confirmed = Shipment.objects.filter(order__shop=shop, order__success_at__isnull=False)
    assert confirmed.count() == 34
    assert set(confirmed.values_list("sign_precision", "signed_at", "signed_on")) == {
        ("none", None, None)
    }


def test_the_sample_s_confirmation_is_no_sign_in_either(shop):
    run_import(shop, ORDERS_SAMPLE, ITEMS_SAMPLE)

    shipments = Shipment.objects.filter(order__shop=shop, order__success_at__isnull=False)
    assert shipments.count() == 34
    assert set(shipments.values_list("sign_precision", "signed_at", "signed_on")) == {
        ("none", None, None)
    }


@pytest.mark.parametrize("version", ["newer", "tmall"])
def test_the_seller_s_memo_is_read_from_either_column(version, shop):
    run_import(shop, orders_file(version))

    notes = dict(
        Order.objects.filter(shop=shop)
        .exclude(seller_note="")
        .values_list("order_no", "seller_note")
    )
    assert notes == {MEMO_BOTH: "加急，顺丰优先", MEMO_ONLY: "赠品：袜子一双"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_tmall_amounts_written_with_their_unit_are_read(fmt, shop):
    run_import(shop, orders_file("tmall", fmt))

    order = Order.objects.get(shop=shop, order_no="4110804066827487927")
    assert (order.goods_total, order.freight_paid, order.amount_paid) == (
        Decimal("378.00"),
        Decimal("12.00"),
        Decimal("390.00"),
    )


def test_the_main_order_number_is_not_the_order_s_number(shop):
    # 4188614411571564651 was paid together with 4188019615896476325 (its 主订单编号).
    run_import(shop, orders_file("newer"), items_file("newer"))

    merged = Order.objects.get(shop=shop, order_no="4188614411571564651")
    assert merged.lines.count() == 1
    assert Order.objects.get(shop=shop, order_no="4188019615896476325").lines.count() == 2


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_older_export_leaves_out_what_it_does_not_carry(fmt, shop):
    run_import(shop, orders_file("older", fmt), items_file("older", fmt))

    order = Order.objects.get(shop=shop, order_no="4110804066827487927")
    assert order.paid_at == dt.datetime(2026, 11, 12, 23, 25, tzinfo=UTC)  # 2026/11/13 7:25
    assert order.success_at is None
    assert order.status == "success"
    shipment = order.shipments.get()
    assert (shipment.waybill_no, shipment.carrier.code) == ("77956997616807", "sto")
    assert (shipment.shipped_at, shipment.sign_precision) == (None, "none")
    assert list(order.lines.values_list("sku_code", "amount_paid")) == [("", Decimal("378.00"))]


def test_a_newer_export_after_an_older_one_adds_what_the_older_lacked(shop, sample):
    run_import(shop, orders_file("older"), items_file("older"))

    report = run_import(shop, orders_file("newer"))

    # Every paid order (its payment time gains its seconds), and nothing is created.
    assert (report.orders_created, report.orders_updated, report.orders_unchanged) == (0, 58, 2)
    assert report.errors == []
    now = snapshot(shop)
    want = expected(sample, "newer")
    assert (now["orders"], now["shipments"]) == (want["orders"], want["shipments"])


def test_an_older_export_after_a_newer_one_keeps_what_it_does_not_carry(shop):
    run_import(shop, orders_file("newer"))

    run_import(shop, orders_file("older"))

    # The older export has no 确认收货时间 and no 发货时间: it does not say they did not happen.
    order = Order.objects.get(shop=shop, order_no="4110804066827487927")
    assert order.success_at == dt.datetime(2026, 11, 18, 8, 25, 19, tzinfo=UTC)
    assert order.shipments.get().shipped_at == dt.datetime(2026, 11, 14, 1, 25, 19, tzinfo=UTC)
    assert Order.objects.filter(shop=shop, success_at__isnull=False).count() == 34


# --- columns -------------------------------------------------------------------------------


def test_only_the_required_columns_are_needed(shop, tmp_path):
    rows = read_rows(orders_file("newer"))
    keep = [rows[0].index(c) for c in importers.ORDER_COLUMNS_REQUIRED]
    path = tmp_path / "minimal.csv"
    path.write_bytes(csv_bytes([[row[i] for i in keep] for row in rows]))

    report = run_import(shop, path, items_file("newer"))

    assert (report.orders_created, report.lines_created, report.errors) == (60, 90, [])
    order = Order.objects.get(shop=shop, order_no="4110804066827487927")
    assert (order.status, order.amount_paid, order.buyer_nick) == (
        "success",
        Decimal("390.00"),
        "tb1672766",
    )
    assert order.created_at == dt.datetime(2026, 11, 12, 23, 19, tzinfo=UTC)
    assert (order.receiver_name, order.receiver_phone, order.street) == ("", "", "")
    assert (order.paid_at, order.success_at, order.seller_note) == (None, None, "")
    assert not Shipment.objects.exists()
    assert OrderLine.objects.get(order=order).amount_paid == Decimal("378.00")


def test_the_amount_paid_under_its_newer_name_is_found(shop, sample, tmp_path):
    rows = read_rows(ORDERS_SAMPLE)
    rows[0][rows[0].index("买家实际支付金额")] = "买家实付金额"
    path = tmp_path / "renamed.csv"
    path.write_bytes(csv_bytes(rows))

    report = run_import(shop, path, ITEMS_SAMPLE)

    assert (report.orders_created, report.errors) == (60, [])
    assert snapshot(shop) == sample


def test_a_file_without_required_columns_is_refused_whole_naming_them(shop, tmp_path):
    rows = read_rows(orders_file("newer"))
    drop = {rows[0].index("买家会员名"), rows[0].index("订单状态"), rows[0].index("发货时间")}
    path = tmp_path / "ExportOrderList.csv"
    path.write_bytes(csv_bytes([[c for i, c in enumerate(row) if i not in drop] for row in rows]))

    report = run_import(shop, path, items_file("newer"))

    assert report.errors == [
        RowError(
            "ExportOrderList.csv",
            1,
            "",
            "missing_columns",
            "缺少必需的列：买家会员名、订单状态。整个文件未导入。",
            ("买家会员名", "订单状态"),
        )
    ]
    # Neither file was read: without the orders every item row would be an error of its own.
    assert (report.rows_read, report.orders_created, report.lines_created) == (0, 0, 0)
    assert not Order.objects.exists()
