"""Hostile input we name ourselves, on the API and on the workbench: never a 500.

The API answers 4xx with the one error body naming the field; the workbench answers 4xx, or
the page (a form again with its error, an empty page past the last). What is refused is never
written.
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from aftersales.cases.models import Case, CaseNote
from aftersales.orders.models import Order
from tests.api import API, ERROR_KEYS, bearer_client, order_build, post_json

# Digits of other scripts: full-width, Arabic-Indic, Devanagari, and a superscript (which
# Python's str.isdigit() takes for a digit but int() refuses).
OTHER_DIGITS = ["１２３", "١٢٣", "१२३", "²"]
BEYOND_ANY_INTEGER = "99999999999999999999"
PAST_INT64 = str(2**63)


def assert_error(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert ERROR_KEYS <= set(body), body
    if field is not None:
        assert body["field"] == field, body
    return body


@pytest.fixture
def agent_api(agent):
    return bearer_client(agent)


@pytest.fixture
def supervisor_api(supervisor):
    return bearer_client(supervisor)


@pytest.fixture
def case(shop, agent_api):
    order, lines = order_build(shop=shop)
    body = {
        "kind": "refund_only",
        "order_id": order.pk,
        "reason": "quality",
        "lines": [{"order_line_id": lines[0].pk, "quantity": 1}],
    }
    response = post_json(agent_api, f"{API}/cases", body)
    assert response.status_code == 201, response.content
    return Case.objects.get(pk=response.json()["id"])


# --- numbers: offsets, pages and ids beyond any integer; digits of other scripts -----------------


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/cases?offset={BEYOND_ANY_INTEGER}", "offset"),
        (f"/cases?offset={PAST_INT64}", "offset"),
        (f"/cases?limit={BEYOND_ANY_INTEGER}", "limit"),
        (f"/approvals?offset={BEYOND_ANY_INTEGER}", "offset"),
        (f"/cases?shop={BEYOND_ANY_INTEGER}", "shop"),
        (f"/refunds?case_id={BEYOND_ANY_INTEGER}", "case_id"),
        (f"/cases/{BEYOND_ANY_INTEGER}", "case_id"),
        (f"/orders/{PAST_INT64}", "order_id"),
        (f"/approvals/{BEYOND_ANY_INTEGER}", "approval_id"),
        ("/cases?offset=-1", "offset"),
    ],
)
def test_numbers_beyond_any_integer_are_422_naming_the_parameter(agent_api, path, field):
    assert_error(agent_api.get(f"{API}{path}"), 422, field)


@pytest.mark.parametrize("digits", OTHER_DIGITS)
def test_other_scripts_digits_in_query_and_path_are_422(agent_api, case, digits):
    assert_error(agent_api.get(f"{API}/cases", {"offset": digits}), 422, "offset")
    assert_error(agent_api.get(f"{API}/cases/{digits}"), 422, "case_id")


@pytest.mark.parametrize("digits", OTHER_DIGITS)
def test_other_scripts_digits_in_a_body_are_422_and_nothing_is_written(
    agent_api, shop, case, digits
):
    order, lines = order_build(shop=shop)
    before = Case.objects.count()
    for change, field in (
        ({"order_id": digits}, "order_id"),
        ({"lines": [{"order_line_id": lines[0].pk, "quantity": digits}]}, "lines.0.quantity"),
        ({"requested_amount": digits}, "requested_amount"),
    ):
        body = {
            "kind": "refund_only",
            "order_id": order.pk,
            "reason": "quality",
            "lines": [{"order_line_id": lines[0].pk, "quantity": 1}],
            **change,
        }
        assert_error(post_json(agent_api, f"{API}/cases", body), 422, field)
    # Keys of a map of quantities are ids: written in ASCII digits too.
    response = post_json(
        agent_api,
        f"{API}/cases/{case.pk}/actions/receive",
        {"params": {"received": {digits: 1}}},
    )
    assert response.status_code == 422, response.content
    assert Case.objects.count() == before


@pytest.mark.parametrize("amount", ["１２.５０", "1e3", " 12.50", "12.505", "-1", "NaN", True])
def test_money_is_ascii_digits_with_two_places_at_most(agent_api, case, amount):
    order_line_id = case.lines.first().order_line_id
    body = {"order_line_id": order_line_id, "amount": amount, "idempotency_key": "k-1"}
    assert_error(post_json(agent_api, f"{API}/refunds", body), 422, "amount")


# --- text: NUL and lone surrogates, in JSON, query strings, forms and file names -----------------


@pytest.mark.parametrize("text", ["a\x00b", "\x00", "x\ud800y", "\udfff"])
def test_nul_and_lone_surrogates_in_a_json_body_are_422_on_the_field(agent_api, case, text):
    # json.dumps writes a lone surrogate as its \\u escape, which is what a client would send.
    raw = json.dumps({"body": text})
    response = agent_api.post(f"{API}/cases/{case.pk}/notes", raw, content_type="application/json")
    assert_error(response, 422, "body")
    assert not CaseNote.objects.filter(case=case).exists()


def test_nul_anywhere_in_a_body_is_422_naming_where(agent_api, case):
    body = {"params": {"received": {}, "note": "ok"}, "comment": "ok\x00"}
    response = post_json(agent_api, f"{API}/cases/{case.pk}/actions/receive", body)
    assert_error(response, 422, "comment")
    body = {"params": {"received": {"1\x00": 1}}}
    response = post_json(agent_api, f"{API}/cases/{case.pk}/actions/receive", body)
    # An id that is not one: the key is named (as it was written).
    assert assert_error(response, 422)["field"].startswith("params.received.")


@pytest.mark.parametrize("path", ["/cases", "/orders"])
def test_nul_in_a_query_string_is_422_on_it(agent_api, path):
    assert_error(agent_api.get(f"{API}{path}", {"q": "abc\x00"}), 422, "q")


def test_a_body_that_is_not_an_object_is_422(agent_api, case):
    for raw in ("[null, null]", "5", '"text"', "null"):
        response = agent_api.post(
            f"{API}/cases/{case.pk}/take", raw, content_type="application/json"
        )
        assert_error(response, 422)
    assert Case.objects.get(pk=case.pk).assignee_id is None


def test_nul_in_a_form_field_and_a_file_name_is_422(supervisor_api, shop, case, agent_api):
    upload = io.BytesIO(b"\x89PNG\r\n\x1a\n")
    upload.name = "photo\x00.png"
    response = agent_api.post(f"{API}/cases/{case.pk}/attachments", {"file": upload})
    assert response.status_code in (400, 422), response.content
    assert response.json()["field"] == "file"
    orders = io.BytesIO("订单编号\n1\n".encode())
    orders.name = "orders.csv"
    response = supervisor_api.post(
        f"{API}/orders/import", {"shop_id": f"{shop.pk}\x00", "orders_file": orders}
    )
    assert_error(response, 422, "shop_id")


# --- bodies: malformed multipart, over the size limit --------------------------------------------


def test_multipart_without_a_boundary_or_cut_short_is_400(agent_api, case):
    url = f"{API}/cases/{case.pk}/attachments"
    part = b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n'
    assert_error(agent_api.post(url, part, content_type="multipart/form-data"), 400)
    # No body at all: no file either.
    assert_error(agent_api.post(url, b"", content_type="multipart/form-data"), 422, "file")
    cut = b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n\x89PNG'
    response = agent_api.post(url, cut, content_type="multipart/form-data; boundary=xyz")
    assert response.status_code in (400, 422), response.content
    assert ERROR_KEYS <= set(response.json())


def test_a_json_body_over_the_limit_is_413(agent_api, case, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    raw = json.dumps({"body": "x" * 4096})
    response = agent_api.post(f"{API}/cases/{case.pk}/notes", raw, content_type="application/json")
    body = assert_error(response, 413)
    assert body["code"] == "too_large"
    assert not CaseNote.objects.filter(case=case).exists()


# --- times outside a sane range ------------------------------------------------------------------

OUT_OF_RANGE = [
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59+00:00",
    "9999-12-31T20:00:00-08:00",
    "1999-12-31T23:59:59Z",
    "2100-01-01T00:00:00Z",
    "3000-06-01T00:00:00+08:00",
]


@pytest.fixture
def shipment(shop):
    order, _lines = order_build(shop=shop, signed_at=None)
    return order.shipments.get()


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_a_sign_in_outside_the_years_a_shop_can_mean_is_422_and_not_written(
    agent_api, shipment, value
):
    url = f"{API}/orders/{shipment.order_id}/shipments/{shipment.pk}/sign-in"
    body = assert_error(
        post_json(agent_api, url, {"precision": "exact", "signed_at": value}), 422, "signed_at"
    )
    assert body["code"] == "out_of_range"
    day = value[:10]
    assert_error(post_json(agent_api, url, {"precision": "date", "signed_on": day}), 422)
    shipment.refresh_from_db()
    assert shipment.signed_at is None
    assert shipment.signed_on is None


@pytest.mark.parametrize(
    "value", ["0001-01-01T00:00:00", "9999-12-31T23:59:59", "1970-01-01T08:00:00"]
)
def test_an_order_created_outside_the_range_is_422_and_not_written(supervisor_api, shop, value):
    order = {
        "order_no": "T-RANGE-1",
        "buyer_nick": "tb-range",
        "status": "TRADE_FINISHED",
        "goods_total": "10.00",
        "amount_paid": "10.00",
        "created_at": value,
        "lines": [{"title": "袜子", "unit_price": "10.00", "quantity": 1}],
    }
    response = post_json(supervisor_api, f"{API}/orders", {"shop_id": shop.pk, "orders": [order]})
    assert_error(response, 422, "orders.0.created_at")
    assert not Order.objects.filter(order_no="T-RANGE-1").exists()


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_a_refusal_time_outside_the_range_is_422(agent_api, shop, value):
    order, lines = order_build(shop=shop, signed_at=None)
    body = {
        "kind": "refusal",
        "order_id": order.pk,
        "reason": "other",
        "refused_at": value,
        "lines": [{"order_line_id": lines[0].pk, "quantity": 1}],
    }
    assert_error(post_json(agent_api, f"{API}/cases", body), 422, "refused_at")


def test_the_times_range_is_in_the_openapi(client, db):
    schema = client.get(f"{API}/openapi.json").json()
    sign_in = schema["components"]["schemas"]["SignInIn"]["properties"]["signed_at"]["anyOf"][0]
    assert sign_in["format"] == "date-time"
    assert sign_in["formatMinimum"].startswith("2000-01-01")
    assert sign_in["formatMaximum"].startswith("2099-12-31")


# --- broken XLSX files ---------------------------------------------------------------------------


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _xlsx_without_sheets() -> bytes:
    return _zip(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.'
            b'openxmlformats.org/package/2006/content-types"/>',
            "xl/workbook.xml": b'<?xml version="1.0"?><workbook xmlns="http://schemas.'
            b'openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>',
        }
    )


def _real_xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["订单编号", "买家会员名"])
    book.active.append(["1", "tb"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


BROKEN_XLSX = {
    "a zip that is not xlsx": lambda: _zip({"readme.txt": b"hello"}),
    "an xlsx with no sheet": _xlsx_without_sheets,
    # 200 MB of zeros in a few hundred kilobytes, named as a sheet.
    "a zip bomb": lambda: _zip({"xl/worksheets/sheet1.xml": b"\x00" * (200 * 1024 * 1024)}),
    "a truncated xlsx": lambda: _real_xlsx()[:300],
    "not a zip at all": lambda: b"PK\x03\x04" + b"\xff" * 64,
    "empty": lambda: b"",
}


@pytest.mark.parametrize("kind", list(BROKEN_XLSX))
def test_a_broken_xlsx_is_refused_as_a_file_never_a_500(supervisor_api, shop, kind):
    upload = io.BytesIO(BROKEN_XLSX[kind]())
    upload.name = "orders.xlsx"
    response = supervisor_api.post(
        f"{API}/orders/import", {"shop_id": shop.pk, "orders_file": upload}
    )
    assert response.status_code < 500, response.content
    body = response.json()
    if response.status_code >= 400:
        assert ERROR_KEYS <= set(body), body
    else:
        # The import's own report: the file refused as one error, nothing written.
        assert body.get("errors"), body
    assert not Order.objects.filter(shop=shop).exists()


# --- the workbench: query strings and forms ------------------------------------------------------


@pytest.fixture
def desk(client, agent):
    client.force_login(agent)
    return client


@pytest.mark.parametrize(
    "query",
    [
        {"page": BEYOND_ANY_INTEGER},
        {"page": PAST_INT64},
        {"page": "²"},
        {"page": "１２"},
        {"page": "-1"},
        {"shop": "²"},
        {"shop": BEYOND_ANY_INTEGER},
        {"q": "abc\x00"},
        {"kind": "\x00"},
        {"assignee": BEYOND_ANY_INTEGER},
        {"stage": "\x00"},
    ],
)
def test_the_inbox_never_fails_on_its_query_string(desk, case, query):
    response = desk.get("/", query)
    assert response.status_code in (200, 400), response.status_code


@pytest.mark.parametrize("q", ["abc\x00", "\x00", "１２３", BEYOND_ANY_INTEGER, "x" * 5000])
def test_the_order_search_never_fails_on_its_query(desk, q):
    response = desk.get("/orders/", {"q": q})
    assert response.status_code in (200, 400), response.status_code


@pytest.mark.parametrize("text", ["a\x00b", "x\ud800y"])
def test_a_note_with_nul_or_a_lone_surrogate_is_refused_by_the_form(desk, case, text):
    # A browser sends form fields as UTF-8; a lone surrogate cannot be, and arrives as bytes
    # that are not UTF-8 at all.
    raw = f"body={text}".encode("utf-8", "surrogatepass")
    response = desk.post(
        f"/cases/{case.pk}/notes/", raw, content_type="application/x-www-form-urlencoded"
    )
    # The case page again (a redirect, the form's error among its messages), or a 4xx.
    assert response.status_code in (200, 302, 400, 422), response.status_code
    # Nothing unreadable is written: no NUL, no lone surrogate (bytes that are not UTF-8 are
    # read as U+FFFD, as Django reads any form).
    for note in CaseNote.objects.filter(case=case):
        assert "\x00" not in note.body
        assert note.body.encode("utf-8")


def test_the_workbench_refuses_a_refund_amount_in_other_digits(desk, case):
    response = desk.get(f"/cases/{case.pk}/", {"area": "²"})
    assert response.status_code in (200, 400, 404), response.status_code


def test_a_date_far_out_in_a_workbench_form_is_refused(client, supervisor, shipment):
    client.force_login(supervisor)
    response = client.get(f"/orders/{shipment.order_id}/")
    assert response.status_code == 200
    # The sign-in form with a date no shop can mean: the form again with its error.
    url = f"/orders/{shipment.order_id}/shipments/{shipment.pk}/sign-in/"
    for value in ("0001-01-01", "9999-12-31", "1999-12-31"):
        response = client.post(url, {"precision": "date", "signed_on": value})
        assert response.status_code in (200, 400, 422), response.status_code
    shipment.refresh_from_db()
    assert shipment.signed_on is None


@pytest.mark.parametrize(
    "form",
    [
        {"assignee": "²"},
        {"assignee": BEYOND_ANY_INTEGER},
        {"priority": "²", "version": "x"},
        {"priority": BEYOND_ANY_INTEGER, "version": PAST_INT64},
    ],
)
def test_the_case_update_form_never_fails_on_its_numbers(client, supervisor, case, form):
    client.force_login(supervisor)
    response = client.post(f"/cases/{case.pk}/update/", form)
    assert response.status_code in (302, 400, 404), response.status_code


@pytest.mark.parametrize("ids", [["²"], [BEYOND_ANY_INTEGER], ["１"]])
def test_assigning_cases_never_fails_on_their_ids(client, supervisor, case, ids):
    client.force_login(supervisor)
    response = client.post("/cases/assign/", {"case": ids, "assignee": "²"})
    assert response.status_code in (200, 302, 400, 404), response.status_code
    assert Case.objects.get(pk=case.pk).assignee_id is None
