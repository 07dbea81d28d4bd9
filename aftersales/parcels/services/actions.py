"""One handler per problem-parcel action. ``cases.services.case_act`` locks the case, checks
the shop, the role, the move and the parameters, runs the handler and writes the move.

What was agreed with the buyer is recorded on the ``ParcelProblem``. A reship and a refund
run through §1's services: the reship takes stock and records its lines
(``reship_reserve``) and its parcel (``_ship``) as a refused parcel's reship does; the refund
goes through the refund ledger (``_issue_refunds``/``refund_request``: every refund on this
case, the ledger's caps and idempotency keys), and the ledger's settlement completes the
case, or puts it back in a queue when a refund failed, as it does for §1.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _

from aftersales.cases.models import Case
from aftersales.cases.registry import ActionContext, Outcome
from aftersales.core.errors import DomainError
from aftersales.core.money import ZERO, to_money
from aftersales.core.selectors import workday_overrides
from aftersales.orders.models import Shipment, ShipmentDirection, SignPrecision
from aftersales.parcels import policies
from aftersales.parcels.kinds import ParcelStatus
from aftersales.parcels.models import ParcelOutcome, ParcelProblem
from aftersales.returns.models import FreightCharge, RefundStatus
from aftersales.returns.services.flows.actions import ACTIONS as RETURN_ACTIONS
from aftersales.returns.services.flows.actions import _ship
from aftersales.returns.services.flows.constants import MSG_NOT_ALL_REFUNDED
from aftersales.returns.services.flows.helpers import (
    _carrier,
    _case_lines,
    _issue_refunds,
    _refund_attempt,
    _refund_detail,
    _refunds_done,
    _unreplaced_failures,
    refund_units,
    reship_reserve,
    stock_short,
)
from aftersales.returns.services.refunds import order_freight_held, refund_request

S = ParcelStatus
NO_DEADLINE: dict[str, Any] = {"due_at": None, "due_rule": ""}

MSG_SAME_CARRIER = _("补寄要换一家快递：%(carrier)s 就是原包裹的快递。")
MSG_RESHIP_NO_STOCK = _(
    "商家编码 %(sku)s 库存不足（剩余 %(stock)s），不能补寄；可与买家商定取消订单并退款。"
)
MSG_NOT_SIGNED = _("%(carrier)s %(waybill)s 还没有签收记录：请先在订单页登记签收，或等待快递轨迹。")
MSG_AMOUNT_NOT_POSITIVE = _("退款金额必须大于 0。")


def _problem(case: Case) -> ParcelProblem:
    return (
        ParcelProblem.objects.select_for_update(of=("self",))
        .select_related("shipment__carrier", "reship_shipment__carrier")
        .get(case=case)
    )


def _agreed(problem: ParcelProblem, ctx: ActionContext, outcome: str, **fields: Any) -> None:
    problem.outcome = outcome
    problem.agreed_at = ctx.now
    problem.agreed_by = ctx.actor
    for name, value in fields.items():
        setattr(problem, name, value)
    problem.save(update_fields=["outcome", "agreed_at", "agreed_by", *fields])


def _delivery_due(now: dt.datetime) -> dict[str, Any]:
    return {
        "due_at": policies.delivery_deadline(now, workday_overrides()),
        "due_rule": "delivery_3_workdays",
    }


def record_contact(ctx: ActionContext) -> Outcome:
    params = ctx.params
    return Outcome(
        to_status=S.NEGOTIATING,
        changes={
            "due_at": policies.contact_deadline(ctx.now, workday_overrides()),
            "due_rule": "negotiate_1_workday",
        },
        detail={"channel": params.channel, "summary": params.summary},
    )


def agree_new_address(ctx: ActionContext) -> Outcome:
    problem = _problem(ctx.case)
    _agreed(problem, ctx, ParcelOutcome.NEW_ADDRESS, new_address=ctx.params.address)
    return Outcome(
        to_status=S.REDELIVERING,
        changes=_delivery_due(ctx.now),
        detail={"new_address": ctx.params.address},
    )


def agree_pickup(ctx: ActionContext) -> Outcome:
    problem = _problem(ctx.case)
    _agreed(problem, ctx, ParcelOutcome.PICKUP, station=ctx.params.station)
    return Outcome(
        to_status=S.AWAITING_PICKUP,
        changes=_delivery_due(ctx.now),
        detail={"station": ctx.params.station},
    )


def reship_quantities(case: Case) -> dict[int, int]:
    """A reship sends the case's lines again, every unit of them."""
    return {cl.order_line_id: cl.quantity for cl in _case_lines(case)}


def reship_stock_short(case: Case) -> dict[str, int]:
    """The merchant codes the shop keeps stock of that cannot cover a reship (codes it keeps
    no catalogue entry for are not counted, as ``reship_reserve`` does not count them)."""
    needed: dict[str, int] = {}
    for cl in _case_lines(case):
        needed[cl.order_line.sku_code] = needed.get(cl.order_line.sku_code, 0) + cl.quantity
    short = stock_short(shop_id=case.shop_id, needed=needed)
    tracked = set(
        case.shop.products.filter(sku_code__in=list(short)).values_list("sku_code", flat=True)
    )
    return {sku: left for sku, left in short.items() if sku in tracked}


def reship_other_carrier(ctx: ActionContext) -> Outcome:
    case = ctx.case
    problem = _problem(case)
    params = ctx.params.model_dump(exclude_none=True)
    carrier = _carrier(params)
    if carrier.pk == problem.shipment.carrier_id:
        raise DomainError(
            MSG_SAME_CARRIER % {"carrier": carrier.name}, field="carrier", code="same_carrier"
        )
    quantities = reship_quantities(case)

    def take_stock(_case: Case) -> None:
        if not reship_reserve(case, quantities):
            sku, left = next(iter(reship_stock_short(case).items()), ("", 0))
            raise DomainError(
                MSG_RESHIP_NO_STOCK % {"sku": sku, "stock": left}, field="stock", code="no_stock"
            )

    shipment = _ship(
        case, {**params, "carrier": carrier}, ShipmentDirection.RESHIP, ctx.now, take_stock
    )
    # Sending the parcel again is the seller's cost, as §1's reship records it.
    FreightCharge.objects.update_or_create(
        case=case, leg="reship", defaults={"bearer": "seller", "amount": shipment.freight}
    )
    _agreed(problem, ctx, ParcelOutcome.RESHIP, reship_shipment=shipment)
    return Outcome(
        to_status=S.RESHIPPED,
        changes=_delivery_due(ctx.now),
        detail={
            "carrier": carrier.name,
            "waybill_no": shipment.waybill_no,
            "shipment": shipment.pk,
            "reship": {str(k): v for k, v in quantities.items()},
        },
    )


def refund_default(case: Case) -> tuple[Any, Any]:
    """What cancelling and refunding pays with no amount given: the goods of the case's lines
    at what they were paid, and the outbound freight the buyer paid that no refund holds."""
    from aftersales.returns.services.flows.helpers import refund_goods_default

    order = case.order
    freight = max(order.freight_paid - order_freight_held(order.pk), ZERO)
    return refund_goods_default(case), freight


def cancel_and_refund(ctx: ActionContext) -> Outcome:
    case = ctx.case
    problem = _problem(case)
    params = ctx.params
    total = to_money(params.amount) if params.amount is not None else None
    if total is not None and total <= 0:
        raise DomainError(MSG_AMOUNT_NOT_POSITIVE, field="amount", code="amount_not_positive")
    attempt = _refund_attempt(case)
    refunds = _issue_refunds(
        case=case,
        actor=ctx.actor,
        now=ctx.now,
        total=total,
        attempt=attempt,
        units_by_line=refund_units(case),
    )
    if params.refund_freight:
        _goods, freight = refund_default(case)
        if freight > 0:
            refund, _created = refund_request(
                order_line=_case_lines(case)[0].order_line,
                amount=ZERO,
                freight_amount=freight,
                idempotency_key=f"case-{case.pk}-{attempt}-freight",
                actor=ctx.actor,
                now=ctx.now,
                case_id=case.pk,
            )
            refunds.append(refund)
    amount = sum((r.amount + r.freight_amount + r.return_freight_amount for r in refunds), ZERO)
    _agreed(problem, ctx, ParcelOutcome.REFUND, refund_amount=amount)
    return Outcome(
        to_status=S.REFUNDING,
        changes=NO_DEADLINE,
        detail={"reason": params.reason, "amount": str(amount), **_refund_detail(refunds)},
    )


def awaited_shipment(problem: ParcelProblem) -> Shipment:
    """The parcel the case waits for: the reship once there is one, else the first parcel."""
    return problem.reship_shipment or problem.shipment


def delivered(case: Case) -> bool:
    problem = ParcelProblem.objects.select_related("shipment", "reship_shipment").get(case=case)
    return awaited_shipment(problem).sign_precision != SignPrecision.NONE


def confirm_delivered(ctx: ActionContext) -> Outcome:
    problem = _problem(ctx.case)
    shipment = awaited_shipment(problem)
    if shipment.sign_precision == SignPrecision.NONE:
        raise DomainError(
            MSG_NOT_SIGNED
            % {
                "carrier": shipment.carrier.name if shipment.carrier else "",
                "waybill": shipment.waybill_no,
            },
            field="status",
            code="not_signed",
        )
    signed = shipment.signed_at.isoformat() if shipment.signed_at else str(shipment.signed_on)
    return Outcome(
        to_status=S.RESOLVED,
        changes=NO_DEADLINE,
        detail={"shipment": shipment.pk, "signed": signed},
    )


def close_problem(ctx: ActionContext) -> Outcome:
    problem = _problem(ctx.case)
    _agreed(problem, ctx, ParcelOutcome.CLOSED, close_reason=ctx.params.reason)
    return Outcome(to_status=S.CLOSED, changes=NO_DEADLINE, detail={"reason": ctx.params.reason})


def complete(ctx: ActionContext) -> Outcome:
    if not _refunds_done(ctx.case):
        raise DomainError(MSG_NOT_ALL_REFUNDED, field="status", code="refund_not_done")
    return Outcome(to_status=S.COMPLETED, changes=NO_DEADLINE)


def retry_refund(ctx: ActionContext) -> Outcome:
    """§1's retry: each failed refund re-issued once on its own line, under a key naming it."""
    params = ctx.params.model_dump(exclude_none=True)
    to_status, changes, detail = RETURN_ACTIONS["retry_refund"](
        ctx.case, None, ctx.actor, ctx.now, params
    )[:3]
    return Outcome(to_status=str(to_status), changes=changes, detail=detail)


def can_retry(case: Case) -> bool:
    return not case.refunds.filter(status=RefundStatus.PENDING).exists() and bool(
        _unreplaced_failures(case)
    )


def moved_by_its_own_service(ctx: ActionContext) -> Outcome:  # pragma: no cover
    raise AssertionError("moved by the refund ledger's settlement")


HANDLERS = {
    "record_contact": record_contact,
    "agree_new_address": agree_new_address,
    "agree_pickup": agree_pickup,
    "reship_other_carrier": reship_other_carrier,
    "cancel_and_refund": cancel_and_refund,
    "confirm_delivered": confirm_delivered,
    "close_problem": close_problem,
    "complete": complete,
    "retry_refund": retry_refund,
    "refund_failed": moved_by_its_own_service,
}
