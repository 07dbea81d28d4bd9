"""Helpers for the REST API tests: clients by persona, orders to work on, and the error shape.

The API is exercised through Django's test Client, as a program would call it: JSON bodies,
``Authorization: Bearer <token>``; the session path is tested where it differs (CSRF).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.test import Client

from aftersales.accounts.services import token_create
from aftersales.orders.models import Order, OrderLine
from tests.factories import CarrierFactory, OrderFactory, OrderLineFactory, ShipmentFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC
API = "/api/v1"

# The story every test shares: the socks are signed for at 10:00 on Thu 12 Nov 2026 in
# Shanghai; the API is called at 09:30 on Sat 14 Nov, well inside the seven-day window.
SIGNED_AT = dt.datetime(2026, 11, 12, 10, 0, tzinfo=SHANGHAI)
NOW = dt.datetime(2026, 11, 14, 9, 30, tzinfo=SHANGHAI)

# A real 1x1 PNG, as a buyer's phone would send it (smaller, but the same bytes up front).
PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)

ERROR_KEYS = {"code", "field", "message"}


def bearer_client(user) -> Client:
    """A client that authenticates as ``user`` with a fresh API token, as a program does."""
    token = token_create(user=user, name="test")
    return Client(headers={"Authorization": f"Bearer {token}"})


def post_json(client: Client, path: str, data: Any = None, **extra):
    return client.post(path, json.dumps(data or {}), content_type="application/json", **extra)


def patch_json(client: Client, path: str, data: Any = None, **extra):
    return client.patch(path, json.dumps(data or {}), content_type="application/json", **extra)


def error_of(response) -> dict[str, Any]:
    """The error body, after checking it has exactly the keys every error has."""
    body = response.json()
    extra = set(body) - ERROR_KEYS
    assert ERROR_KEYS <= set(body), body
    assert extra <= ({"errors"} if response.status_code == 422 else set()), body
    return body


def carrier():
    return CarrierFactory(code="yto", name="圆通速递")


def order_build(
    *,
    shop,
    lines: list[dict[str, Any]] | None = None,
    freight_paid: Decimal = Decimal("0.00"),
    signed_at: dt.datetime | None = SIGNED_AT,
    **order_fields: Any,
) -> tuple[Order, list[OrderLine]]:
    """An order of ``shop`` with its lines (one line of 10 pairs of socks for 99.00 by default),
    shipped with a waybill and signed for at ``signed_at`` (or not yet, if None)."""
    specs = lines or [{}]
    order_lines_total = sum(
        (Decimal(str(s.get("amount_paid", "99.00"))) for s in specs), Decimal("0.00")
    )
    order = OrderFactory(
        shop=shop,
        goods_total=order_lines_total,
        freight_paid=freight_paid,
        amount_paid=order_lines_total + freight_paid,
        **order_fields,
    )
    order_lines = [
        OrderLineFactory(order=order, line_no=n, **spec) for n, spec in enumerate(specs, 1)
    ]
    sign = {"sign_precision": "exact", "signed_at": signed_at} if signed_at else {}
    ShipmentFactory(order=order, carrier=carrier(), **sign)
    return order, order_lines


def act(client: Client, case_id: int, action: str, *, version: int | None = None, **params):
    """POST an action on a case, as the workbench does: with the version the user saw."""
    body: dict[str, Any] = {"params": params}
    if version is not None:
        body["expected_version"] = version
    return post_json(client, f"{API}/cases/{case_id}/actions/{action}", body)


def written(case_id: int) -> dict[str, Any]:
    """Everything an action on a case may write; equal before and after a refused one."""
    from django.forms.models import model_to_dict

    from aftersales.approvals.models import Approval
    from aftersales.cases.models import Case, CaseAttachment, CaseEvent, CaseLine, CaseNote
    from aftersales.orders.models import Product, Shipment
    from aftersales.returns.models import FreightCharge, Refund, ReturnDetail

    case = Case.objects.get(pk=case_id)
    detail = ReturnDetail.objects.filter(case_id=case_id).first()
    return {
        "case": model_to_dict(case),
        "detail": model_to_dict(detail) if detail else None,
        "lines": list(
            CaseLine.objects.filter(case_id=case_id)
            .order_by("id")
            .values_list("order_line_id", "quantity", "received_quantity")
        ),
        "events": list(CaseEvent.objects.filter(case_id=case_id).values_list("id", flat=True)),
        "notes": list(CaseNote.objects.filter(case_id=case_id).values_list("id", flat=True)),
        "attachments": list(
            CaseAttachment.objects.filter(case_id=case_id).values_list("id", flat=True)
        ),
        "refunds": sorted(
            (str(pk), status, amount)
            for pk, status, amount in Refund.objects.filter(
                order_line__order_id=case.order_id
            ).values_list("pk", "status", "amount")
        ),
        "shipments": list(
            Shipment.objects.filter(order_id=case.order_id).order_by("id").values_list("id")
        ),
        "freight": sorted(
            FreightCharge.objects.filter(case_id=case_id).values_list("leg", "bearer", "amount")
        ),
        "approvals": list(
            Approval.objects.filter(case_id=case_id).order_by("id").values_list("id", "status")
        ),
        "stock": sorted(
            Product.objects.filter(shop_id=case.shop_id).values_list("sku_code", "stock")
        ),
    }
