"""An update never lowers money below what the refund ledger holds: a line's ``amount_paid``
stays at or above its pending and succeeded refunds, the order's ``freight_paid`` at or above
the freight they refund. Such a row is refused, the rest of the import goes on; on every write
path (the set-based one on PostgreSQL and the portable one), and whether it comes by file or
as structured orders."""

import datetime as dt
import threading
import time
import uuid
from decimal import Decimal

import pytest
from django.db import connection, transaction

from aftersales.orders import holds
from aftersales.orders.models import Order, OrderLine
from aftersales.orders.services import (
    MSG_FREIGHT_BELOW_HELD,
    MSG_LINE_BELOW_HELD,
    MSG_ORDER_ROW_INVALID,
    RowError,
    bulk,
    order_import_files,
    order_upsert_many,
)
from aftersales.returns.models import Refund, RefundStatus
from tests.factories import ledger_case
from tests.orders.test_import import ITEMS_SAMPLE, ORDERS_SAMPLE, edited, sample_rows, write
from tests.orders.test_import_upsert import an_order

NOW = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)
D = Decimal

# Two orders of the sample: socks and oranges at list price (99.00 + 79.80, no freight), and
# a pair of jeans (378.00 and 12.00 freight).
SOCKS_AND_ORANGES = "4188019615896476325"
JEANS = "4110804066827487927"
# Confirmed by the buyer in the later export of every test below.
CONFIRMED = "4188614411571564651"


@pytest.fixture(params=["native", "portable"])
def write_path(request, monkeypatch):
    """``native``: COPY and set-based statements on PostgreSQL (the portable path elsewhere);
    ``portable``: Django's bulk operations, on whichever database runs the tests."""
    if request.param == "portable":
        monkeypatch.setattr(bulk, "is_postgres", lambda: False)
    return request.param


def hold(line, amount="0.00", freight="0.00", status=RefundStatus.PENDING) -> Refund:
    """An entry of the refund ledger, as the ledger writes it."""
    settled = None if status == RefundStatus.PENDING else NOW
    return Refund.objects.create(
        shop_id=line.order.shop_id,
        case=ledger_case(line.order),
        order_line=line,
        amount=D(amount),
        freight_amount=D(freight),
        status=status,
        idempotency_key=str(uuid.uuid4()),
        request_fingerprint="test",
        created_at=NOW,
        settled_at=settled,
    )


def row_of(order_no: str) -> int:
    rows = sample_rows(ORDERS_SAMPLE)
    return next(i for i, row in enumerate(rows[1:], 2) if order_no in row[0])


def item_rows_of(order_no: str) -> list[int]:
    rows = sample_rows(ITEMS_SAMPLE)
    return [i for i, row in enumerate(rows[1:], 2) if order_no in row[0]]


def later_export(tmp_path, changes: dict[tuple[str, str], str]):
    """The sample exported again: CONFIRMED confirmed by its buyer, and ``changes``."""
    confirmed = {
        (CONFIRMED, "订单状态"): "交易成功",
        (CONFIRMED, "确认收货时间"): "2026-10-28 12:58:51",
    }
    return write(tmp_path, "later.csv", edited(ORDERS_SAMPLE, confirmed | changes))


def lines_of(order_no: str) -> list[Decimal]:
    return list(
        OrderLine.objects.filter(order__order_no=order_no)
        .order_by("line_no")
        .values_list("amount_paid", flat=True)
    )


@pytest.fixture
def imported(shop):
    order_import_files(
        shop=shop, actor=None, orders_file=ORDERS_SAMPLE, items_file=ITEMS_SAMPLE, now=NOW
    )
    assert lines_of(SOCKS_AND_ORANGES) == [D("99.00"), D("79.80")]
    return shop


def socks_line() -> OrderLine:
    return OrderLine.objects.get(order__order_no=SOCKS_AND_ORANGES, line_no=1)


# --- by file ---------------------------------------------------------------------------------


def test_a_paid_amount_lowered_below_a_line_s_refund_is_refused(imported, write_path, tmp_path):
    hold(socks_line(), "99.00")
    # 150.00 over 99.00 : 79.80 gives the socks 83.05, less than the 99.00 refunded.
    later = later_export(tmp_path, {(SOCKS_AND_ORANGES, "买家实际支付金额"): "150.00"})
    before = Order.objects.get(order_no=SOCKS_AND_ORANGES)

    report = order_import_files(shop=imported, actor=None, orders_file=later, now=NOW)

    message = MSG_LINE_BELOW_HELD % {"line": 1, "amount": "83.05", "held": "99.00"}
    assert str(message) == (
        "按本行金额，该订单第 1 项明细只分得 83.05 元，低于其已退或退款中的 99.00 元，本行未导入。"
    )
    assert report.errors == [
        RowError(
            "later.csv", row_of(SOCKS_AND_ORANGES), "买家实际支付金额", "amount_below_held", message
        )
    ]
    # The rest of the file is imported as ever.
    assert (report.orders_updated, report.orders_unchanged) == (1, 58)
    assert Order.objects.get(order_no=CONFIRMED).status == "success"
    after = Order.objects.get(order_no=SOCKS_AND_ORANGES)
    assert (
        (after.amount_paid, after.status)
        == (before.amount_paid, before.status)
        == (
            D("178.80"),
            "success",
        )
    )
    assert lines_of(SOCKS_AND_ORANGES) == [D("99.00"), D("79.80")]


def test_the_refused_order_s_item_rows_are_skipped(imported, write_path, tmp_path):
    hold(socks_line(), "99.00")
    later = later_export(tmp_path, {(SOCKS_AND_ORANGES, "买家实际支付金额"): "150.00"})

    report = order_import_files(
        shop=imported, actor=None, orders_file=later, items_file=ITEMS_SAMPLE, now=NOW
    )

    assert [(e.file, e.row, e.code) for e in report.errors] == [
        ("later.csv", row_of(SOCKS_AND_ORANGES), "amount_below_held"),
        *[
            ("ExportOrderDetailList_sample.csv", row, "order_invalid")
            for row in item_rows_of(SOCKS_AND_ORANGES)
        ],
    ]
    assert report.errors[-1].message == str(MSG_ORDER_ROW_INVALID)
    assert lines_of(SOCKS_AND_ORANGES) == [D("99.00"), D("79.80")]


def test_a_line_s_share_may_come_down_to_exactly_what_is_held(imported, write_path, tmp_path):
    hold(socks_line(), "83.05")
    hold(socks_line(), "1.00", status=RefundStatus.FAILED)  # holds nothing
    later = later_export(tmp_path, {(SOCKS_AND_ORANGES, "买家实际支付金额"): "150.00"})

    report = order_import_files(shop=imported, actor=None, orders_file=later, now=NOW)

    assert (report.errors, report.orders_updated) == ([], 2)
    assert Order.objects.get(order_no=SOCKS_AND_ORANGES).amount_paid == D("150.00")
    assert lines_of(SOCKS_AND_ORANGES) == [D("83.05"), D("66.95")]


def test_refunds_held_on_several_entries_add_up(imported, write_path, tmp_path):
    hold(socks_line(), "50.00", status=RefundStatus.SUCCEEDED)
    hold(socks_line(), "40.00")
    later = later_export(tmp_path, {(SOCKS_AND_ORANGES, "买家实际支付金额"): "150.00"})

    report = order_import_files(shop=imported, actor=None, orders_file=later, now=NOW)

    assert [(e.code, e.message) for e in report.errors] == [
        (
            "amount_below_held",
            MSG_LINE_BELOW_HELD % {"line": 1, "amount": "83.05", "held": "90.00"},
        )
    ]


def test_failed_refunds_hold_nothing(imported, write_path, tmp_path):
    hold(socks_line(), "99.00", status=RefundStatus.FAILED)
    later = later_export(tmp_path, {(SOCKS_AND_ORANGES, "买家实际支付金额"): "150.00"})

    report = order_import_files(shop=imported, actor=None, orders_file=later, now=NOW)

    assert (report.errors, report.orders_updated) == ([], 2)
    assert lines_of(SOCKS_AND_ORANGES) == [D("83.05"), D("66.95")]


def test_a_refund_on_another_line_does_not_hold_this_one(imported, write_path, tmp_path):
    oranges = OrderLine.objects.get(order__order_no=SOCKS_AND_ORANGES, line_no=2)
    hold(oranges, "66.95")
    later = later_export(tmp_path, {(SOCKS_AND_ORANGES, "买家实际支付金额"): "150.00"})

    report = order_import_files(shop=imported, actor=None, orders_file=later, now=NOW)

    assert report.errors == []
    assert lines_of(SOCKS_AND_ORANGES) == [D("83.05"), D("66.95")]


def test_freight_lowered_below_the_freight_refunded_is_refused(imported, write_path, tmp_path):
    jeans = OrderLine.objects.get(order__order_no=JEANS)
    hold(jeans, freight="12.00", status=RefundStatus.SUCCEEDED)
    # The freight goes down by 2.00 and so does the total: the line keeps its 378.00.
    later = later_export(
        tmp_path, {(JEANS, "买家应付邮费"): "10.00", (JEANS, "买家实际支付金额"): "388.00"}
    )

    report = order_import_files(shop=imported, actor=None, orders_file=later, now=NOW)

    message = MSG_FREIGHT_BELOW_HELD % {"freight": "10.00", "held": "12.00"}
    assert str(message) == "邮费 10.00 元低于该订单已退或退款中的运费 12.00 元，本行未导入。"
    assert report.errors == [
        RowError("later.csv", row_of(JEANS), "买家应付邮费", "freight_below_held", message)
    ]
    order = Order.objects.get(order_no=JEANS)
    assert (order.freight_paid, order.amount_paid) == (D("12.00"), D("390.00"))
    assert (report.orders_updated, report.orders_unchanged) == (1, 58)


def test_freight_may_come_down_to_exactly_the_freight_refunded(imported, write_path, tmp_path):
    jeans = OrderLine.objects.get(order__order_no=JEANS)
    hold(jeans, freight="10.00")
    later = later_export(
        tmp_path, {(JEANS, "买家应付邮费"): "10.00", (JEANS, "买家实际支付金额"): "388.00"}
    )

    report = order_import_files(shop=imported, actor=None, orders_file=later, now=NOW)

    assert report.errors == []
    assert Order.objects.get(order_no=JEANS).freight_paid == D("10.00")
    assert lines_of(JEANS) == [D("378.00")]


def test_freight_and_a_line_both_below_are_both_reported(imported, write_path, tmp_path):
    jeans = OrderLine.objects.get(order__order_no=JEANS)
    hold(jeans, "300.00", freight="12.00")
    later = later_export(
        tmp_path, {(JEANS, "买家应付邮费"): "0.00", (JEANS, "买家实际支付金额"): "200.00"}
    )

    report = order_import_files(shop=imported, actor=None, orders_file=later, now=NOW)

    assert [(e.row, e.field, e.code) for e in report.errors] == [
        (row_of(JEANS), "买家应付邮费", "freight_below_held"),
        (row_of(JEANS), "买家实际支付金额", "amount_below_held"),
    ]
    assert Order.objects.get(order_no=JEANS).amount_paid == D("390.00")


def test_raising_the_paid_amount_is_never_refused(imported, write_path, tmp_path):
    hold(socks_line(), "99.00")
    later = later_export(tmp_path, {(SOCKS_AND_ORANGES, "买家实际支付金额"): "200.00"})

    report = order_import_files(shop=imported, actor=None, orders_file=later, now=NOW)

    assert report.errors == []
    assert sum(lines_of(SOCKS_AND_ORANGES)) == D("200.00")
    assert lines_of(SOCKS_AND_ORANGES)[0] >= D("99.00")


def test_without_a_ledger_nothing_is_held(imported, write_path, tmp_path, monkeypatch):
    monkeypatch.setattr(holds, "_ledger", None)
    hold(socks_line(), "99.00")
    later = later_export(tmp_path, {(SOCKS_AND_ORANGES, "买家实际支付金额"): "150.00"})

    report = order_import_files(shop=imported, actor=None, orders_file=later, now=NOW)

    assert report.errors == []
    assert lines_of(SOCKS_AND_ORANGES) == [D("83.05"), D("66.95")]


# --- the hook itself -----------------------------------------------------------------------------


def test_the_returns_app_registers_its_ledger(imported):
    hold(socks_line(), "20.00", freight="3.00")
    hold(socks_line(), "5.00", status=RefundStatus.SUCCEEDED)
    hold(socks_line(), "70.00", status=RefundStatus.FAILED)
    order_id = socks_line().order_id

    held = holds.money_held([order_id])

    assert held == holds.Held({socks_line().pk: D("25.00")}, {order_id: D("3.00")})
    # It is SQL: usable as a subquery of another query.
    lines_held = OrderLine.objects.filter(
        pk__in=holds.money_held_query(Order.objects.filter(pk=order_id).values("pk")).values(
            "held_line_id"
        )
    )
    assert list(lines_held) == [socks_line()]


def test_a_ledger_must_point_at_order_lines(monkeypatch):
    monkeypatch.setattr(holds, "_ledger", holds._ledger)  # restored after the test

    with pytest.raises(ValueError, match="not a foreign key to OrderLine"):
        holds.register_money_held(
            Refund.objects.all(), line="shop", amount="amount", freight="freight_amount"
        )


# --- structured orders (the REST API) --------------------------------------------------------


def test_an_upsert_lowering_below_what_is_held_is_refused_and_the_rest_kept(shop, write_path):
    # 30.00 over three lines of 10.00; the third is refunded in full.
    order_upsert_many(shop=shop, actor=None, orders=[an_order(amount_paid=D("30.00"))], now=NOW)
    third = OrderLine.objects.get(line_no=3)
    hold(third, "10.00")
    other = an_order(order_no="4200000000000000002")

    report = order_upsert_many(
        shop=shop,
        actor=None,
        orders=[an_order(amount_paid=D("27.00"), status="success"), other],
        now=NOW,
    )

    assert report.errors == [
        RowError(
            "",
            1,
            "amount_paid",
            "amount_below_held",
            str(MSG_LINE_BELOW_HELD % {"line": 3, "amount": "9.00", "held": "10.00"}),
        )
    ]
    assert (report.orders_created, report.orders_updated, report.lines_created) == (1, 0, 3)
    order = Order.objects.get(order_no="4200000000000000001")
    assert (order.amount_paid, order.status) == (D("30.00"), "wait_seller_send")
    assert lines_of("4200000000000000001") == [D("10.00"), D("10.00"), D("10.00")]


def test_an_upsert_lowering_freight_below_what_is_held_is_refused(shop, write_path):
    order_upsert_many(
        shop=shop,
        actor=None,
        orders=[an_order(amount_paid=D("36.00"), freight_paid=D("6.00"))],
        now=NOW,
    )
    hold(OrderLine.objects.get(line_no=1), freight="6.00")

    report = order_upsert_many(
        shop=shop,
        actor=None,
        orders=[an_order(amount_paid=D("35.00"), freight_paid=D("5.00"))],
        now=NOW,
    )

    assert [(e.row, e.field, e.code) for e in report.errors] == [
        (1, "freight_paid", "freight_below_held")
    ]
    assert Order.objects.get().freight_paid == D("6.00")


def test_an_upsert_down_to_exactly_what_is_held_is_kept(shop, write_path):
    order_upsert_many(shop=shop, actor=None, orders=[an_order(amount_paid=D("30.00"))], now=NOW)
    hold(OrderLine.objects.get(line_no=3), "9.00")

    report = order_upsert_many(
        shop=shop, actor=None, orders=[an_order(amount_paid=D("27.00"))], now=NOW
    )

    assert (report.errors, report.orders_updated) == ([], 1)
    assert lines_of("4200000000000000001") == [D("9.00"), D("9.00"), D("9.00")]


def test_other_changes_of_an_order_with_money_held_go_through(shop, write_path):
    order_upsert_many(shop=shop, actor=None, orders=[an_order(amount_paid=D("30.00"))], now=NOW)
    hold(OrderLine.objects.get(line_no=3), "10.00")

    report = order_upsert_many(
        shop=shop,
        actor=None,
        orders=[an_order(amount_paid=D("30.00"), status="success", waybill_no="SF1")],
        now=NOW,
    )

    assert (report.errors, report.orders_updated) == ([], 1)
    assert Order.objects.get().status == "success"


# --- a refund recorded while the import runs (PostgreSQL row locks) -------------------------


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL row locks (select_for_update is a no-op on SQLite); "
    "set DATABASE_URL=postgres://… to run it",
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["native", "portable"])
def test_an_import_waits_for_a_refund_being_recorded_and_then_sees_it(shop, path, monkeypatch):
    """The refund ledger locks the order, then reads the line's amount and writes the refund.
    An import that read what is held before that refund committed would lower the line
    under it; the import locks the orders whose amounts move before it reads, so it waits,
    then sees the refund and refuses."""
    if path == "portable":
        monkeypatch.setattr(bulk, "is_postgres", lambda: False)
    order_upsert_many(shop=shop, actor=None, orders=[an_order(amount_paid=D("30.00"))], now=NOW)
    third = OrderLine.objects.select_related("order").get(line_no=3)
    locked, release = threading.Event(), threading.Event()
    reports = []

    def refund() -> None:
        try:
            with transaction.atomic():
                Order.objects.select_for_update().get(pk=third.order_id)
                hold(third, "10.00")
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    def reimport() -> None:
        try:
            orders = [an_order(amount_paid=D("27.00"))]
            reports.append(order_upsert_many(shop=shop, actor=None, orders=orders, now=NOW))
        finally:
            connection.close()

    refunding = threading.Thread(target=refund)
    refunding.start()
    assert locked.wait(30)
    importing = threading.Thread(target=reimport)
    importing.start()
    time.sleep(0.5)
    waited = importing.is_alive()
    release.set()
    refunding.join(30)
    importing.join(30)

    assert waited, "the import did not wait for the order's lock"
    [report] = reports
    assert [(e.field, e.code) for e in report.errors] == [("amount_paid", "amount_below_held")]
    assert lines_of("4200000000000000001") == [D("10.00"), D("10.00"), D("10.00")]
