"""The problem parcel through the REST API: opening by hand, its actions as operations of
their own, the parcel and the plan in the case's detail, and each refusal a 4xx naming the
field."""

import pytest

from aftersales.cases.models import Case
from aftersales.parcels.models import ParcelProblem
from tests.api import API, bearer_client, error_of, post_json
from tests.parcels.helpers import other_carrier, parcel_order, plan_for, problem_case, tracking_says

pytestmark = pytest.mark.django_db


def _act(client, case_id, action, **params):
    return post_json(client, f"{API}/cases/{case_id}/actions/{action}", {"params": params})


@pytest.fixture
def client(agent):
    return bearer_client(agent)


def test_open_by_hand_and_read_the_parcel_and_plan(shop, client):
    order, _lines, shipment = parcel_order(shop)
    plan_for(shipment.carrier, "stranded", action="forward", note="网点恢复后转寄")
    response = post_json(
        client,
        f"{API}/cases",
        {
            "kind": "problem_parcel",
            "order_id": order.pk,
            "problem_kind": "stranded",
            "note": "网点停业",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "problem_parcel"
    assert body["status"] == "reported"
    detail = body["detail"]
    assert detail["problem_kind"] == "stranded"
    assert detail["shipment"] == {
        "id": shipment.pk,
        "carrier": "yto",
        "waybill_no": shipment.waybill_no,
    }
    assert detail["contingency_plan"] == {"action": "forward", "note": "网点恢复后转寄"}
    assert "cancel_and_refund" in body["actions"]
    assert "agree_pickup" in body["actions"]


def test_open_with_chosen_lines(shop, client):
    order, lines, shipment = parcel_order(shop, lines=[{}, {"quantity": 2}])
    response = post_json(
        client,
        f"{API}/cases",
        {
            "kind": "problem_parcel",
            "order_id": order.pk,
            "shipment_id": shipment.pk,
            "problem_kind": "blind_area",
            "lines": [{"order_line_id": lines[1].pk, "quantity": 2}],
        },
    )
    assert response.status_code == 201, response.content
    assert [ln["order_line_id"] for ln in response.json()["lines"]] == [lines[1].pk]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"problem_kind": "lost"}, 422, "problem_kind"),
        ({"problem_kind": "stranded", "shipment_id": 0}, 422, "shipment_id"),
        ({"problem_kind": "stranded", "note": "x" * 2001}, 422, "note"),
        ({}, 422, "problem_kind"),
    ],
)
def test_bad_bodies_name_the_field(shop, client, body, status, field):
    order, _lines, _shipment = parcel_order(shop)
    response = post_json(
        client, f"{API}/cases", {"kind": "problem_parcel", "order_id": order.pk, **body}
    )
    assert response.status_code == status, response.content
    error = error_of(response)
    assert field in (error["field"] or "") or any(
        field in str(e.get("field", "")) for e in error.get("errors", [])
    ), error
    assert not Case.objects.exists()


def test_a_parcel_of_another_order_is_a_400_naming_it(shop, client):
    order, _lines, _shipment = parcel_order(shop)
    _other, _l, elsewhere = parcel_order(shop)
    response = post_json(
        client,
        f"{API}/cases",
        {
            "kind": "problem_parcel",
            "order_id": order.pk,
            "shipment_id": elsewhere.pk,
            "problem_kind": "stranded",
        },
    )
    assert response.status_code == 400
    assert error_of(response)["field"] == "shipment_id"


def test_a_parcel_already_open_is_a_409(shop, client):
    order, _lines, shipment = parcel_order(shop)
    tracking_says(shipment)
    response = post_json(
        client,
        f"{API}/cases",
        {"kind": "problem_parcel", "order_id": order.pk, "problem_kind": "stranded"},
    )
    assert response.status_code == 409
    assert error_of(response)["code"] == "problem_open"
    assert ParcelProblem.objects.count() == 1


def test_another_shops_order_is_a_404(shop, outsider):
    order, _lines, _shipment = parcel_order(shop)
    response = post_json(
        bearer_client(outsider),
        f"{API}/cases",
        {"kind": "problem_parcel", "order_id": order.pk, "problem_kind": "stranded"},
    )
    assert response.status_code == 404
    assert not Case.objects.exists()


def test_actions_through_the_api(shop, client):
    _order, _lines, shipment = parcel_order(shop)
    tracking_says(shipment)
    case = problem_case(shipment)
    other_carrier()
    response = _act(client, case.pk, "reship_other_carrier", carrier="sf", waybill_no="SF0001")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "parcel_reshipped"
    assert body["detail"]["outcome"] == "reship"
    assert body["detail"]["reship"]["waybill_no"] == "SF0001"


@pytest.mark.parametrize(
    ("action", "params", "status", "field"),
    [
        ("agree_new_address", {}, 422, "params.address"),
        ("agree_new_address", {"address": "   "}, 422, "params.address"),
        ("agree_pickup", {"station": "x" * 129}, 422, "params.station"),
        ("cancel_and_refund", {"reason": "x", "amount": "-1"}, 422, "params.amount"),
        ("cancel_and_refund", {"reason": "x", "amount": "0"}, 400, "amount"),
        ("cancel_and_refund", {"amount": "1.00"}, 422, "params.reason"),
        ("record_contact", {"channel": "pigeon", "summary": "x"}, 422, "params.channel"),
        ("reship_other_carrier", {"carrier": "nope", "waybill_no": "1"}, 400, "carrier"),
        ("reship_other_carrier", {"carrier": "yto", "waybill_no": "1"}, 400, "carrier"),
        ("reship_other_carrier", {"carrier": "sf"}, 422, "params.waybill_no"),
        ("close_problem", {"reason": "x", "extra": 1}, 422, "params.extra"),
        ("confirm_delivered", {}, 409, None),
        ("complete", {}, 409, None),
    ],
)
def test_refused_actions_are_4xx_naming_the_field(shop, client, action, params, status, field):
    _order, _lines, shipment = parcel_order(shop)
    tracking_says(shipment)
    case = problem_case(shipment)
    other_carrier()
    version = case.version
    response = _act(client, case.pk, action, **params)
    assert response.status_code == status, response.content
    assert error_of(response)["field"] == field
    assert Case.objects.get(pk=case.pk).version == version


def test_the_warehouse_cannot_refund_through_the_api(shop, warehouse):
    _order, _lines, shipment = parcel_order(shop)
    tracking_says(shipment)
    case = problem_case(shipment)
    response = _act(bearer_client(warehouse), case.pk, "cancel_and_refund", reason="取消")
    assert response.status_code == 403


def test_confirming_an_unsigned_parcel_is_a_400(shop, client):
    _order, _lines, shipment = parcel_order(shop)
    tracking_says(shipment)
    case = problem_case(shipment)
    assert _act(client, case.pk, "agree_pickup", station="网点").status_code == 200
    response = _act(client, case.pk, "confirm_delivered")
    assert response.status_code == 400
    assert error_of(response)["code"] == "not_signed"
