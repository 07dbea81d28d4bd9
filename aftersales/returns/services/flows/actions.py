"""One handler per action: each returns the target status, the case fields to change and
the detail for the event. case_act runs them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import transaction

from aftersales.approvals.models import ApprovalKind
from aftersales.approvals.selectors import approval_rule_for
from aftersales.approvals.services import approval_request
from aftersales.cases import services as case_services
from aftersales.cases.models import Case
from aftersales.core.errors import DomainError
from aftersales.core.money import ZERO
from aftersales.messaging.services import message_queue
from aftersales.orders.models import Shipment, ShipmentDirection
from aftersales.returns import policies
from aftersales.returns.kinds import CaseKind, CaseStatus
from aftersales.returns.models import (
    FaultParty,
    FreightCharge,
    RefundStatus,
    Remedy,
    ReturnDetail,
)
from aftersales.returns.services.flows.constants import (
    MSG_AMOUNT_REQUIRED,
    MSG_CANCEL_REASON_REQUIRED,
    MSG_DEDUCTION_REASON_REQUIRED,
    MSG_EXCHANGE_NO_STOCK,
    MSG_GOODS_REQUIRED,
    MSG_GOODS_VALUE_REQUIRED,
    MSG_NOT_ALL_REFUNDED,
    MSG_NOT_INTACT_FULL,
    MSG_NOTHING_CAME_BACK,
    MSG_NOTHING_TO_REFUND,
    MSG_REASON_REQUIRED,
    MSG_REFUND_EXCEEDS_CASE,
    MSG_REFUND_PENDING,
    MSG_REMEDY_REQUIRED,
)
from aftersales.returns.services.flows.helpers import (
    _amount_param,
    _bounded,
    _carrier,
    _case_lines,
    _freight_param,
    _goods_received_at,
    _issue_refunds,
    _leg_amount,
    _line_share,
    _outbound_sign_in,
    _record_freight,
    _refund_amount_param,
    _refund_attempt,
    _refund_detail,
    _refunds_done,
    _reship_due,
    _retry_key,
    _set_received,
    _stock_needed,
    _take_stock,
    _unreplaced_failures,
    _waybill,
    refund_goods_default,
    refund_units,
    reship_reserve,
    split_within,
    stock_short,
)
from aftersales.returns.services.refunds import refund_request

# After a refund fails, someone must take the case up again within a day.
REFUND_FAILED_WINDOW = dt.timedelta(hours=24)

# A state that nobody's clock runs in.
NO_DEADLINE: dict[str, Any] = {"due_at": None, "due_rule": ""}


def _agree(case, detail, actor, now, params):
    if case.kind == CaseKind.REFUND_ONLY:
        # Through the API an omitted amount is what the buyer asked; the page always asks it.
        total = _refund_amount_param(params)
        if total is None:
            total = detail.requested_amount
        refunds = _issue_refunds(
            case=case, actor=actor, now=now, total=total, attempt=_refund_attempt(case)
        )
        detail.decided_at = now
        detail.save(update_fields=["decided_at"])
        return CaseStatus.REFUNDING, NO_DEADLINE, _refund_detail(refunds)
    address = _bounded(
        str(params.get("return_address") or case.shop.return_address),
        model=ReturnDetail,
        field="return_address",
        param="return_address",
    )
    if case.kind == CaseKind.EXCHANGE:
        # Agreeing to an exchange promises the replacement: its stock is checked now, and
        # without it the agent converts the case to a return and refund instead.
        short = stock_short(shop_id=case.shop_id, needed=_stock_needed(case))
        if short:
            sku, left = next(iter(short.items()))
            raise DomainError(
                MSG_EXCHANGE_NO_STOCK % {"sku": sku, "stock": left},
                field="stock",
                code="no_stock",
            )
    detail.return_address = address
    detail.decided_at = now
    detail.save(update_fields=["return_address", "decided_at"])
    received = _goods_received_at(_outbound_sign_in(case.order))
    if detail.fault_party == FaultParty.BUYER and received is not None:
        # A buyer's own reason: ship back within 7 days of receiving the goods.
        due = max(policies.ship_back_deadline(received), now)
    else:
        # The seller's fault is not bounded by the delivery date: 7 days from the agreement.
        due = now + policies.SHIP_BACK_WINDOW
    return (
        CaseStatus.AWAITING_RETURN,
        {"due_at": due, "due_rule": "ship_back_7d"},
        {"return_address": address},
    )


def _refuse(case, detail, actor, now, params):
    reason = str(params.get("reason") or "").strip()
    if not reason:
        raise DomainError(MSG_REASON_REQUIRED, field="reason", code="required")
    detail.refuse_reason = reason[:255]
    detail.save(update_fields=["refuse_reason"])
    return CaseStatus.REFUSED, NO_DEADLINE, {"reason": reason}


def _cancel(case, detail, actor, now, params):
    reason = str(params.get("reason") or "").strip()
    if not reason:
        raise DomainError(MSG_CANCEL_REASON_REQUIRED, field="reason", code="required")
    return CaseStatus.CANCELLED, NO_DEADLINE, {"reason": reason[:255]}


def _ship(
    case: Case,
    params: dict[str, Any],
    direction: str,
    now: dt.datetime,
    before: Callable[[Case], None] | None = None,
) -> Shipment:
    """A parcel of the case: the buyer's return, a replacement or a reship. The parameters are
    checked first; ``before`` (taking stock) runs after them and before anything is written."""
    carrier = _carrier(params)
    waybill = _waybill(params)
    freight = _freight_param(params)
    if before is not None:
        before(case)
    return Shipment.objects.create(
        order=case.order,
        case=case,
        direction=direction,
        carrier=carrier,
        waybill_no=waybill,
        shipped_at=now,
        freight=freight,
    )


def _buyer_ship(case, detail, actor, now, params):
    shipment = _ship(case, params, ShipmentDirection.RETURN, now)
    carrier, waybill, freight = shipment.carrier, shipment.waybill_no, shipment.freight
    _record_freight(
        case=case,
        order=case.order,
        fault=detail.fault_party,
        insurance=detail.freight_insurance,
        return_freight=freight,
    )
    return (
        CaseStatus.RETURN_SHIPPED,
        NO_DEADLINE,
        {"carrier": carrier.name, "waybill_no": waybill, "shipment": shipment.pk},
    )


def _receive(case, detail, actor, now, params):
    received = _set_received(case, params)
    intact = params.get("intact")
    intact = intact in (True, "true", "1", "on", 1)
    detail.goods_intact = intact
    detail.inspection_note = str(params.get("note") or "")[:255]
    detail.save(update_fields=["goods_intact", "inspection_note"])
    due = policies.response_deadline(now)
    return (
        CaseStatus.RECEIVED,
        {"due_at": due, "due_rule": "response_48h"},
        {"received": received, "intact": intact, "note": detail.inspection_note},
    )


def _refund(case, detail, actor, now, params):
    # Through the API an omitted amount is what the units were paid for (documented); the
    # page asks for it, filled with that, so an empty field is an error there.
    total = _refund_amount_param(params)
    if total is None and case.kind == CaseKind.COMPENSATION:
        total = detail.compensation_amount
    # A refused parcel's whole quantity, or what came back (refund_units).
    units = refund_units(case)
    after: dict[str, Any] = {}
    if (
        case.kind != CaseKind.REFUSAL
        and detail.fault_party == FaultParty.BUYER
        and detail.goods_intact is False
    ):
        # A no-reason return that came back not intact is not refunded in full: the agent
        # names the deduction.
        full = refund_goods_default(case)
        reason = str(params.get("deduction_reason") or "").strip()
        if total is None or total >= full:
            raise DomainError(
                MSG_NOT_INTACT_FULL % {"full": full}, field="amount", code="not_intact_full"
            )
        if not reason:
            raise DomainError(
                MSG_DEDUCTION_REASON_REQUIRED, field="deduction_reason", code="required"
            )
        detail.deduction_reason = reason[:255]
        detail.save(update_fields=["deduction_reason"])
        after["deduction_reason"] = detail.deduction_reason
    refunds = _issue_refunds(
        case=case,
        actor=actor,
        now=now,
        total=total,
        attempt=_refund_attempt(case),
        only_line=params.get("order_line_id"),
        units_by_line=units,
    )
    return CaseStatus.REFUNDING, NO_DEADLINE, {**_refund_detail(refunds), **after}


def _retry_refund(case, detail, actor, now, params):
    """Re-issue each failed refund on its own line. Splitting the failed sum over all the
    case's lines again would put part of it on lines already refunded in full."""
    if case.refunds.filter(status=RefundStatus.PENDING).exists():
        raise DomainError(MSG_REFUND_PENDING, field="status", code="refund_pending")
    failures = _unreplaced_failures(case)
    if not failures:
        raise DomainError(MSG_NOTHING_TO_REFUND, field="amount", code="nothing_to_refund")
    amounts = [f.amount for f in failures]
    total = _refund_amount_param(params)
    if total is not None:
        amounts = split_within(total, amounts)
    new = []
    for failed_refund, amount in zip(failures, amounts, strict=True):
        back = failed_refund.return_freight_amount
        if amount <= 0 and back <= 0:
            continue
        refund, _created = refund_request(
            order_line=failed_refund.order_line,
            amount=max(amount, ZERO),
            return_freight_amount=back,
            idempotency_key=_retry_key(case, failed_refund),
            actor=actor,
            now=now,
            case_id=case.pk,
        )
        new.append(refund)
    if not new:
        raise DomainError(MSG_NOTHING_TO_REFUND, field="amount", code="nothing_to_refund")
    return CaseStatus.REFUNDING, NO_DEADLINE, _refund_detail(new)


def _complete(case, detail, actor, now, params):
    if not _refunds_done(case):
        raise DomainError(MSG_NOT_ALL_REFUNDED, field="status", code="refund_not_done")
    detail.carried_out_at = now
    detail.save(update_fields=["carried_out_at"])
    return CaseStatus.COMPLETED, NO_DEADLINE, {}


def _ship_replacement(case, detail, actor, now, params):
    shipment = _ship(case, params, ShipmentDirection.REPLACEMENT, now, before=_take_stock)
    carrier, waybill, freight = shipment.carrier, shipment.waybill_no, shipment.freight
    _record_freight(
        case=case,
        order=case.order,
        fault=detail.fault_party,
        insurance=detail.freight_insurance,
        return_freight=_leg_amount(case, "return"),
        reship_freight=freight,
    )
    return (
        CaseStatus.REPLACEMENT_SHIPPED,
        NO_DEADLINE,
        {"carrier": carrier.name, "waybill_no": waybill, "shipment": shipment.pk},
    )


def _convert_to_refund(case, detail, actor, now, params):
    """No replacement (no stock, or the buyer changed their mind), at any step before it
    ships: the exchange becomes a return and refund. Once the goods are back, the refund is
    issued now; before, the case goes on as a return from where it is."""
    changes: dict[str, Any] = {"kind": CaseKind.RETURN_REFUND}
    if case.status != CaseStatus.RECEIVED:
        return case.status, changes, {"converted": True}
    refunds = _issue_refunds(
        case=case, actor=actor, now=now, total=None, attempt=_refund_attempt(case)
    )
    changes.update(due_at=None, due_rule="")
    return CaseStatus.REFUNDING, changes, _refund_detail(refunds)


def _buyer_sign(case, detail, actor, now, params):
    detail.carried_out_at = detail.carried_out_at or now
    detail.save(update_fields=["carried_out_at"])
    return CaseStatus.COMPLETED, NO_DEADLINE, {}


def _escalate(case, detail, actor, now, params):
    return CaseStatus.DISPUTED, NO_DEADLINE, {}


def _parcel_back(case, detail, actor, now, params):
    received = _set_received(case, params)
    detail.inspection_note = str(params.get("note") or "")[:255]
    detail.save(update_fields=["inspection_note"])
    return (
        CaseStatus.PARCEL_RETURNED,
        {"due_at": policies.response_deadline(now), "due_rule": "response_48h"},
        {"received": received, "note": detail.inspection_note},
    )


def _reship_or_refund(case, detail, actor, now, quantities: dict[int, int], after: dict):
    """Reship ``quantities`` (stock taken now, due in 3 working days from this decision), or,
    when the stock cannot cover them, refund those units instead."""
    detail.remedy = Remedy.RESHIP
    detail.decided_at = now
    detail.save(update_fields=["remedy", "decided_at"])
    if reship_reserve(case, quantities):
        lines = {str(k): v for k, v in quantities.items() if v > 0}
        return (
            CaseStatus.RESHIPPING,
            _reship_due(now),
            {
                **after,
                "remedy": Remedy.RESHIP.value,
                "reship": lines,
            },
        )
    refunds = _issue_refunds(
        case=case,
        actor=actor,
        now=now,
        total=None,
        attempt=_refund_attempt(case),
        units_by_line=quantities,
    )
    detail.remedy = Remedy.REFUND
    detail.save(update_fields=["remedy"])
    return CaseStatus.REFUNDING, NO_DEADLINE, {**after, "no_stock": True, **_refund_detail(refunds)}


def _decide_reship(case, detail, actor, now, params):
    """A refused parcel: send it all again."""
    quantities = {cl.order_line_id: cl.quantity for cl in _case_lines(case)}
    return _reship_or_refund(case, detail, actor, now, quantities, {})


def _reship_returned(case, detail, actor, now, params):
    """A refused parcel came back short: send again what came back, and refund the part that
    was missing (对数量不足的部分进行退款) — never less than the buyer paid for."""
    lines = _case_lines(case)
    back = {cl.order_line_id: cl.received_quantity or 0 for cl in lines}
    missing = {cl.order_line_id: cl.quantity - (cl.received_quantity or 0) for cl in lines}
    after: dict[str, Any] = {}
    if any(q > 0 for q in missing.values()):
        refunds = _issue_refunds(
            case=case,
            actor=actor,
            now=now,
            total=None,
            attempt=_refund_attempt(case),
            units_by_line=missing,
        )
        after.update(_refund_detail(refunds))
    if not any(q > 0 for q in back.values()):
        raise DomainError(MSG_NOTHING_CAME_BACK, field="received", code="nothing_came_back")
    status, changes, detail_out = _reship_or_refund(case, detail, actor, now, back, after)
    return status, changes, detail_out


def _reship(case, detail, actor, now, params):
    shipment = _ship(case, params, ShipmentDirection.RESHIP, now)
    carrier, waybill, freight = shipment.carrier, shipment.waybill_no, shipment.freight
    # Reshipping what was missing is always the seller's cost.
    FreightCharge.objects.update_or_create(
        case=case, leg="reship", defaults={"bearer": "seller", "amount": freight}
    )
    detail.carried_out_at = now
    detail.save(update_fields=["carried_out_at"])
    return (
        CaseStatus.RESHIPPED,
        NO_DEADLINE,
        {"carrier": carrier.name, "waybill_no": waybill, "shipment": shipment.pk},
    )


def _compensation_cost(case: Case, remedy: str, amount, goods_value) -> Any:
    """What the remedy costs the shop, the measure every approval rule reads: the money for
    a refund or cash, the goods' value for goods, the units sent again for a reship."""
    if remedy in (Remedy.REFUND, Remedy.CASH):
        return amount
    if remedy == Remedy.GOODS:
        return goods_value
    return sum((_line_share(cl.order_line, cl.quantity) for cl in _case_lines(case)), ZERO)


def _decide(case, detail, actor, now, params):
    remedy = params.get("remedy")
    if remedy not in Remedy.values:
        raise DomainError(MSG_REMEDY_REQUIRED, field="remedy", code="required")
    amount = _amount_param(params, "amount") or ZERO
    if remedy in (Remedy.REFUND, Remedy.CASH) and amount <= 0:
        raise DomainError(MSG_AMOUNT_REQUIRED, field="amount", code="required")
    if remedy == Remedy.REFUND:
        # Checked now, before anyone approves an amount the ledger could never pay.
        worth = sum((_line_share(cl.order_line, cl.quantity) for cl in _case_lines(case)), ZERO)
        if amount > worth:
            raise DomainError(
                MSG_REFUND_EXCEEDS_CASE % {"max": worth},
                field="amount",
                code="refund_exceeds_case",
            )
    goods = str(params.get("goods") or "").strip()
    goods_value = _amount_param(params, "goods_value")
    if remedy == Remedy.GOODS and not goods:
        raise DomainError(MSG_GOODS_REQUIRED, field="goods", code="required")
    if remedy == Remedy.GOODS and not goods_value:
        raise DomainError(MSG_GOODS_VALUE_REQUIRED, field="goods_value", code="required")
    cost = _compensation_cost(case, remedy, amount, goods_value)
    detail.remedy = remedy
    detail.compensation_amount = amount if remedy in (Remedy.REFUND, Remedy.CASH) else ZERO
    detail.compensation_goods = goods[:255]
    detail.compensation_cost = cost
    detail.decided_at = now
    detail.save(
        update_fields=[
            "remedy",
            "compensation_amount",
            "compensation_goods",
            "compensation_cost",
            "decided_at",
        ]
    )
    after = {"remedy": remedy, "amount": str(amount), "goods": goods, "cost": str(cost)}
    rule = approval_rule_for(shop_id=case.shop_id, case_kind=case.kind, cost=cost)
    if rule is not None:
        label = Remedy(remedy).label

        def request() -> None:
            approval_request(
                case=case,
                kind=ApprovalKind.COMPENSATION,
                amount=cost,
                summary=f"{label} {goods} {cost}" if goods else f"{label} {cost}",
                actor=actor,
                now=now,
                rule=rule,
            )

        return CaseStatus.AWAITING_APPROVAL, NO_DEADLINE, {**after, "rule": rule.pk}, request
    return CaseStatus.APPROVED, NO_DEADLINE, after


def compensation_decided(*, approval, approve: bool, actor, now, comment: str) -> None:
    """The approvals app's decision on a compensation moves its case: approved, it may be
    carried out; rejected, it goes back to the agent with a fresh clock."""
    case = approval.case
    case_services.case_move(
        case=case,
        actor=actor,
        action="approve" if approve else "reject",
        to_status=CaseStatus.APPROVED if approve else CaseStatus.REQUESTED,
        now=now,
        changes=(
            NO_DEADLINE
            if approve
            else {"due_at": policies.response_deadline(now), "due_rule": "response_48h"}
        ),
        detail={"approval": approval.pk, "amount": str(approval.amount)},
        comment=comment,
    )


def _carry_out(case, detail, actor, now, params):
    if detail.remedy == Remedy.REFUND:
        refunds = _issue_refunds(
            case=case,
            actor=actor,
            now=now,
            total=detail.compensation_amount,
            attempt=_refund_attempt(case),
        )
        return CaseStatus.REFUNDING, NO_DEADLINE, _refund_detail(refunds)
    if detail.remedy == Remedy.RESHIP:
        quantities = {cl.order_line_id: cl.quantity for cl in _case_lines(case)}
        return _reship_or_refund(case, detail, actor, now, quantities, {})
    detail.carried_out_at = now
    detail.save(update_fields=["carried_out_at"])
    return (
        CaseStatus.COMPLETED,
        NO_DEADLINE,
        {"remedy": detail.remedy, "amount": str(detail.compensation_amount)},
    )


ACTIONS = {
    "agree": _agree,
    "refuse": _refuse,
    "cancel": _cancel,
    "buyer_ship": _buyer_ship,
    "receive": _receive,
    "refund": _refund,
    "retry_refund": _retry_refund,
    "complete": _complete,
    "ship_replacement": _ship_replacement,
    "convert_to_refund": _convert_to_refund,
    "buyer_sign": _buyer_sign,
    "escalate": _escalate,
    "parcel_back": _parcel_back,
    "decide_reship": _decide_reship,
    "reship_returned": _reship_returned,
    "reship": _reship,
    "decide": _decide,
    "carry_out": _carry_out,
}


def buyer_message_queue(
    *, case: Case, action: str, after: dict[str, Any], now: dt.datetime
) -> None:
    """Queue what the buyer is told after an action (sent after commit by a task)."""
    message = _buyer_message(action, after)
    if message is not None:
        message_queue(case=case, code=message[0], context=message[1], now=now)


def _buyer_message(action: str, after: dict[str, Any]) -> tuple[str, dict[str, str]] | None:
    """What the buyer is told after an action: where to send the goods, the waybill of what
    is on its way to them, or the refund. Sent after commit by a task."""
    if "return_address" in after:
        return "return_address", {"address": after["return_address"]}
    if action in ("reship", "ship_replacement"):
        code = "reship" if action == "reship" else "replacement"
        return code, {"waybill": after["waybill_no"]}
    if after.get("refunds"):
        amount = sum((Decimal(amount) for _pk, amount in after["refunds"]), ZERO)
        return "refund", {"amount": str(amount)}
    return None


@transaction.atomic
def case_refunds_settled(*, case_id: int, now: dt.datetime) -> None:
    """After a refund of the case settles: every refund through completes it; one failed and
    not re-issued, with none pending, leaves it refunding and says so on the timeline."""
    case = case_services.case_lock(case_id=case_id, expected_version=None)
    if case.status != CaseStatus.REFUNDING:
        return
    if not _refunds_done(case):
        if not case.refunds.filter(status=RefundStatus.PENDING).exists() and (
            _unreplaced_failures(case)
        ):
            # Back in a queue with a deadline: a failed refund is never left "refunding".
            case_services.case_move(
                case=case,
                actor=None,
                action="refund_failed",
                to_status=CaseStatus.REFUND_FAILED,
                now=now,
                changes={
                    "due_at": now + REFUND_FAILED_WINDOW,
                    "due_rule": "refund_failed_24h",
                },
            )
        return
    ReturnDetail.objects.filter(case=case).update(carried_out_at=now)
    case_services.case_move(
        case=case,
        actor=None,
        action="complete",
        to_status=CaseStatus.COMPLETED,
        now=now,
        changes=NO_DEADLINE,
    )
