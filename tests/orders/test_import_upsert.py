"""order_upsert_many: the structured way in (the REST API), with the same rules as the files."""

import datetime as dt
from decimal import Decimal

from aftersales.orders.models import Order, OrderLine, SevenDayExclusion, Shipment
from aftersales.orders.services import (
    MSG_LINE_AMOUNT_PARTIAL,
    MSG_LINES_AMOUNT_MISMATCH,
    RowError,
    order_upsert_many,
)
from tests.factories import ProductFactory

NOW = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def an_order(**changes) -> dict:
    order = {
        "order_no": "4200000000000000001",
        "buyer_nick": "tb0000001",
        "receiver_name": "张三",
        "receiver_phone": "13812345678",
        "province": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
        "street": "文三路 1号",
        "postal_code": "310012",
        "status": "wait_seller_send",
        "goods_total": Decimal("30.00"),
        "freight_paid": Decimal("0.00"),
        "amount_paid": Decimal("28.00"),
        "buyer_message": "",
        "seller_note": "",
        "created_at": dt.datetime(2026, 11, 11, 0, 1, tzinfo=SHANGHAI),
        "paid_at": dt.datetime(2026, 11, 11, 0, 2, tzinfo=SHANGHAI),
        "success_at": None,
        "carrier_name": "",
        "waybill_no": "",
        "shipped_at": None,
        "lines": [
            {
                "title": "袜子",
                "sku_code": "WZ-1",
                "sku_properties": "颜色:黑",
                "unit_price": Decimal("10.00"),
                "quantity": 1,
            },
            {
                "title": "袜子",
                "sku_code": "WZ-2",
                "sku_properties": "颜色:白",
                "unit_price": Decimal("10.00"),
                "quantity": 1,
            },
            {
                "title": "袜子",
                "sku_code": "WZ-3",
                "sku_properties": "颜色:灰",
                "unit_price": Decimal("10.00"),
                "quantity": 1,
            },
        ],
    }
    return order | changes


def test_an_order_with_lines_is_created_and_the_paid_amount_split(shop):
    report = order_upsert_many(shop=shop, actor=None, orders=[an_order()], now=NOW)

    assert report.as_dict() == {
        "complete": True,
        "interrupted": None,
        "orders_created": 1,
        "orders_updated": 0,
        "orders_unchanged": 0,
        "lines_created": 3,
        "rows_read": 1,
        "errors": [],
    }
    order = Order.objects.get(shop=shop, order_no="4200000000000000001")
    assert order.created_at == dt.datetime(2026, 11, 10, 16, 1, tzinfo=dt.UTC)
    # 28.00 over three equal lines: the cent left over goes to the last.
    assert list(order.lines.values_list("line_no", "amount_paid")) == [
        (1, Decimal("9.33")),
        (2, Decimal("9.33")),
        (3, Decimal("9.34")),
    ]


def test_line_amounts_given_for_every_line_are_kept(shop):
    lines = an_order()["lines"]
    for line, amount in zip(lines, ["10.00", "10.00", "8.00"], strict=True):
        line["amount_paid"] = Decimal(amount)

    order_upsert_many(shop=shop, actor=None, orders=[an_order(lines=lines)], now=NOW)

    assert list(OrderLine.objects.values_list("amount_paid", flat=True)) == [
        Decimal("10.00"),
        Decimal("10.00"),
        Decimal("8.00"),
    ]


def test_keys_left_out_take_their_defaults(shop):
    order = an_order()
    for key in ("receiver_phone", "seller_note", "success_at", "shipped_at", "waybill_no"):
        del order[key]
    del order["lines"][0]["sku_properties"]

    report = order_upsert_many(shop=shop, actor=None, orders=[order], now=NOW)

    assert report.errors == []
    assert Order.objects.get().receiver_phone == ""


def test_an_invalid_order_is_refused_whole_and_the_others_kept(shop):
    naive = dt.datetime(2026, 11, 11)  # noqa: DTZ001 - the mistake under test
    bad = an_order(order_no="4200000000000000002", goods_total=30.0, paid_at=naive)
    bad["lines"][1]["quantity"] = 0

    report = order_upsert_many(shop=shop, actor=None, orders=[an_order(), bad], now=NOW)

    assert report.errors == [
        RowError("", 2, "goods_total", "invalid_money", "类型不正确。"),
        RowError("", 2, "paid_at", "naive_datetime", "时间必须带时区。"),
        RowError("", 2, "lines[1].quantity", "invalid_quantity", "购买数量应为正整数：0"),
    ]
    assert list(Order.objects.values_list("order_no", flat=True)) == ["4200000000000000001"]
    assert OrderLine.objects.count() == 3


def test_sending_the_same_orders_again_changes_nothing(shop):
    order_upsert_many(
        shop=shop, actor=None, orders=[an_order(waybill_no="YT1", carrier_name="圆通速递")], now=NOW
    )

    report = order_upsert_many(
        shop=shop, actor=None, orders=[an_order(waybill_no="YT1", carrier_name="圆通速递")], now=NOW
    )

    assert (report.orders_unchanged, report.orders_updated, report.lines_created) == (1, 0, 0)
    assert Shipment.objects.count() == 1
    assert OrderLine.objects.count() == 3


def test_a_later_state_updates_the_order_and_its_shipment(shop):
    order_upsert_many(shop=shop, actor=None, orders=[an_order()], now=NOW)
    shipped_at = dt.datetime(2026, 11, 12, 9, 0, tzinfo=SHANGHAI)

    report = order_upsert_many(
        shop=shop,
        actor=None,
        orders=[
            an_order(
                status="wait_buyer_confirm",
                seller_note="已发顺丰",
                carrier_name="顺丰速运",
                waybill_no="SF100",
                shipped_at=shipped_at,
            )
        ],
        now=NOW,
    )

    assert (report.orders_updated, report.orders_unchanged) == (1, 0)
    order = Order.objects.get()
    assert (order.status, order.seller_note) == ("wait_buyer_confirm", "已发顺丰")
    assert list(order.shipments.values_list("carrier__code", "waybill_no", "shipped_at")) == [
        ("sf", "SF100", dt.datetime(2026, 11, 12, 1, 0, tzinfo=dt.UTC))
    ]


def test_different_lines_for_an_order_that_has_lines_are_refused(shop):
    order_upsert_many(shop=shop, actor=None, orders=[an_order()], now=NOW)
    changed = an_order()
    changed["lines"] = changed["lines"][:2]

    report = order_upsert_many(shop=shop, actor=None, orders=[changed], now=NOW)

    assert [(e.row, e.field, e.code) for e in report.errors] == [(1, "lines", "lines_conflict")]
    assert OrderLine.objects.count() == 3


def test_the_same_order_twice_in_one_call_is_written_once(shop):
    report = order_upsert_many(shop=shop, actor=None, orders=[an_order(), an_order()], now=NOW)

    assert [(e.row, e.field, e.code) for e in report.errors] == [(2, "order_no", "duplicate_order")]
    assert (report.orders_created, report.lines_created) == (1, 3)


def test_a_product_marked_ineligible_marks_the_line(shop):
    ProductFactory(
        shop=shop,
        sku_code="WZ-2",
        seven_day_eligible=False,
        seven_day_exclusion=SevenDayExclusion.CUSTOM_MADE,
        seven_day_exclusion_note="刻字定制",
        warranty_months=3,
    )

    order_upsert_many(shop=shop, actor=None, orders=[an_order()], now=NOW)

    assert list(
        OrderLine.objects.values_list(
            "sku_code", "seven_day_eligible", "seven_day_exclusion", "seven_day_exclusion_note",
            "warranty_months",
        )
    ) == [
        ("WZ-1", True, "", "", 0),
        ("WZ-2", False, "custom_made", "刻字定制", 3),
        ("WZ-3", True, "", "", 0),
    ]  # fmt: skip


# --- lines add up to what was paid -------------------------------------------------------------


def _with_amounts(order: dict, *amounts: str | None) -> dict:
    for line, amount in zip(order["lines"], amounts, strict=True):
        if amount is not None:
            line["amount_paid"] = Decimal(amount)
    return order


def test_line_amounts_that_do_not_add_up_refuse_the_order_and_write_nothing_of_it(shop):
    bad = _with_amounts(an_order(), "10.00", "10.00", "9.00")  # 29.00 for 28.00 paid
    good = an_order(order_no="4200000000000000002")

    report = order_upsert_many(shop=shop, actor=None, orders=[bad, good], now=NOW)

    message = MSG_LINES_AMOUNT_MISMATCH % {"lines": "29.00", "goods": "28.00"}
    assert (
        str(message)
        == "各明细实付金额合计 29.00 元，与订单实付货款 28.00 元（实付金额减邮费）不符。"
    )
    assert report.errors == [RowError("", 1, "lines", "lines_amount_mismatch", str(message))]
    assert list(Order.objects.values_list("order_no", flat=True)) == ["4200000000000000002"]
    assert (report.orders_created, report.lines_created, OrderLine.objects.count()) == (1, 3, 3)


def test_line_amounts_add_up_to_what_was_paid_less_the_freight(shop):
    order = _with_amounts(
        an_order(amount_paid=Decimal("34.00"), freight_paid=Decimal("6.00")),
        "10.00",
        "10.00",
        "8.00",
    )

    report = order_upsert_many(shop=shop, actor=None, orders=[order], now=NOW)

    assert report.errors == []
    assert list(OrderLine.objects.values_list("amount_paid", flat=True)) == [
        Decimal("10.00"),
        Decimal("10.00"),
        Decimal("8.00"),
    ]


def test_line_amounts_that_include_the_freight_are_refused(shop):
    order = _with_amounts(
        an_order(amount_paid=Decimal("34.00"), freight_paid=Decimal("6.00")),
        "12.00",
        "12.00",
        "10.00",
    )

    report = order_upsert_many(shop=shop, actor=None, orders=[order], now=NOW)

    assert [(e.field, e.code) for e in report.errors] == [("lines", "lines_amount_mismatch")]
    assert not Order.objects.exists()


def test_an_unpaid_order_s_given_line_amounts_must_be_zero(shop):
    unpaid = an_order(amount_paid=Decimal("0.00"), freight_paid=Decimal("6.00"))
    paid_lines = _with_amounts(unpaid, "10.00", "10.00", "8.00")
    zero_lines = _with_amounts(
        an_order(
            order_no="4200000000000000002",
            amount_paid=Decimal("0.00"),
            freight_paid=Decimal("6.00"),
        ),
        "0.00",
        "0.00",
        "0.00",
    )

    report = order_upsert_many(shop=shop, actor=None, orders=[paid_lines, zero_lines], now=NOW)

    assert [(e.row, e.message) for e in report.errors] == [
        (1, str(MSG_LINES_AMOUNT_MISMATCH % {"lines": "28.00", "goods": "0.00"}))
    ]
    assert list(Order.objects.values_list("order_no", flat=True)) == ["4200000000000000002"]


def test_line_amounts_given_for_some_lines_only_are_refused(shop):
    order = _with_amounts(an_order(), "20.00", None, None)

    report = order_upsert_many(shop=shop, actor=None, orders=[order], now=NOW)

    assert report.errors == [
        RowError("", 1, "lines[1].amount_paid", "line_amount_partial", str(MSG_LINE_AMOUNT_PARTIAL))
    ]
    assert str(MSG_LINE_AMOUNT_PARTIAL) == "明细的实付金额要么每项都填，要么都不填。"
    assert not Order.objects.exists()


def test_an_update_whose_line_amounts_do_not_add_up_changes_nothing(shop):
    order_upsert_many(shop=shop, actor=None, orders=[an_order()], now=NOW)
    update = _with_amounts(an_order(status="success"), "10.00", "10.00", "10.00")

    report = order_upsert_many(shop=shop, actor=None, orders=[update], now=NOW)

    assert [(e.field, e.code) for e in report.errors] == [("lines", "lines_amount_mismatch")]
    assert (report.orders_updated, report.orders_unchanged) == (0, 0)
    assert Order.objects.get().status == "wait_seller_send"
