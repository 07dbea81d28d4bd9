"""Importing the seller centre's order and item reports: the sample files as they are, the
same content as UTF-8 and XLSX, bad rows, re-imports and later exports."""

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from aftersales.core.models import Carrier
from aftersales.orders import importers, services
from aftersales.orders.models import Order, OrderLine, SevenDayExclusion, Shipment
from aftersales.orders.services import ImportReport, RowError, order_import_files
from tests.factories import CarrierFactory, ProductFactory, ShopFactory

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
ORDERS_SAMPLE = SAMPLES / "ExportOrderList_sample.csv"
ITEMS_SAMPLE = SAMPLES / "ExportOrderDetailList_sample.csv"
NOW = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)
UTC = dt.UTC
ZERO = Decimal("0.00")


def run_import(shop, orders, items=None, **kwargs) -> ImportReport:
    return order_import_files(
        shop=shop, actor=None, orders_file=orders, items_file=items, now=NOW, **kwargs
    )


def sample_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("gb18030"), newline="")))


def csv_bytes(rows: list[list[str]], encoding: str = "gb18030") -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def edited(path: Path, changes: dict[tuple[str, str], str]) -> list[list[str]]:
    """The sample's rows with cells replaced, keyed by (order number, column)."""
    rows = sample_rows(path)
    header = rows[0]
    for row in rows[1:]:
        order_no = importers.unwrap(row[0])
        for (no, column), value in changes.items():
            if no == order_no:
                row[header.index(column)] = value
    return rows


def write(tmp_path: Path, name: str, rows: list[list[str]], encoding: str = "gb18030") -> Path:
    path = tmp_path / name
    path.write_bytes(csv_bytes(rows, encoding))
    return path


def snapshot(shop) -> dict:
    """Everything the import wrote for a shop, without ids, so two shops can be compared."""
    order_fields = [
        f.name for f in Order._meta.concrete_fields if f.name not in {"id", "shop", "imported_at"}
    ]
    line_fields = [f.name for f in OrderLine._meta.concrete_fields if f.name not in {"id", "order"}]
    return {
        "orders": list(Order.objects.filter(shop=shop).order_by("order_no").values(*order_fields)),
        "lines": list(
            OrderLine.objects.filter(order__shop=shop)
            .order_by("order__order_no", "line_no")
            .values("order__order_no", *line_fields)
        ),
        "shipments": list(
            Shipment.objects.filter(order__shop=shop)
            .order_by("order__order_no")
            .values("order__order_no", "direction", "carrier__code", "waybill_no", "shipped_at")
        ),
    }


# --- the sample files as they are ---------------------------------------------------------


def test_sample_files_import_as_they_are(shop):
    report = run_import(shop, ORDERS_SAMPLE, ITEMS_SAMPLE)

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
    assert Order.objects.filter(shop=shop).count() == 60
    assert OrderLine.objects.filter(order__shop=shop).count() == 90
    assert Shipment.objects.filter(order__shop=shop, direction="outbound").count() == 49
    assert Order.objects.filter(shop=shop, status="success").count() == 34
    assert Order.objects.filter(shop=shop, status="wait_buyer_confirm").count() == 15
    assert Order.objects.filter(shop=shop, status="closed").count() == 6
    assert Order.objects.filter(shop=shop, status="wait_seller_send").count() == 5
    assert sorted(Carrier.objects.values_list("code", flat=True)) == [
        "jt",
        "post",
        "sf",
        "sto",
        "yd",
        "yto",
        "zto",
    ]


def test_sample_unpaid_closed_order_fields(shop):
    run_import(shop, ORDERS_SAMPLE, ITEMS_SAMPLE)

    order = Order.objects.get(shop=shop, order_no="4164111318168545451")
    assert order.buyer_nick == "tb9277271"
    assert order.receiver_name == "刘娟"
    assert order.receiver_phone == "17382896655"
    assert (order.province, order.city, order.district) == ("西藏自治区", "阿里地区", "噶尔县")
    assert order.street == "狮泉河镇 文化路 3号"
    assert order.postal_code == "859400"
    assert order.status == "closed"
    assert order.goods_total == Decimal("378.00")
    assert order.freight_paid == Decimal("10.00")
    assert order.amount_paid == Decimal("0.00")
    # 2026-10-30 14:40 in Shanghai is 06:40 UTC.
    assert order.created_at == dt.datetime(2026, 10, 30, 6, 40, tzinfo=UTC)
    assert order.created_at.utcoffset() == dt.timedelta(0)
    assert order.paid_at is None
    assert order.success_at is None
    assert list(order.shipments.all()) == []
    line = order.lines.get()
    assert (line.line_no, line.title, line.sku_code) == (1, "高腰直筒牛仔裤 女 秋冬款", "NZK-27")
    assert line.sku_properties == "颜色分类:深蓝;尺码:27"
    assert (line.unit_price, line.quantity) == (Decimal("189.00"), 2)
    # Nothing was paid, so nothing was paid for the line either.
    assert line.amount_paid == Decimal("0.00")


def test_sample_successful_order_has_its_waybill_and_times(shop):
    run_import(shop, ORDERS_SAMPLE, ITEMS_SAMPLE)

    order = Order.objects.get(shop=shop, order_no="4110804066827487927")
    assert order.status == "success"
    assert order.buyer_message == "不要放快递柜，谢谢"
    assert order.paid_at == dt.datetime(2026, 11, 12, 23, 25, 19, tzinfo=UTC)
    assert order.success_at == dt.datetime(2026, 11, 18, 8, 25, 19, tzinfo=UTC)
    shipment = order.shipments.get()
    assert shipment.direction == "outbound"
    assert shipment.waybill_no == "77956997616807"
    assert (shipment.carrier.code, shipment.carrier.name) == ("sto", "申通快递")
    assert shipment.shipped_at is None
    assert shipment.sign_precision == "none"
    sf = Order.objects.get(shop=shop, order_no="4108396831680516982").shipments.get()
    assert (sf.waybill_no, sf.carrier.code) == ("SF9870258565754", "sf")


def test_sample_multi_line_order_lines_in_file_order(shop):
    run_import(shop, ORDERS_SAMPLE, ITEMS_SAMPLE)

    order = Order.objects.get(shop=shop, order_no="4188019615896476325")
    assert order.street == "解特阿热勒乡 团结路 12号"
    assert list(order.lines.values_list("line_no", "sku_code", "quantity", "amount_paid")) == [
        (1, "WZ-10", 10, Decimal("99.00")),
        (2, "SX-QC5", 2, Decimal("79.80")),
    ]


def test_sample_line_amounts_add_up_to_the_goods_paid(shop):
    run_import(shop, ORDERS_SAMPLE, ITEMS_SAMPLE)

    for order in Order.objects.filter(shop=shop).prefetch_related("lines"):
        goods_paid = max(order.amount_paid - order.freight_paid, Decimal("0.00"))
        assert sum(line.amount_paid for line in order.lines.all()) == goods_paid, order.order_no


def test_a_discount_is_split_across_lines_by_price_times_quantity(shop, tmp_path):
    # 99.00 + 79.80 = 178.80 of goods, of which the buyer paid 150.00 after a discount.
    orders = write(
        tmp_path,
        "orders.csv",
        edited(ORDERS_SAMPLE, {("4188019615896476325", "买家实际支付金额"): "150.00"}),
    )

    run_import(shop, orders, ITEMS_SAMPLE)

    order = Order.objects.get(shop=shop, order_no="4188019615896476325")
    assert list(order.lines.values_list("amount_paid", flat=True)) == [
        Decimal("83.05"),
        Decimal("66.95"),
    ]


def test_product_terms_at_sale_time_are_copied_to_the_line(shop):
    ProductFactory(
        shop=shop,
        sku_code="SX-QC5",
        seven_day_eligible=False,
        seven_day_exclusion=SevenDayExclusion.PERISHABLE,
        seven_day_exclusion_note="生鲜水果",
    )
    ProductFactory(shop=shop, sku_code="EJ-BT1", warranty_months=12)
    # Another shop's product of the same code says nothing about this shop's sales.
    ProductFactory(
        shop=ShopFactory(name="别家"),
        sku_code="WZ-10",
        seven_day_eligible=False,
        seven_day_exclusion=SevenDayExclusion.SHOP_MARKED,
    )

    run_import(shop, ORDERS_SAMPLE, ITEMS_SAMPLE)

    socks, orange = OrderLine.objects.filter(order__order_no="4188019615896476325").order_by(
        "line_no"
    )
    assert (orange.seven_day_eligible, orange.seven_day_exclusion) == (False, "perishable")
    assert orange.seven_day_exclusion_note == "生鲜水果"
    assert orange.warranty_months == 0
    assert (socks.seven_day_eligible, socks.seven_day_exclusion, socks.warranty_months) == (
        True,
        "",
        0,
    )
    headphones = OrderLine.objects.get(order__order_no="4104439660924004352")
    assert (headphones.sku_code, headphones.warranty_months) == ("EJ-BT1", 12)
    assert headphones.seven_day_eligible is True


def test_an_existing_carrier_is_reused_by_its_code(shop):
    yto = CarrierFactory(code="yto", name="圆通快递")

    run_import(shop, ORDERS_SAMPLE, ITEMS_SAMPLE)

    shipment = Order.objects.get(shop=shop, order_no="4128977815920521574").shipments.get()
    assert shipment.carrier == yto
    assert Carrier.objects.filter(code="yto").count() == 1


# --- the same content in other formats ------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_a_utf8_copy_imports_identically(encoding, shop, tmp_path):
    run_import(shop, ORDERS_SAMPLE, ITEMS_SAMPLE)
    other = ShopFactory(name="UTF-8 店")
    orders = write(tmp_path, "o.csv", sample_rows(ORDERS_SAMPLE), encoding)
    items = write(tmp_path, "i.csv", sample_rows(ITEMS_SAMPLE), encoding)

    report = run_import(other, orders, items)

    assert (report.orders_created, report.lines_created, report.errors) == (60, 90, [])
    assert snapshot(other) == snapshot(shop)


def _xlsx_value(column: str, text: str):
    """A cell as the seller centre's XLSX export holds it: numbers as numbers, times as
    times, the order number as plain text."""
    text = importers.unwrap(text)
    if column in {"买家应付货款", "买家应付邮费", "买家实际支付金额", "价格"} and text:
        return float(text)
    if column == "购买数量":
        return int(text)
    if column.endswith("时间") and text:
        return dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S")  # noqa: DTZ007 - sheet time
    return text


def xlsx_bytes(rows: list[list[str]], *, reverse_columns=False, extra_column=False) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    header = rows[0]
    order = list(range(len(header)))[:: -1 if reverse_columns else 1]
    sheet.append([header[i] for i in order] + (["自定义列"] if extra_column else []))
    for row in rows[1:]:
        cells = [_xlsx_value(header[i], row[i]) for i in order]
        sheet.append(cells + (["随便什么"] if extra_column else []))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_an_xlsx_copy_imports_identically(shop):
    run_import(shop, ORDERS_SAMPLE, ITEMS_SAMPLE)
    other = ShopFactory(name="XLSX 店")
    # The file names say .csv: the format is told from the content.
    orders = io.BytesIO(xlsx_bytes(sample_rows(ORDERS_SAMPLE)))
    orders.name = "ExportOrderList.csv"
    items = io.BytesIO(xlsx_bytes(sample_rows(ITEMS_SAMPLE)))

    report = run_import(other, orders, items)

    assert (report.orders_created, report.lines_created, report.errors) == (60, 90, [])
    assert snapshot(other) == snapshot(shop)


def test_columns_are_found_by_name_in_any_order_and_extra_ones_ignored(shop):
    run_import(shop, ORDERS_SAMPLE, ITEMS_SAMPLE)
    other = ShopFactory(name="乱序店")
    orders = io.BytesIO(
        xlsx_bytes(sample_rows(ORDERS_SAMPLE), reverse_columns=True, extra_column=True)
    )
    items = io.BytesIO(
        xlsx_bytes(sample_rows(ITEMS_SAMPLE), reverse_columns=True, extra_column=True)
    )

    report = run_import(other, orders, items)

    assert report.errors == []
    assert snapshot(other) == snapshot(shop)


def test_a_non_seekable_upload_is_read_too(shop):
    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes):
            self._data = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, buffer):
            chunk = self._data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    orders = io.BufferedReader(Pipe(xlsx_bytes(sample_rows(ORDERS_SAMPLE))))
    items = io.BufferedReader(Pipe(ITEMS_SAMPLE.read_bytes()))

    report = run_import(shop, orders, items)

    assert (report.orders_created, report.lines_created, report.errors) == (60, 90, [])


# --- importing again ----------------------------------------------------------------------


def test_importing_the_same_files_again_changes_nothing(shop):
    run_import(shop, ORDERS_SAMPLE, ITEMS_SAMPLE)
    before = snapshot(shop)

    report = run_import(shop, ORDERS_SAMPLE, ITEMS_SAMPLE)

    assert report.as_dict() == {
        "complete": True,
        "interrupted": None,
        "orders_created": 0,
        "orders_updated": 0,
        "orders_unchanged": 60,
        "lines_created": 0,
        "rows_read": 150,
        "errors": [],
    }
    assert snapshot(shop) == before
    assert Shipment.objects.count() == 49


def test_a_later_export_updates_status_success_time_and_waybill(shop, tmp_path):
    run_import(shop, ORDERS_SAMPLE, ITEMS_SAMPLE)
    later = write(
        tmp_path,
        "later.csv",
        edited(
            ORDERS_SAMPLE,
            {
                # Confirmed by the buyer since the first export.
                ("4188614411571564651", "订单状态"): "交易成功",
                ("4188614411571564651", "确认收货时间"): "2026-10-28 12:58:51",
                # Shipped since: a waybill appears.
                ("4139646585326384784", "订单状态"): "卖家已发货，等待买家确认",
                ("4139646585326384784", "物流单号"): "No:75000000000001",
                ("4139646585326384784", "物流公司"): "京东快递",
                # The seller corrected a mistyped waybill.
                ("4110804066827487927", "物流单号"): "No:77956997616899",
            },
        ),
    )

    report = run_import(shop, later, ITEMS_SAMPLE)

    assert report.as_dict() == {
        "complete": True,
        "interrupted": None,
        "orders_created": 0,
        "orders_updated": 3,
        "orders_unchanged": 57,
        "lines_created": 0,
        "rows_read": 150,
        "errors": [],
    }
    confirmed = Order.objects.get(shop=shop, order_no="4188614411571564651")
    assert confirmed.status == "success"
    assert confirmed.success_at == dt.datetime(2026, 10, 28, 4, 58, 51, tzinfo=UTC)
    shipped = Order.objects.get(shop=shop, order_no="4139646585326384784")
    assert shipped.status == "wait_buyer_confirm"
    assert list(shipped.shipments.values_list("waybill_no", "carrier__code")) == [
        ("75000000000001", "jd")
    ]
    corrected = Order.objects.get(shop=shop, order_no="4110804066827487927")
    assert list(corrected.shipments.values_list("waybill_no", flat=True)) == ["77956997616899"]
    assert Shipment.objects.count() == 50
    assert OrderLine.objects.count() == 90


def test_payment_after_the_first_import_resplits_the_lines(shop, tmp_path):
    unpaid = write(
        tmp_path,
        "unpaid.csv",
        edited(
            ORDERS_SAMPLE,
            {
                ("4188019615896476325", "订单状态"): "等待买家付款",
                ("4188019615896476325", "买家实际支付金额"): "0.00",
                ("4188019615896476325", "订单付款时间"): "",
                ("4188019615896476325", "物流单号"): "",
                ("4188019615896476325", "物流公司"): "",
                ("4188019615896476325", "确认收货时间"): "",
            },
        ),
    )
    run_import(shop, unpaid, ITEMS_SAMPLE)
    order = Order.objects.get(shop=shop, order_no="4188019615896476325")
    assert order.status == "wait_buyer_pay"
    assert list(order.lines.values_list("amount_paid", flat=True)) == [ZERO, ZERO]

    report = run_import(shop, ORDERS_SAMPLE, ITEMS_SAMPLE)

    assert (report.orders_updated, report.lines_created) == (1, 0)
    assert list(order.lines.values_list("amount_paid", flat=True)) == [
        Decimal("99.00"),
        Decimal("79.80"),
    ]


def test_orders_of_another_shop_are_not_touched(shop, other_shop):
    run_import(other_shop, ORDERS_SAMPLE, ITEMS_SAMPLE)

    report = run_import(shop, ORDERS_SAMPLE, ITEMS_SAMPLE)

    assert (report.orders_created, report.lines_created) == (60, 90)
    assert Order.objects.count() == 120


# --- bad rows and bad files ---------------------------------------------------------------


def test_bad_rows_are_reported_and_the_good_rows_kept(shop, tmp_path):
    orders = write(
        tmp_path,
        "ExportOrderList_bad.csv",
        edited(
            ORDERS_SAMPLE,
            {
                ("4110804066827487927", "买家实际支付金额"): "39O.00",  # letter O
                ("4128977815920521574", "订单创建时间"): "2026-11-31 23:42:00",
                ("4139646585326384784", "订单状态"): "已退款",
            },
        ),
    )
    item_rows = edited(ITEMS_SAMPLE, {})
    item_rows[5][3] = "0"  # row 6: the first of 4188019615896476325's two lines
    item_rows.append(
        ['="4999999999999999999"', "不存在的宝贝", "1.00", "1", "", "", "", "", "", ""]
    )
    items = write(tmp_path, "ExportOrderDetailList_bad.csv", item_rows)

    report = run_import(shop, orders, items)

    o, i = "ExportOrderList_bad.csv", "ExportOrderDetailList_bad.csv"
    assert report.errors == [
        RowError(o, 3, "买家实际支付金额", "invalid_money", "金额格式不正确：39O.00"),
        RowError(
            o,
            4,
            "订单创建时间",
            "invalid_datetime",
            "时间格式不正确：2026-11-31 23:42:00（应为 2026-11-11 08:00:00 这样的格式）",
        ),
        RowError(o, 5, "订单状态", "unknown_status", "无法识别的订单状态：已退款"),
        RowError(i, 3, "订单编号", "order_invalid", str(services.MSG_ORDER_ROW_INVALID)),
        RowError(i, 4, "订单编号", "order_invalid", str(services.MSG_ORDER_ROW_INVALID)),
        RowError(i, 5, "订单编号", "order_invalid", str(services.MSG_ORDER_ROW_INVALID)),
        RowError(i, 6, "购买数量", "invalid_quantity", "购买数量应为正整数：0"),
        RowError(i, 7, "订单编号", "lines_invalid", str(services.MSG_GROUP_ROW_INVALID)),
        RowError(i, 92, "订单编号", "order_not_found", str(services.MSG_ORDER_NOT_FOUND)),
    ]
    assert report.errors[0].message == importers.MSG_MONEY % {"value": "39O.00"}
    assert (report.orders_created, report.lines_created, report.rows_read) == (57, 85, 151)
    assert not Order.objects.filter(
        order_no__in=["4110804066827487927", "4128977815920521574", "4139646585326384784"]
    ).exists()
    # The order itself was fine; its lines were not, so it has none rather than half.
    assert not OrderLine.objects.filter(order__order_no="4188019615896476325").exists()
    assert report.as_dict()["errors"][0] == {
        "file": o,
        "row": 3,
        "field": "买家实际支付金额",
        "code": "invalid_money",
        "message": "金额格式不正确：39O.00",
    }


def test_fixing_the_file_and_importing_again_adds_what_was_missing(shop, tmp_path):
    orders = write(
        tmp_path, "o.csv", edited(ORDERS_SAMPLE, {("4139646585326384784", "订单状态"): "?"})
    )
    run_import(shop, orders, ITEMS_SAMPLE)

    report = run_import(shop, ORDERS_SAMPLE, ITEMS_SAMPLE)

    assert (report.orders_created, report.orders_unchanged, report.lines_created) == (1, 59, 1)
    assert report.errors == []


def test_item_rows_of_an_order_that_reappear_later_are_refused(shop, tmp_path):
    rows = sample_rows(ITEMS_SAMPLE)
    rows.append(rows.pop(6))  # 4188019615896476325's second line moves to the end
    items = write(tmp_path, "items.csv", rows)

    report = run_import(shop, ORDERS_SAMPLE, items)

    message = str(services.MSG_LINES_NOT_CONTIGUOUS)
    assert report.errors == [
        RowError("items.csv", 6, "订单编号", "lines_not_contiguous", message),
        RowError("items.csv", 91, "订单编号", "lines_not_contiguous", message),
    ]
    assert report.lines_created == 88
    assert not OrderLine.objects.filter(order__order_no="4188019615896476325").exists()


def test_item_rows_that_reappear_after_their_batch_was_written_are_refused(shop, tmp_path):
    rows = sample_rows(ITEMS_SAMPLE)
    rows.append(rows.pop(6))

    report = run_import(shop, ORDERS_SAMPLE, write(tmp_path, "items.csv", rows), batch_size=10)

    # The first run was already written when the second came; it is refused, never added.
    assert report.errors == [
        RowError("items.csv", 91, "订单编号", "lines_conflict", str(services.MSG_LINES_CONFLICT))
    ]
    assert list(
        OrderLine.objects.filter(order__order_no="4188019615896476325").values_list(
            "sku_code", "amount_paid"
        )
    ) == [("WZ-10", Decimal("178.80"))]


def test_an_order_number_twice_in_one_batch_is_reported(shop, tmp_path):
    rows = sample_rows(ORDERS_SAMPLE)
    rows.append(list(rows[1]))

    report = run_import(shop, write(tmp_path, "o.csv", rows))

    message = services.MSG_DUPLICATE_ORDER % {"row": 2}
    assert report.errors == [RowError("o.csv", 62, "订单编号", "duplicate_order", message)]
    assert report.orders_created == 60


def test_a_missing_required_column_is_one_error_for_the_whole_file(shop, tmp_path):
    rows = sample_rows(ORDERS_SAMPLE)
    rows[0][rows[0].index("订单状态")] = "状态"
    rows[0][rows[0].index("买家应付邮费")] = "邮费"
    rows[0][rows[0].index("收货地址")] = "地址"  # optional: not named

    report = run_import(shop, write(tmp_path, "o.csv", rows), ITEMS_SAMPLE)

    assert report.errors == [
        RowError(
            "o.csv",
            1,
            "",
            "missing_columns",
            "缺少必需的列：买家应付邮费、订单状态。整个文件未导入。",
            ("买家应付邮费", "订单状态"),
        )
    ]
    assert report.as_dict()["errors"][0]["columns"] == ["买家应付邮费", "订单状态"]
    assert (report.rows_read, report.orders_created, report.lines_created) == (0, 0, 0)
    assert not Order.objects.exists()


def test_a_missing_item_column_keeps_the_orders(shop, tmp_path):
    rows = sample_rows(ITEMS_SAMPLE)
    quantity = rows[0].index("购买数量")
    for row in rows:
        del row[quantity]

    report = run_import(shop, ORDERS_SAMPLE, write(tmp_path, "i.csv", rows))

    message = importers.MSG_MISSING_COLUMNS % {"columns": "购买数量"}
    assert report.errors == [RowError("i.csv", 1, "", "missing_columns", message, ("购买数量",))]
    assert (report.orders_created, report.lines_created) == (60, 0)


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        (b"", "empty_file", importers.MSG_FILE_EMPTY),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
            "xls_unsupported",
            importers.MSG_FILE_XLS,
        ),
        (b"PK\x03\x04not really a zip", "unreadable", importers.MSG_FILE_UNREADABLE),
    ],
)
def test_a_file_that_is_not_a_report_is_one_error(content, code, message, shop):
    report = run_import(shop, io.BytesIO(content))

    assert report.errors == [RowError("订单报表", 1, "", code, str(message))]
    assert not Order.objects.exists()


def test_a_file_that_stops_decoding_keeps_the_rows_before(shop, tmp_path):
    rows = sample_rows(ORDERS_SAMPLE)
    title = rows[0].index("宝贝标题")  # a column the import does not read
    # Row 62 makes the valid UTF-8 longer than the sniffed head; row 63 breaks after a while.
    long_row = list(rows[1])
    long_row[0], long_row[title] = '="4000000000000000001"', "长" * 30_000
    broken_row = list(rows[1])
    broken_row[0], broken_row[title] = '="4000000000000000002"', "x" * 10_000 + "BROKEN"
    path = tmp_path / "o.csv"
    path.write_bytes(
        csv_bytes([*rows, long_row, broken_row], "utf-8").replace(b"BROKEN", b"\xff\xfe")
    )

    report = run_import(shop, path)

    message = importers.MSG_FILE_DECODE % {"encoding": "utf-8"}
    assert report.errors == [RowError("o.csv", 63, "", "decode_error", message)]
    assert report.orders_created == 61
