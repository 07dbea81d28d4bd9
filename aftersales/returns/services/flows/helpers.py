"""What the actions share: reading parameters, issuing refunds, freight and stock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db.models import F
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import User
from aftersales.cases.models import Case, CaseLine
from aftersales.core.errors import DomainError
from aftersales.core.models import Carrier
from aftersales.core.money import ZERO, split_proportionally, to_money
from aftersales.core.selectors import workday_overrides
from aftersales.orders.models import Order, OrderLine, Product, Shipment, ShipmentDirection
from aftersales.returns import policies
from aftersales.returns.models import (
    FreightCharge,
    Refund,
    RefundStatus,
    ReshipLine,
    ReturnDetail,
)
from aftersales.returns.services.flows.constants import (
    MAX_AMOUNT,
    MSG_AMOUNT_FORMAT,
    MSG_AMOUNT_NOT_POSITIVE,
    MSG_CARRIER_REQUIRED,
    MSG_FREIGHT_NEGATIVE,
    MSG_NO_STOCK,
    MSG_NOTHING_TO_REFUND,
    MSG_RECEIVED_FORMAT,
    MSG_RECEIVED_QTY,
    MSG_REFUND_EXCEEDS_CASE,
    MSG_TOO_LONG,
    MSG_WAYBILL_REQUIRED,
)
from aftersales.returns.services.refunds import (
    case_return_freight_held,
    case_return_freight_owed,
    refund_request,
)


def _outbound_sign_in(order: Order) -> policies.SignIn:
    """The sign-in of the order's last parcel to arrive: its window ends last.

    Compared in Python on the window it opens, because an order may mix exact and date-only
    sign-ins, and ordering by the two columns puts a missing time first on PostgreSQL and
    last on SQLite, so the databases would pick different parcels.
    """
    shipments = Shipment.objects.filter(order=order, direction=ShipmentDirection.OUTBOUND).exclude(
        sign_precision="none"
    )
    latest, latest_end = policies.SignIn(), None
    for shipment in shipments:
        sign_in = policies.SignIn(at=shipment.signed_at, on=shipment.signed_on)
        window = policies.no_reason_window(sign_in)
        if window is not None and (latest_end is None or window[1] > latest_end):
            latest, latest_end = sign_in, window[1]
    return latest


def _goods_received_at(sign_in: policies.SignIn) -> dt.datetime | None:
    window = policies.no_reason_window(sign_in)
    return window[0] if window else None


def _line_share(line: OrderLine, qty: int) -> Decimal:
    """What ``qty`` units of a line were actually paid for."""
    if qty >= line.quantity:
        return line.amount_paid
    return to_money(line.amount_paid * qty / line.quantity)


def _record_freight(
    *,
    case: Case,
    order: Order,
    fault: str,
    insurance: bool,
    return_freight: Decimal = ZERO,
    reship_freight: Decimal = ZERO,
) -> None:
    shares = policies.freight_shares(
        fault_party=fault,
        free_shipping=order.free_shipping,
        outbound_freight=order.freight_paid,
        return_freight=return_freight,
        reship_freight=reship_freight,
        freight_insurance=insurance,
    )
    for share in shares:
        FreightCharge.objects.update_or_create(
            case=case, leg=share.leg, defaults={"bearer": share.bearer, "amount": share.amount}
        )


def _detail(case: Case) -> ReturnDetail:
    return ReturnDetail.objects.select_for_update().get(case=case)


def _carrier(params: dict[str, Any]) -> Carrier:
    carrier = params.get("carrier")
    if isinstance(carrier, Carrier):
        return carrier
    if not carrier:
        raise DomainError(MSG_CARRIER_REQUIRED, field="carrier", code="required")
    found = Carrier.objects.filter(pk=carrier).first() if str(carrier).isdigit() else None
    found = found or Carrier.objects.filter(code=carrier).first()
    if found is None:
        raise DomainError(MSG_CARRIER_REQUIRED, field="carrier", code="invalid")
    return found


def _bounded(value: str, *, model: type, field: str, param: str) -> str:
    """Refuse text longer than its column: PostgreSQL would fail the write, SQLite keep it."""
    limit = model._meta.get_field(field).max_length
    if len(value) > limit:
        raise DomainError(MSG_TOO_LONG % {"max": limit}, field=param, code="too_long")
    return value


def _waybill(params: dict[str, Any]) -> str:
    waybill = str(params.get("waybill_no") or "").strip()
    if not waybill:
        raise DomainError(MSG_WAYBILL_REQUIRED, field="waybill_no", code="required")
    return _bounded(waybill, model=Shipment, field="waybill_no", param="waybill_no")


def _case_lines(case: Case) -> list[CaseLine]:
    return list(case.lines.select_related("order_line").order_by("order_line__line_no"))


def split_within(total: Decimal, shares: list[Decimal]) -> list[Decimal]:
    """Spread ``total`` over ``shares`` in proportion; more than they add up to is refused,
    never cut down in silence."""
    total = to_money(total)
    worth = sum(shares, ZERO)
    if total > worth:
        raise DomainError(
            MSG_REFUND_EXCEEDS_CASE % {"max": worth}, field="amount", code="refund_exceeds_case"
        )
    return split_proportionally(total, shares)


def _issue_refunds(
    *,
    case: Case,
    actor: User | None,
    now: dt.datetime,
    total: Decimal | None,
    attempt: int,
    only_line: int | None = None,
    units_by_line: dict[int, int] | None = None,
) -> list[Refund]:
    """Split the case's refund across its lines and record each as pending.

    Without ``total`` each line gets what its units (those received, once the warehouse has
    counted them) were paid for. A chosen ``total`` is split in proportion and may not exceed
    that: cutting it down in silence would leave the event, and any approval, naming an
    amount that was never refunded.
    """
    lines = _case_lines(case)
    if only_line is not None:
        lines = [cl for cl in lines if cl.order_line_id == only_line]
        if not lines:
            raise DomainError(MSG_NOTHING_TO_REFUND, field="order_line_id", code="invalid")
    if units_by_line is not None:
        # Units chosen by the caller: a refused parcel's whole quantity, or the part missing.
        units = [units_by_line.get(cl.order_line_id, 0) for cl in lines]
    else:
        units = [
            (cl.received_quantity if cl.received_quantity is not None else cl.quantity)
            for cl in lines
        ]
    shares = [_line_share(cl.order_line, u) for cl, u in zip(lines, units, strict=True)]
    if total is not None:
        shares = split_within(total, shares)
    refunds = []
    for cl, share in zip(lines, shares, strict=True):
        if share <= 0:
            continue
        refund, _created = refund_request(
            order_line=cl.order_line,
            amount=share,
            idempotency_key=f"case-{case.pk}-{attempt}-{cl.order_line_id}",
            actor=actor,
            now=now,
            case_id=case.pk,
        )
        refunds.append(refund)
    if not refunds:
        raise DomainError(MSG_NOTHING_TO_REFUND, field="amount", code="nothing_to_refund")
    # The buyer's return freight that the seller bears goes back with the goods' refund, as an
    # entry of its own, capped by what the case recorded for that leg.
    back = case_return_freight_owed(case.pk) - case_return_freight_held(case.pk)
    if back > 0:
        refund, _created = refund_request(
            order_line=lines[0].order_line,
            amount=ZERO,
            return_freight_amount=back,
            idempotency_key=f"case-{case.pk}-{attempt}-return-freight",
            actor=actor,
            now=now,
            case_id=case.pk,
        )
        refunds.append(refund)
    return refunds


def refund_units(case: Case) -> dict[int, int]:
    """The units a refund of the case pays for, line by line: a refused parcel's whole
    quantity (the buyer kept nothing of it, whatever came back), else the units the warehouse
    counted back (all asked for, until it has counted)."""
    refusal = case.kind == "refusal"
    return {
        cl.order_line_id: (
            cl.quantity if refusal or cl.received_quantity is None else cl.received_quantity
        )
        for cl in _case_lines(case)
    }


def refund_goods_default(case: Case) -> Decimal:
    """What a refund with no amount pays for the goods: ``refund_units`` at their price."""
    units = refund_units(case)
    return sum(
        (_line_share(cl.order_line, units[cl.order_line_id]) for cl in _case_lines(case)), ZERO
    )


def _refund_attempt(case: Case) -> int:
    return (
        case.events.filter(
            action__in=["agree", "refund", "retry_refund", "convert_to_refund", "carry_out"]
        ).count()
        + 1
    )


def _amount_param(params: dict[str, Any], name: str) -> Decimal | None:
    value = params.get(name)
    if value in (None, ""):
        return None
    try:
        amount = to_money(str(value))
    except Exception as exc:
        raise DomainError(MSG_AMOUNT_FORMAT, field=name, code="invalid_amount") from exc
    if abs(amount) > MAX_AMOUNT:
        raise DomainError(MSG_AMOUNT_FORMAT, field=name, code="invalid_amount")
    return amount


def _freight_param(params: dict[str, Any]) -> Decimal:
    freight = _amount_param(params, "freight")
    if freight is None:
        return ZERO
    if freight < 0:
        raise DomainError(MSG_FREIGHT_NEGATIVE, field="freight", code="amount_negative")
    return freight


def _refund_amount_param(params: dict[str, Any]) -> Decimal | None:
    """A refund amount the agent typed, if any. Zero is an answer, not "use the default"."""
    amount = _amount_param(params, "amount")
    if amount is not None and amount <= 0:
        raise DomainError(MSG_AMOUNT_NOT_POSITIVE, field="amount", code="amount_not_positive")
    return amount


def _unreplaced_failures(case: Case) -> list[Refund]:
    """Failed refunds of the case that no retry has re-issued yet.

    A retry's idempotency key names the failed refund it replaces, so each failure is
    re-issued once, on its own line, however many rounds it takes."""
    refunds = list(case.refunds.select_related("order_line").order_by("created_at"))
    keys = {r.idempotency_key for r in refunds}
    return [
        r for r in refunds if r.status == RefundStatus.FAILED and _retry_key(case, r) not in keys
    ]


def _retry_key(case: Case, failed: Refund) -> str:
    return f"case-{case.pk}-retry-{failed.pk}"


def _refunds_done(case: Case) -> bool:
    """Every refund of the case went through: none pending, none failed and not re-issued."""
    statuses = set(case.refunds.values_list("status", flat=True))
    if RefundStatus.PENDING in statuses or RefundStatus.SUCCEEDED not in statuses:
        return False
    return not _unreplaced_failures(case)


def _refund_detail(refunds: list[Refund]) -> dict[str, Any]:
    """Each refund with what it pays back: the goods, and the return freight the seller bears."""
    return {"refunds": [[str(r.pk), str(r.amount + r.return_freight_amount)] for r in refunds]}


def _set_received(case: Case, params: dict[str, Any]) -> dict[str, int]:
    quantities = params.get("received") or {}
    if not isinstance(quantities, Mapping):
        raise DomainError(MSG_RECEIVED_FORMAT, field="received", code="invalid")
    out = {}
    for cl in _case_lines(case):
        raw = quantities.get(str(cl.order_line_id), quantities.get(cl.order_line_id, cl.quantity))
        try:
            qty = int(raw)
        except (TypeError, ValueError) as exc:
            raise DomainError(
                _("实收数量必须是整数。"), field=f"received.{cl.order_line_id}", code="invalid"
            ) from exc
        if qty < 0 or qty > cl.quantity:
            raise DomainError(
                MSG_RECEIVED_QTY % {"qty": cl.quantity},
                field=f"received.{cl.order_line_id}",
                code="invalid_quantity",
            )
        cl.received_quantity = qty
        cl.save(update_fields=["received_quantity"])
        out[str(cl.order_line_id)] = qty
    return out


def _stock_needed(case: Case) -> dict[str, int]:
    """Units per merchant code that a replacement sends: the SKU the buyer asked for instead,
    or the same goods again."""
    detail = ReturnDetail.objects.filter(case=case).first()
    wanted = detail.exchange_sku if detail is not None else ""
    needed: dict[str, int] = {}
    for cl in _case_lines(case):
        sku = wanted or cl.order_line.sku_code
        needed[sku] = needed.get(sku, 0) + cl.quantity
    return needed


def stock_short(*, shop_id: int, needed: dict[str, int]) -> dict[str, int]:
    """The merchant codes whose stock cannot cover ``needed``, with what is left of each."""
    stock = dict(
        Product.objects.filter(shop_id=shop_id, sku_code__in=list(needed)).values_list(
            "sku_code", "stock"
        )
    )
    return {sku: stock.get(sku, 0) for sku, qty in needed.items() if stock.get(sku, 0) < qty}


def _take_stock(case: Case) -> None:
    """Reserve the replacement units; refuses when any line lacks stock, taking nothing."""
    lines = _case_lines(case)
    # Two lines may be the same product (a colour each, one merchant code): what they need
    # together is what the stock must hold.
    needed = _stock_needed(case)
    if not _reserve(case.shop_id, needed):
        short = stock_short(shop_id=case.shop_id, needed=needed)
        title = lines[0].order_line.title if lines else ""
        raise DomainError(
            MSG_NO_STOCK % {"title": title, "stock": min(short.values(), default=0)},
            field="stock",
            code="no_stock",
        )


def _reserve(shop_id: int, needed: dict[str, int], *, untracked_ok: bool = False) -> bool:
    """Take ``needed`` units per merchant code from stock, all or nothing; False when any
    code lacks them (nothing is taken). The rows are locked in one order to avoid deadlocks.
    With ``untracked_ok``, a code the shop keeps no catalogue entry for is not counted (its
    stock is not kept here) rather than refused."""
    products = {
        p.sku_code: p
        for p in Product.objects.select_for_update()
        .filter(shop_id=shop_id, sku_code__in=list(needed))
        .order_by("pk")
    }
    if untracked_ok:
        needed = {sku: qty for sku, qty in needed.items() if sku in products}
    for sku_code, quantity in needed.items():
        product = products.get(sku_code)
        if product is None or product.stock < quantity:
            return False
    for sku_code, quantity in needed.items():
        Product.objects.filter(pk=products[sku_code].pk).update(stock=F("stock") - quantity)
    return True


def reship_reserve(case: Case, quantities: dict[int, int]) -> bool:
    """Record what a reship sends, line by line, and take its stock now, at the decision.
    False (and nothing written) when the stock cannot cover it: the caller refunds instead."""
    lines = {cl.order_line_id: cl for cl in _case_lines(case)}
    wanted = {line_id: qty for line_id, qty in quantities.items() if qty > 0}
    needed: dict[str, int] = {}
    for line_id, qty in wanted.items():
        sku = lines[line_id].order_line.sku_code
        needed[sku] = needed.get(sku, 0) + qty
    if not _reserve(case.shop_id, needed, untracked_ok=True):
        return False
    ReshipLine.objects.filter(case=case).delete()
    ReshipLine.objects.bulk_create(
        [
            ReshipLine(
                case=case,
                order_line=lines[line_id].order_line,
                sku_code=lines[line_id].order_line.sku_code,
                quantity=qty,
            )
            for line_id, qty in wanted.items()
        ]
    )
    return True


def _leg_amount(case: Case, leg: str) -> Decimal:
    charge = FreightCharge.objects.filter(case=case, leg=leg).first()
    return charge.amount if charge else ZERO


def _reship_due(now: dt.datetime) -> dict[str, Any]:
    return {
        "due_at": policies.reship_deadline(decided_at=now, overrides=workday_overrides()),
        "due_rule": "reship_3_workdays",
    }
