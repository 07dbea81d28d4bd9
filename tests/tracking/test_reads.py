"""The tracking line: GET /api/v1/tracking/shipments/{id}, and the panels of the order and case
pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aftersales.orders.services import shipment_sign_in_record
from aftersales.returns.services import return_case_open
from aftersales.tracking.policies import NormalisedEvent
from aftersales.tracking.services import apply_events
from tests.api import API, bearer_client, error_of
from tests.factories import OrderFactory, OrderLineFactory, ShipmentFactory, UserFactory
from tests.tracking.conftest import SHANGHAI

T0 = dt.datetime(2026, 11, 13, 12, 0, tzinfo=SHANGHAI)
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=SHANGHAI)


def _history(shipment, *lines):
    apply_events(
        [
            NormalisedEvent(
                shipment_id=shipment.pk,
                occurred_at=T0 + dt.timedelta(hours=h),
                status=status,
                raw_state=code,
                context=context,
                area=area,
            )
            for h, status, code, context, area in lines
        ],
        now=NOW,
    )


@pytest.fixture
def stranded(shop):
    order = OrderFactory(shop=shop)
    OrderLineFactory(order=order, line_no=1)
    shipment = ShipmentFactory(order=order, shipped_at=T0 - dt.timedelta(hours=1))
    _history(
        shipment,
        (0, "collected", "103", "【杭州市】快件已被 余杭一部 揽收", "杭州市"),
        (20, "in_transit", "1001", "【甘孜州】快件已到达 色达网点", "甘孜州"),
        (50, "stranded", "208", "【甘孜州】网点暂停营业，快件滞留", "甘孜州"),
    )
    return shipment


@pytest.mark.django_db
def test_a_shipments_tracking_newest_first(stranded, agent):
    response = bearer_client(agent).get(f"{API}/tracking/shipments/{stranded.pk}")

    assert response.status_code == 200
    body = response.json()
    assert (body["shipment_id"], body["order_id"], body["waybill_no"]) == (
        stranded.pk,
        stranded.order_id,
        stranded.waybill_no,
    )
    assert (body["status"], body["status_label"], body["is_problem"]) == ("stranded", "滞留", True)
    assert dt.datetime.fromisoformat(body["status_at"]) == T0 + dt.timedelta(hours=50)
    assert [(e["status"], e["raw_state"], e["area"]) for e in body["events"]] == [
        ("stranded", "208", "甘孜州"),
        ("in_transit", "1001", "甘孜州"),
        ("collected", "103", "杭州市"),
    ]
    assert body["sign_in_conflict"] is False


@pytest.mark.django_db
def test_a_shipment_without_tracking_yet(shop, agent):
    shipment = ShipmentFactory(order=OrderFactory(shop=shop))

    body = bearer_client(agent).get(f"{API}/tracking/shipments/{shipment.pk}").json()

    assert (body["status"], body["events"], body["subscribed"]) == ("", [], False)


@pytest.mark.django_db
def test_another_shops_shipment_is_not_found(stranded, outsider):
    response = bearer_client(outsider).get(f"{API}/tracking/shipments/{stranded.pk}")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


@pytest.mark.django_db
def test_a_role_without_order_view_is_refused(stranded, shop):
    nobody = UserFactory(username="norole", roles=[], shops=[shop])

    response = bearer_client(nobody).get(f"{API}/tracking/shipments/{stranded.pk}")

    assert response.status_code == 403


@pytest.mark.django_db
def test_no_such_shipment(agent):
    assert bearer_client(agent).get(f"{API}/tracking/shipments/999999").status_code == 404


@pytest.mark.django_db
def test_the_push_and_the_read_are_in_the_openapi(client):
    schema = client.get(f"{API}/openapi.json").json()

    push = schema["paths"][f"{API}/tracking/kuaidi100/push"]["post"]
    assert {"200", "400", "403", "413", "422"} <= set(push["responses"])
    assert "application/x-www-form-urlencoded" in push["requestBody"]["content"]
    assert push.get("security") in (None, [], [{}])
    read = schema["paths"][f"{API}/tracking/shipments/{{shipment_id}}"]["get"]
    assert {"200", "403", "404"} <= set(read["responses"])


# --- the panels ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_order_page_shows_the_tracking_line(client, stranded, agent):
    client.force_login(agent)

    html = client.get(reverse("orders:detail", args=[stranded.order_id])).content.decode()

    assert f'id="tracking-{stranded.pk}"' in html
    assert 'data-status="stranded"' in html
    assert "text-bg-danger" in html  # a problem is red
    # Newest first, in Shanghai time.
    first = html.index("2026-11-15 14:00")
    assert first < html.index("2026-11-14 08:00") < html.index("2026-11-13 12:00")
    assert "【甘孜州】网点暂停营业，快件滞留" in html


@pytest.mark.django_db
def test_the_case_page_shows_the_tracking_line(client, stranded, agent):
    case = return_case_open(
        order=stranded.order,
        kind="compensation",
        lines=[(stranded.order.lines.get(), 1)],
        reason="damaged",
        actor=agent,
        now=NOW,
    )
    client.force_login(agent)

    html = client.get(reverse("cases:detail", args=[case.pk])).content.decode()

    assert f'id="tracking-{stranded.pk}"' in html
    assert "网点暂停营业" in html


@pytest.mark.django_db
def test_the_panel_shows_a_sign_in_conflict(client, shop, agent):
    order = OrderFactory(shop=shop)
    shipment = ShipmentFactory(order=order, shipped_at=T0)
    shipment_sign_in_record(
        shipment_id=shipment.pk,
        actor=agent,
        now=NOW,
        precision="exact",
        at=T0 + dt.timedelta(hours=20),
        source="person",
    )
    _history(shipment, (30, "signed", "301", "【成都市】快件已签收", "成都市"))
    client.force_login(agent)

    html = client.get(reverse("orders:detail", args=[order.pk])).content.decode()

    assert "tracking-conflict" in html
    assert "2026-11-14 18:00" in html  # the carrier's time, in Shanghai


@pytest.mark.django_db
def test_the_panel_reads_many_shipments_in_a_fixed_number_of_queries(client, shop, agent):
    order = OrderFactory(shop=shop)
    for n in range(6):
        s = ShipmentFactory(order=order, shipped_at=T0)
        _history(s, (n, "collected", "103", f"揽收 {n}", ""), (n + 5, "in_transit", "0", "x", ""))
    client.force_login(agent)
    url = reverse("orders:detail", args=[order.pk])
    client.get(url)

    with CaptureQueriesContext(connection) as six:
        client.get(url)
    ShipmentFactory(order=order, shipped_at=T0)
    with CaptureQueriesContext(connection) as seven:
        client.get(url)

    assert len(seven) == len(six)


@pytest.mark.django_db
def test_the_panel_is_not_for_another_shop(client, stranded, outsider):
    client.force_login(outsider)

    response = client.get(reverse("orders:detail", args=[stranded.order_id]))

    assert response.status_code == 404
