"""Orders through the API: import (export files and JSON) by the roles that may, search, one
order with its buyer's contact masked, and opening the contact on the record."""

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest

from aftersales.accounts.models import ContactReveal
from aftersales.orders.models import Order, OrderLine, Shipment
from aftersales.returns.models import Refund
from tests.api import API, bearer_client, error_of, order_build, post_json
from tests.factories import OrderFactory, ShipmentFactory, UserFactory, ledger_case

# The seller centre's exports as they come (GBK, ="…" guards), shared with tests/orders.
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
ORDERS_CSV = SAMPLES / "ExportOrderList_sample.csv"
ITEMS_CSV = SAMPLES / "ExportOrderDetailList_sample.csv"
# One order of the sample: two pairs of jeans, shipped by STO, confirmed by the buyer.
JEANS = "4110804066827487927"


@pytest.fixture
def api(agent):
    return bearer_client(agent)


@pytest.fixture
def importer(supervisor):
    """A client that may import orders: the supervisor of the shop."""
    return bearer_client(supervisor)


@pytest.fixture
def socks(shop):
    order, _lines = order_build(shop=shop, buyer_nick="tb-alice", postal_code="310000")
    return order


# --- search ---------------------------------------------------------------------------------------


def test_search_by_order_number(api, socks):
    response = api.get(f"{API}/orders?q={socks.order_no}")

    assert response.status_code == 200
    assert [o["id"] for o in response.json()] == [socks.pk]


def test_search_by_buyer_nick_newest_first(api, shop, socks):
    newer = OrderFactory(
        shop=shop, buyer_nick="tb-alice", created_at=dt.datetime(2026, 11, 12, tzinfo=dt.UTC)
    )
    OrderFactory(shop=shop, buyer_nick="tb-bob")

    response = api.get(f"{API}/orders?q=tb-alice")

    assert [o["id"] for o in response.json()] == [newer.pk, socks.pk]


def test_search_by_waybill(api, socks):
    waybill = socks.shipments.get().waybill_no

    response = api.get(f"{API}/orders?q={waybill}")

    assert [o["id"] for o in response.json()] == [socks.pk]


def test_search_matches_whole_values_only(api, socks):
    response = api.get(f"{API}/orders?q={socks.order_no[:-1]}")

    assert response.json() == []


def test_search_with_an_empty_term_finds_nothing(api, socks):
    assert api.get(f"{API}/orders?q=").json() == []
    assert api.get(f"{API}/orders?q=%20%20").json() == []


def test_search_without_a_term_is_422_on_q(api, socks):
    response = api.get(f"{API}/orders")

    assert response.status_code == 422
    assert error_of(response)["field"] == "q"


def test_search_masks_the_contact(api, socks):
    [found] = api.get(f"{API}/orders?q={socks.order_no}").json()

    assert (found["receiver_phone"], found["street"]) == ("138****5678", "****")


# --- one order ------------------------------------------------------------------------------------


def test_get_order_masks_phone_and_street(api, shop, socks):
    line = socks.lines.get()
    shipment = socks.shipments.get()

    response = api.get(f"{API}/orders/{socks.pk}")

    assert response.status_code == 200
    assert response.json() == {
        "id": socks.pk,
        "shop_id": shop.pk,
        "order_no": socks.order_no,
        "buyer_nick": "tb-alice",
        "status": "success",
        "receiver_name": "张三",
        "receiver_phone": "138****5678",
        "province": "浙江省",
        "city": "杭州市",
        "district": "西湖区",
        "street": "****",
        "goods_total": "99.00",
        "freight_paid": "0.00",
        "amount_paid": "99.00",
        "created_at": "2026-11-10T02:00:00Z",
        "paid_at": "2026-11-10T02:01:00Z",
        "success_at": None,
        "lines": [
            {
                "id": line.pk,
                "line_no": 1,
                "title": "男士中筒袜子 10双装",
                "sku_code": "WZ-10",
                "sku_properties": "",
                "unit_price": "9.90",
                "quantity": 10,
                "amount_paid": "99.00",
                "seven_day_eligible": True,
                "seven_day_exclusion": "",
                "seven_day_exclusion_note": "",
                "warranty_months": 0,
            }
        ],
        "shipments": [
            {
                "id": shipment.pk,
                "direction": "outbound",
                "carrier": "圆通速递",
                "waybill_no": shipment.waybill_no,
                "sign_precision": "exact",
                "signed_at": "2026-11-12T02:00:00Z",
                "signed_on": None,
                "sign_source": "tracking",
                "sign_recorded_by_id": None,
                "sign_recorded_at": None,
            }
        ],
    }
    assert ContactReveal.objects.count() == 0


def test_get_order_lists_shipments_in_order_and_without_a_carrier(api, socks):
    ShipmentFactory(order=socks, direction="return", carrier=None, waybill_no="SF1")

    shipments = api.get(f"{API}/orders/{socks.pk}").json()["shipments"]

    assert [(s["direction"], s["carrier"]) for s in shipments] == [
        ("outbound", "圆通速递"),
        ("return", None),
    ]


def test_get_an_unknown_order_is_404(api, db):
    response = api.get(f"{API}/orders/999999")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


# --- opening the contact --------------------------------------------------------------------------


def test_an_agent_opens_the_contact_on_the_record(api, agent, socks):
    response = api.post(f"{API}/orders/{socks.pk}/contact")

    assert response.status_code == 200
    assert response.json() == {
        "receiver_name": "张三",
        "receiver_phone": "13812345678",
        "address": "浙江省 杭州市 西湖区 文三路 1号",
        "postal_code": "310000",
    }
    reveal = ContactReveal.objects.get()
    assert (reveal.user, reveal.order, reveal.via) == (agent, socks, "api")


def test_each_opening_leaves_its_own_row(api, socks):
    api.post(f"{API}/orders/{socks.pk}/contact")
    api.post(f"{API}/orders/{socks.pk}/contact")

    assert ContactReveal.objects.count() == 2


def test_a_packer_may_not_open_the_contact(shop, socks):
    packer = bearer_client(UserFactory(username="packer", roles=["packer"], shops=[shop]))

    response = packer.post(f"{API}/orders/{socks.pk}/contact")
    masked = packer.get(f"{API}/orders/{socks.pk}")

    assert response.status_code == 403
    assert error_of(response) == {
        "code": "permission_denied",
        "field": None,
        "message": "您的角色不能查看买家电话和地址。",
    }
    assert ContactReveal.objects.count() == 0
    assert masked.json()["receiver_phone"] == "138****5678"


# --- import from the seller centre's export files -------------------------------------------------


def _import(client, shop, orders: bytes | None = None, items: bytes | None = None):
    files = {
        "orders_file": io.BytesIO(orders if orders is not None else ORDERS_CSV.read_bytes()),
    }
    files["orders_file"].name = "ExportOrderList.csv"
    if items is not None:
        files["items_file"] = io.BytesIO(items)
        files["items_file"].name = "ExportOrderDetailList.csv"
    return client.post(f"{API}/orders/import", {"shop_id": shop.pk, **files})


def test_import_the_sample_exports(importer, shop):
    response = _import(importer, shop, items=ITEMS_CSV.read_bytes())

    assert response.status_code == 200
    assert response.json() == {
        "complete": True,
        "interrupted": None,
        "orders_created": 60,
        "orders_updated": 0,
        "orders_unchanged": 0,
        "lines_created": 90,
        "rows_read": 150,
        "errors": [],
    }
    jeans = Order.objects.get(shop=shop, order_no=JEANS)
    assert (jeans.buyer_nick, jeans.receiver_phone, jeans.status) == (
        "tb1672766",
        "17027522239",
        "success",
    )
    assert list(OrderLine.objects.filter(order=jeans).values_list("sku_code", "quantity")) == [
        ("NZK-27", 2)
    ]


def test_imported_orders_are_found_and_masked(importer, api, shop):
    _import(importer, shop, items=ITEMS_CSV.read_bytes())
    jeans = Order.objects.get(order_no=JEANS)
    waybill = Shipment.objects.get(order=jeans).waybill_no

    by_number = api.get(f"{API}/orders?q={JEANS}").json()
    by_nick = api.get(f"{API}/orders?q=tb1672766").json()
    by_waybill = api.get(f"{API}/orders?q={waybill}").json()
    detail = api.get(f"{API}/orders/{jeans.pk}").json()

    assert waybill == "77956997616807"
    assert [o["id"] for o in by_number] == [o["id"] for o in by_nick] == [jeans.pk]
    assert [o["id"] for o in by_waybill] == [jeans.pk]
    assert (detail["receiver_phone"], detail["street"]) == ("170****2239", "****")
    assert [(ln["sku_code"], ln["quantity"]) for ln in detail["lines"]] == [("NZK-27", 2)]
    assert [(s["carrier"], s["waybill_no"]) for s in detail["shipments"]] == [
        ("申通快递", "77956997616807")
    ]


def test_importing_again_changes_nothing(importer, shop):
    _import(importer, shop, items=ITEMS_CSV.read_bytes())

    again = _import(importer, shop, items=ITEMS_CSV.read_bytes())

    assert again.json()["orders_unchanged"] == 60
    assert (again.json()["orders_created"], again.json()["lines_created"]) == (0, 0)
    assert (Order.objects.count(), OrderLine.objects.count()) == (60, 90)


def test_a_file_that_is_not_an_export_is_reported(importer, shop):
    response = _import(importer, shop, orders=b"hello, world\n")

    assert response.status_code == 200
    body = response.json()
    assert (body["orders_created"], len(body["errors"])) == (0, 1)
    assert Order.objects.count() == 0


def test_import_without_the_orders_file_is_422(importer, shop):
    response = importer.post(f"{API}/orders/import", {"shop_id": shop.pk})

    assert response.status_code == 422
    assert error_of(response)["field"] == "orders_file"


# --- import as JSON -------------------------------------------------------------------------------


def _order(**changes):
    return {
        "order_no": "4100000000000000001",
        "buyer_nick": "tb-json",
        "receiver_name": "王五",
        "receiver_phone": "13900001111",
        "province": "上海",
        "city": "上海市",
        "district": "浦东新区",
        "street": "世纪大道 1号",
        "status": "wait_seller_send",
        "goods_total": "99.00",
        "freight_paid": "0.00",
        "amount_paid": "99.00",
        "created_at": "2026-11-10T10:00:00+08:00",
        "paid_at": "2026-11-10T10:01:00+08:00",
        "lines": [{"title": "袜子", "sku_code": "WZ-10", "unit_price": "9.90", "quantity": 10}],
        **changes,
    }


def test_upsert_creates_then_updates(importer, shop):
    created = post_json(importer, f"{API}/orders", {"shop_id": shop.pk, "orders": [_order()]})
    updated = post_json(
        importer,
        f"{API}/orders",
        {"shop_id": shop.pk, "orders": [_order(status="success", waybill_no="YT1")]},
    )

    assert created.status_code == 200
    assert created.json() == {
        "complete": True,
        "interrupted": None,
        "orders_created": 1,
        "orders_updated": 0,
        "orders_unchanged": 0,
        "lines_created": 1,
        "rows_read": 1,
        "errors": [],
    }
    assert (updated.json()["orders_updated"], updated.json()["lines_created"]) == (1, 0)
    order = Order.objects.get()
    assert (order.shop, order.status, order.amount_paid) == (shop, "success", Decimal("99.00"))
    assert list(order.lines.values_list("title", "amount_paid")) == [("袜子", Decimal("99.00"))]


def test_upsert_reports_a_bad_order_and_keeps_the_good(importer, shop):
    response = post_json(
        importer,
        f"{API}/orders",
        {
            "shop_id": shop.pk,
            "orders": [
                _order(order_no="4100000000000000002", created_at="2026-11-10T10:00:00"),
                _order(),
            ],
        },
    )

    assert response.status_code == 200
    body = response.json()
    assert body["orders_created"] == 1
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(1, "created_at")]
    assert list(Order.objects.values_list("order_no", flat=True)) == ["4100000000000000001"]


def test_upsert_with_a_body_that_does_not_validate_is_422(importer, shop):
    response = post_json(
        importer, f"{API}/orders", {"shop_id": shop.pk, "orders": [_order(goods_total="much")]}
    )

    assert response.status_code == 422
    assert error_of(response)["field"] == "orders.0.goods_total"
    assert Order.objects.count() == 0


def test_upsert_into_an_unknown_shop_is_404(importer, db):
    response = post_json(importer, f"{API}/orders", {"shop_id": 999999, "orders": [_order()]})

    assert response.status_code == 404
    assert Order.objects.count() == 0


def _xlsx(csv_path: Path) -> bytes:
    """The same report saved as XLSX, as a seller who opened it in Excel would send it: Excel
    keeps the value of the ``="…"`` guard, not the formula."""
    import csv

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    with csv_path.open(encoding="gbk", newline="") as f:
        for row in csv.reader(f):
            sheet.append([c[2:-1] if c.startswith('="') and c.endswith('"') else c for c in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_import_the_sample_exports_saved_as_xlsx(importer, shop):
    orders = io.BytesIO(_xlsx(ORDERS_CSV))
    orders.name = "ExportOrderList.xlsx"
    items = io.BytesIO(_xlsx(ITEMS_CSV))
    items.name = "ExportOrderDetailList.xlsx"

    response = importer.post(
        f"{API}/orders/import", {"shop_id": shop.pk, "orders_file": orders, "items_file": items}
    )

    assert response.status_code == 200
    assert response.json() == {
        "complete": True,
        "interrupted": None,
        "orders_created": 60,
        "orders_updated": 0,
        "orders_unchanged": 0,
        "lines_created": 90,
        "rows_read": 150,
        "errors": [],
    }
    assert Order.objects.get(order_no=JEANS).receiver_phone == "17027522239"


# --- who may import: role × endpoint --------------------------------------------------------------

# Both endpoints change orders, whose amounts cap every refund: supervisors and administrators
# only. A user of another shop finds no such shop.
IMPORT_TABLE = [
    ("administrator", 200),
    ("supervisor", 200),
    ("agent", 403),
    ("warehouse", 403),
    ("packer", 403),
]


def _client_as(shop, role):
    return bearer_client(UserFactory(username=f"{role}-x", roles=[role], shops=[shop]))


@pytest.mark.parametrize(("role", "status"), IMPORT_TABLE)
def test_importing_files_by_role(shop, role, status):
    response = _import(_client_as(shop, role), shop, items=ITEMS_CSV.read_bytes())

    assert response.status_code == status
    if status == 200:
        assert (response.json()["orders_created"], response.json()["errors"]) == (60, [])
    else:
        assert error_of(response) == {
            "code": "permission_denied",
            "field": None,
            "message": "您的角色不能导入或修改订单。",
        }
        assert Order.objects.count() == 0


@pytest.mark.parametrize(("role", "status"), IMPORT_TABLE)
def test_upserting_orders_by_role(shop, role, status):
    response = post_json(
        _client_as(shop, role), f"{API}/orders", {"shop_id": shop.pk, "orders": [_order()]}
    )

    assert response.status_code == status
    if status == 200:
        assert (response.json()["orders_created"], response.json()["errors"]) == (1, [])
    else:
        assert error_of(response)["code"] == "permission_denied"
        assert Order.objects.count() == 0


def test_an_outsider_cannot_import_into_the_shop(shop, outsider):
    client = bearer_client(outsider)  # a supervisor, of another shop

    files = _import(client, shop, items=ITEMS_CSV.read_bytes())
    orders = post_json(client, f"{API}/orders", {"shop_id": shop.pk, "orders": [_order()]})
    unknown = post_json(client, f"{API}/orders", {"shop_id": 999999, "orders": [_order()]})

    not_found = {"code": "not_found", "field": None, "message": "记录不存在。"}
    assert (files.status_code, orders.status_code, unknown.status_code) == (404, 404, 404)
    assert error_of(files) == error_of(orders) == error_of(unknown) == not_found
    assert Order.objects.count() == 0


def test_an_outsider_cannot_change_an_existing_order(importer, shop, outsider):
    post_json(importer, f"{API}/orders", {"shop_id": shop.pk, "orders": [_order()]})

    response = post_json(
        bearer_client(outsider),
        f"{API}/orders",
        {"shop_id": shop.pk, "orders": [_order(status="closed", amount_paid="0.00")]},
    )

    assert response.status_code == 404
    order = Order.objects.get()
    assert (order.status, order.amount_paid) == ("wait_seller_send", Decimal("99.00"))


# --- the amounts an upsert may write --------------------------------------------------------------


def test_line_amounts_that_do_not_add_up_are_refused(importer, shop):
    lines = [
        {"title": "袜子", "unit_price": "9.90", "quantity": 5, "amount_paid": "49.50"},
        {"title": "袜子", "unit_price": "9.90", "quantity": 5, "amount_paid": "59.50"},
    ]

    response = post_json(
        importer,
        f"{API}/orders",
        {
            "shop_id": shop.pk,
            "orders": [_order(lines=lines), _order(order_no="4100000000000000002")],
        },
    )

    assert response.status_code == 200
    assert response.json()["errors"] == [
        {
            "file": "",
            "row": 1,
            "field": "lines",
            "code": "lines_amount_mismatch",
            "message": "各明细实付金额合计 109.00 元，"
            "与订单实付货款 99.00 元（实付金额减邮费）不符。",
        }
    ]
    assert list(Order.objects.values_list("order_no", flat=True)) == ["4100000000000000002"]
    assert OrderLine.objects.count() == 1


def test_line_amounts_that_add_up_are_kept(importer, shop):
    lines = [
        {"title": "袜子", "unit_price": "9.90", "quantity": 5, "amount_paid": "40.00"},
        {"title": "袜子", "unit_price": "9.90", "quantity": 5, "amount_paid": "59.00"},
    ]

    response = post_json(
        importer, f"{API}/orders", {"shop_id": shop.pk, "orders": [_order(lines=lines)]}
    )

    assert response.json()["errors"] == []
    assert list(OrderLine.objects.values_list("amount_paid", flat=True)) == [
        Decimal("40.00"),
        Decimal("59.00"),
    ]


def test_an_update_may_not_lower_a_line_below_its_refunds(importer, shop):
    post_json(importer, f"{API}/orders", {"shop_id": shop.pk, "orders": [_order()]})
    line = OrderLine.objects.get()
    Refund.objects.create(
        shop=shop,
        case=ledger_case(line.order),
        order_line=line,
        amount=Decimal("90.00"),
        idempotency_key="r-1",
        request_fingerprint="test",
        created_at=dt.datetime(2026, 11, 12, tzinfo=dt.UTC),
    )

    response = post_json(
        importer,
        f"{API}/orders",
        {"shop_id": shop.pk, "orders": [_order(amount_paid="80.00", goods_total="80.00")]},
    )

    assert response.status_code == 200
    assert response.json()["errors"] == [
        {
            "file": "",
            "row": 1,
            "field": "amount_paid",
            "code": "amount_below_held",
            "message": "按本行金额，该订单第 1 项明细只分得 80.00 元，"
            "低于其已退或退款中的 90.00 元，本行未导入。",
        }
    ]
    assert (Order.objects.get().amount_paid, OrderLine.objects.get().amount_paid) == (
        Decimal("99.00"),
        Decimal("99.00"),
    )


# --- the sign-in ----------------------------------------------------------------------------------


def _sign_in_url(order, shipment=None):
    shipment = shipment or order.shipments.get()
    return f"{API}/orders/{order.pk}/shipments/{shipment.pk}/sign-in"


@pytest.fixture
def frozen(time_machine):
    from tests.api import NOW

    time_machine.move_to(NOW, tick=False)
    return NOW


def test_an_agent_corrects_the_sign_in_and_gets_the_parcel_with_its_log(api, agent, socks, frozen):
    shipment = socks.shipments.get()

    response = post_json(
        api,
        _sign_in_url(socks),
        {"precision": "exact", "signed_at": "2026-11-12T08:30:00+08:00", "note": "驿站签收记录"},
    )

    assert response.status_code == 200
    body = response.json()
    [change] = body.pop("sign_in_changes")
    assert body == {
        "id": shipment.pk,
        "direction": "outbound",
        "carrier": "圆通速递",
        "waybill_no": shipment.waybill_no,
        "sign_precision": "exact",
        "signed_at": "2026-11-12T00:30:00Z",
        "signed_on": None,
        "sign_source": "person",
        "sign_recorded_by_id": agent.pk,
        "sign_recorded_at": "2026-11-14T01:30:00Z",
        "sign_recorded_by": "agent",
    }
    assert change == {
        "id": change["id"],
        "before": {
            "precision": "exact",
            "at": "2026-11-12T02:00:00Z",
            "on": None,
            "source": "tracking",
        },
        "after": {
            "precision": "exact",
            "at": "2026-11-12T00:30:00Z",
            "on": None,
            "source": "person",
        },
        "actor_id": agent.pk,
        "actor": "agent",
        "at": "2026-11-14T01:30:00Z",
        "note": "驿站签收记录",
    }


def test_a_date_only_sign_in_from_the_tracking_and_the_order_shows_it(api, shop, frozen):
    order, _lines = order_build(shop=shop, signed_at=None)

    response = post_json(
        api,
        _sign_in_url(order),
        {"precision": "date", "signed_on": "2026-11-13", "source": "tracking"},
    )
    [shipment] = api.get(f"{API}/orders/{order.pk}").json()["shipments"]

    assert response.status_code == 200
    assert (shipment["sign_precision"], shipment["signed_on"], shipment["sign_source"]) == (
        "date",
        "2026-11-13",
        "tracking",
    )
    assert shipment["signed_at"] is None


def test_the_same_sign_in_again_adds_nothing_to_the_log(api, socks, frozen):
    body = {"precision": "exact", "signed_at": "2026-11-12T02:00:00Z", "source": "tracking"}

    response = post_json(api, _sign_in_url(socks), body)

    assert response.status_code == 200
    assert response.json()["sign_in_changes"] == []
    assert response.json()["sign_recorded_by_id"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"signed_at": "2026-11-12T08:30:00+08:00"}, "precision"),
        ({"precision": "sometimes"}, "precision"),
        ({"precision": "exact", "signed_at": "2026-11-12T08:30:00"}, "signed_at"),
        ({"precision": "date", "signed_on": "12/11/2026"}, "signed_on"),
        ({"precision": "exact", "signed_at": "2026-11-12T08:30:00Z", "source": "export"}, "source"),
    ],
)
def test_a_body_that_does_not_validate_is_422_on_its_field(api, socks, frozen, body, field):
    response = post_json(api, _sign_in_url(socks), body)

    assert response.status_code == 422
    assert error_of(response)["field"] == field
    assert socks.shipments.get().sign_source == "tracking"


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"precision": "exact", "signed_at": "2026-11-13T08:30:00Z"}, "note", "note_required"),
        ({"precision": "exact", "note": "x"}, "signed_at", "required"),
        (
            {"precision": "exact", "signed_at": "2026-11-15T08:30:00Z", "note": "x"},
            "signed_at",
            "in_future",
        ),
        (
            {"precision": "date", "signed_on": "2026-11-09", "note": "x"},
            "signed_on",
            "before_shipped",
        ),
    ],
)
def test_a_refused_sign_in_is_422_on_its_field_and_writes_nothing(
    api, socks, frozen, body, field, code
):
    from aftersales.orders.models import ShipmentSignInChange

    response = post_json(api, _sign_in_url(socks), body)

    assert response.status_code == 422
    error = error_of(response)
    assert (error["field"], error["code"]) == (field, code)
    shipment = socks.shipments.get()
    assert (shipment.sign_precision, shipment.sign_source) == ("exact", "tracking")
    assert ShipmentSignInChange.objects.count() == 0


def test_a_packer_may_not_record_a_sign_in(shop, socks, frozen):
    packer = bearer_client(UserFactory(username="packer", roles=["packer"], shops=[shop]))

    response = post_json(packer, _sign_in_url(socks), {"precision": "none", "note": "x"})

    assert response.status_code == 403
    assert error_of(response) == {
        "code": "permission_denied",
        "field": None,
        "message": "您的角色不能登记签收。",
    }
    assert socks.shipments.get().sign_precision == "exact"


def test_an_outsider_finds_no_such_parcel(socks, outsider, frozen):
    response = post_json(bearer_client(outsider), _sign_in_url(socks), {"precision": "none"})

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
    assert socks.shipments.get().sign_precision == "exact"


def test_a_parcel_of_another_order_is_not_found_under_this_one(api, shop, socks, frozen):
    other, _lines = order_build(shop=shop)

    response = post_json(
        api, _sign_in_url(socks, other.shipments.get()), {"precision": "none", "note": "x"}
    )

    assert response.status_code == 404
    assert other.shipments.get().sign_precision == "exact"


def test_the_sign_in_operation_documents_its_errors(client, db):
    schema = client.get(f"{API}/openapi.json").json()

    operation = schema["paths"][f"{API}/orders/{{order_id}}/shipments/{{shipment_id}}/sign-in"]
    # 413: a body over the size limit, which any operation may meet (core.schemas).
    assert set(operation["post"]["responses"]) == {"200", "400", "401", "403", "404", "413", "422"}
