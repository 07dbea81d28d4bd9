"""Builders for the cases of §1: an order with its lines and sign-in, a case opened on it, an
action taken on it, and a picture of everything a failed action must leave untouched."""

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.forms.models import model_to_dict

from aftersales.approvals.models import Approval
from aftersales.cases.models import Case, CaseEvent, CaseLine
from aftersales.orders.models import Order, OrderLine, Product, Shipment
from aftersales.returns.models import FreightCharge, Refund, ReturnDetail
from aftersales.returns.services import case_act, return_case_open
from tests.factories import CarrierFactory, OrderFactory, OrderLineFactory, ShipmentFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC


def sh(*args: int) -> dt.datetime:
    """An aware datetime on the Shanghai wall clock."""
    return dt.datetime(*args, tzinfo=SHANGHAI)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


# The default story: the socks are signed for at 10:00 on Thu 12 Nov 2026 (Shanghai); the
# seven-day window ends at 10:00 on Thu 19 Nov; the buyer asks on Sat 14 Nov.
SIGNED_AT = sh(2026, 11, 12, 10, 0)
WINDOW_END = sh(2026, 11, 19, 10, 0)
NOW = sh(2026, 11, 14, 9, 30)

SOCKS = {
    "title": "男士中筒袜子 10双装",
    "sku_code": "WZ-10",
    "unit_price": Decimal("9.90"),
    "quantity": 10,
    "amount_paid": Decimal("99.00"),
}


def order_build(
    *,
    shop,
    lines: list[dict[str, Any]] | None = None,
    freight_paid: Decimal = Decimal("0.00"),
    signed_at: dt.datetime | None = SIGNED_AT,
    signed_on: dt.date | None = None,
) -> tuple[Order, list[OrderLine]]:
    """An order of ``shop`` with the given lines (socks by default), shipped and signed for
    exactly at ``signed_at``, or on the date ``signed_on``, or not at all (both None)."""
    specs = [{**SOCKS, **spec} for spec in (lines or [{}])]
    goods = sum((s["amount_paid"] for s in specs), Decimal("0.00"))
    order = OrderFactory(
        shop=shop, goods_total=goods, freight_paid=freight_paid, amount_paid=goods + freight_paid
    )
    order_lines = [
        OrderLineFactory(order=order, line_no=n, **spec) for n, spec in enumerate(specs, 1)
    ]
    if signed_on is not None:
        sign = {"sign_precision": "date", "signed_on": signed_on}
    elif signed_at is not None:
        sign = {"sign_precision": "exact", "signed_at": signed_at}
    else:
        sign = {}
    ShipmentFactory(order=order, carrier=carrier(), **sign)
    return order, order_lines


def carrier():
    return CarrierFactory(code="yto", name="圆通速递")


def case_open(*, order, lines, kind, reason, actor, now=NOW, **extra) -> Case:
    """Open a case as the agent would; an exchange asks for the same product again and a
    refusal happened an hour before it was reported, unless the test says otherwise."""
    if kind == "exchange":
        extra.setdefault("exchange_sku", lines[0][0].sku_code)
    if kind == "refusal":
        extra.setdefault("refused_at", now - dt.timedelta(hours=1))
    return return_case_open(
        order=order, kind=kind, lines=lines, reason=reason, actor=actor, now=now, **extra
    )


def act(case: Case, action: str, actor, now: dt.datetime, comment: str = "", **params) -> Case:
    """Take an action as someone who saw the case as it is now."""
    version = Case.objects.values_list("version", flat=True).get(pk=case.pk)
    return case_act(
        case_id=case.pk,
        action=action,
        actor=actor,
        now=now,
        expected_version=version,
        params=params,
        comment=comment,
    )


def reloaded(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def last_event(case: Case) -> CaseEvent:
    return CaseEvent.objects.filter(case_id=case.pk).order_by("-created_at", "-id").first()


def written(case: Case) -> dict[str, Any]:
    """Everything an action on ``case`` may write. Equal before and after a refused action."""
    fresh = Case.objects.get(pk=case.pk)
    detail = ReturnDetail.objects.filter(case_id=case.pk).first()
    return {
        "case": model_to_dict(fresh),
        "detail": model_to_dict(detail) if detail else None,
        "lines": list(
            CaseLine.objects.filter(case_id=case.pk)
            .order_by("id")
            .values_list("order_line_id", "quantity", "received_quantity")
        ),
        "events": list(CaseEvent.objects.filter(case_id=case.pk).values_list("id", flat=True)),
        "refunds": sorted(
            (str(pk), status, amount)
            for pk, status, amount in Refund.objects.filter(
                order_line__order_id=fresh.order_id
            ).values_list("pk", "status", "amount")
        ),
        "shipments": list(
            Shipment.objects.filter(order_id=fresh.order_id)
            .order_by("id")
            .values_list("id", "direction")
        ),
        "freight": sorted(
            FreightCharge.objects.filter(case_id=case.pk).values_list("leg", "bearer", "amount")
        ),
        "approvals": list(
            Approval.objects.filter(case_id=case.pk).order_by("id").values_list("id", "status")
        ),
        "stock": sorted(
            Product.objects.filter(shop_id=fresh.shop_id).values_list("sku_code", "stock")
        ),
    }
