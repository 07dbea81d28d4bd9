"""One service per business action on the cases of §1.

Each action locks the case, checks the move against the flow (cases.workflows), writes with
compare-and-set, appends the event, and queues notifications after commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import User
from aftersales.approvals.models import Approval, ApprovalKind, ApprovalStatus
from aftersales.cases import services as case_services
from aftersales.cases import workflows
from aftersales.cases.models import Case, CaseKind, CaseLine, CaseStatus, Reason
from aftersales.core.errors import DomainError, PermissionDeniedError, TransitionNotAllowed
from aftersales.core.money import ZERO, split_proportionally, to_money
from aftersales.core.selectors import workday_overrides
from aftersales.logistics.models import Carrier
from aftersales.messaging.services import message_queue
from aftersales.orders.models import Order, OrderLine, Product, Shipment, ShipmentDirection
from aftersales.returns import policies
from aftersales.returns.models import (
    FaultParty,
    FreightCharge,
    Refund,
    RefundStatus,
    Remedy,
    ReturnDetail,
)
from aftersales.returns.services.refunds import refund_request

__all__ = [
    "ACTIONS",
    "MSG_NO_STOCK",
    "MSG_NOT_SIGNED_RETURN",
    "MSG_OWN_APPROVAL",
    "MSG_REASON_REQUIRED",
    "MSG_REFUND_EXCEEDS_CASE",
    "MSG_WINDOW_CLOSED",
    "MSG_LINE_EXCLUDED",
    "RETURN_KINDS",
    "approval_decide",
    "case_act",
    "case_refunds_settled",
    "return_case_open",
]

RETURN_KINDS = frozenset(
    {
        CaseKind.REFUND_ONLY,
        CaseKind.RETURN_REFUND,
        CaseKind.EXCHANGE,
        CaseKind.REFUSAL,
        CaseKind.COMPENSATION,
    }
)

WINDOW_BOUND_KINDS = frozenset({CaseKind.REFUND_ONLY, CaseKind.RETURN_REFUND, CaseKind.EXCHANGE})

MSG_LINE_EXCLUDED = _("“%(title)s”不支持七天无理由退换货（%(why)s）。")
MSG_WINDOW_CLOSED = _("“%(title)s”的七天无理由期限已于 %(end)s 结束。")
MSG_NOT_SIGNED_RETURN = _("买家尚未签收，不能申请退货或换货；可申请仅退款或拒收。")
MSG_REASON_REQUIRED = _("请填写拒绝原因。")
MSG_NO_STOCK = _("“%(title)s”库存不足（剩余 %(stock)s），可改为退货退款。")
MSG_OWN_APPROVAL = _("不能审批自己提交的申请。")
MSG_REMEDY_REQUIRED = _("请选择补偿方式。")
MSG_AMOUNT_REQUIRED = _("请填写大于 0 的补偿金额。")
MSG_WAYBILL_REQUIRED = _("请填写运单号。")
MSG_CARRIER_REQUIRED = _("请选择快递公司。")
MSG_RECEIVED_QTY = _("实收数量不能超过申请数量 %(qty)s。")
MSG_REFUND_PENDING = _("还有退款在处理中，不能重新退款。")
MSG_NOTHING_TO_REFUND = _("没有可退的金额。")
MSG_NOT_ALL_REFUNDED = _("退款尚未全部成功，不能完成。")
MSG_GOODS_REQUIRED = _("请填写补偿的商品。")
MSG_KIND_NOT_RETURN = _("该类型不属于退换货及补偿。")
MSG_UNKNOWN_REASON = _("未知的售后原因：%(reason)s")
MSG_REFUND_EXCEEDS_CASE = _("退款金额超出本售后单商品的实付金额：最多可退 %(max)s 元。")
MSG_AMOUNT_NOT_POSITIVE = _("金额必须大于 0。")
MSG_AMOUNT_FORMAT = _("金额格式不正确。")
MSG_FREIGHT_NEGATIVE = _("运费不能为负数。")
MSG_TOO_LONG = _("不能超过 %(max)s 个字符。")
MSG_RECEIVED_FORMAT = _("请按商品行填写实收数量。")

# The largest amount a money column (12 digits, 2 after the point) holds. Above it PostgreSQL
# fails the insert and SQLite keeps it as given: refused here, the same on both.
MAX_AMOUNT = Decimal("9999999999.99")
MSG_UNKNOWN_ACTION = _("该售后单没有这个操作。")


# --- opening -------------------------------------------------------------------------------


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


@transaction.atomic
def return_case_open(
    *,
    order: Order,
    kind: str,
    lines: list[tuple[OrderLine, int]],
    reason: str,
    actor: User | None,
    now: dt.datetime,
    buyer_claim: str = "",
    requested_amount: Decimal | None = None,
    freight_insurance: bool = False,
    refused_at: dt.datetime | None = None,
    priority: int | None = None,
) -> Case:
    """Register a buyer's request. The seven-day rule is checked here, line by line, for a
    no-reason request; quality and other seller-fault reasons are not bounded by it."""
    if kind not in RETURN_KINDS:
        raise DomainError(MSG_KIND_NOT_RETURN, field="kind", code="invalid_kind")
    if reason not in Reason.values:
        raise DomainError(
            MSG_UNKNOWN_REASON % {"reason": reason}, field="reason", code="invalid_reason"
        )
    sign_in = _outbound_sign_in(order)
    if (
        kind in (CaseKind.RETURN_REFUND, CaseKind.EXCHANGE)
        and policies.no_reason_window(sign_in) is None
    ):
        raise DomainError(MSG_NOT_SIGNED_RETURN, field="kind", code="not_signed")
    # A buyer's own reason (no reason, changed mind, other) is what the seven-day rule bounds;
    # a fault of the seller (quality, damage, shortage, wrong item) follows the quality rules.
    # A refused parcel and a compensation are the seller's by nature.
    bounded = kind in WINDOW_BOUND_KINDS and policies.fault_party_for(reason) == "buyer"
    if bounded:
        for line, _qty in lines:
            decision = policies.no_reason_return_decision(
                eligible=line.seven_day_eligible, sign_in=sign_in, requested_at=now
            )
            if decision.reason == policies.LINE_EXCLUDED:
                why = line.get_seven_day_exclusion_display()
                if line.seven_day_exclusion_note:
                    why = f"{why}：{line.seven_day_exclusion_note}"
                raise DomainError(
                    MSG_LINE_EXCLUDED % {"title": line.title, "why": why},
                    field="reason",
                    code="line_excluded",
                )
            if decision.reason == policies.WINDOW_CLOSED:
                end = decision.window_end.astimezone(policies.SHANGHAI)
                raise DomainError(
                    MSG_WINDOW_CLOSED % {"title": line.title, "end": f"{end:%Y-%m-%d %H:%M}"},
                    field="reason",
                    code="window_closed",
                )
    fault = policies.fault_party_for(reason)
    if kind == CaseKind.REFUSAL:
        # A refused parcel's extra cost is the seller's, whatever the reason.
        fault = "seller"
    due_at = policies.response_deadline(now)
    case = case_services.case_create(
        order=order,
        kind=kind,
        lines=lines,
        actor=actor,
        now=now,
        reason=reason,
        buyer_claim=buyer_claim,
        due_at=due_at,
        due_rule="response_48h",
        **({"priority": priority} if priority else {}),
    )
    lines_worth = sum((_line_share(line, qty) for line, qty in lines), ZERO)
    if requested_amount is None:
        requested_amount = lines_worth
    elif to_money(requested_amount) < 0:
        raise DomainError(
            MSG_AMOUNT_NOT_POSITIVE, field="requested_amount", code="amount_not_positive"
        )
    elif kind != CaseKind.COMPENSATION and to_money(requested_amount) > lines_worth:
        # A refund is bounded by what the chosen units were paid for; compensation in cash
        # or goods is not (the jeans' stained bag), so its claim is taken as the buyer made it.
        raise DomainError(
            MSG_REFUND_EXCEEDS_CASE % {"max": lines_worth},
            field="requested_amount",
            code="refund_exceeds_case",
        )
    ReturnDetail.objects.create(
        case=case,
        fault_party=fault,
        requested_amount=to_money(requested_amount),
        freight_insurance=freight_insurance,
        refused_at=refused_at,
    )
    _record_freight(case=case, order=order, fault=fault, insurance=freight_insurance)
    if kind == CaseKind.REFUSAL and refused_at is not None:
        late = policies.refusal_reported_late(refused_at=refused_at, reported_at=now)
        case_services.event_append(
            case=case,
            actor=actor,
            action="refusal_reported",
            now=now,
            after={"refused_at": refused_at.isoformat(), "reported_late": late},
        )
    return case


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


# --- the actions ----------------------------------------------------------------------------


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


def _issue_refunds(
    *, case: Case, actor: User | None, now: dt.datetime, total: Decimal | None, attempt: int
) -> list[Refund]:
    """Split the case's refund across its lines and record each as pending.

    Without ``total`` each line gets what its units (those received, once the warehouse has
    counted them) were paid for. A chosen ``total`` is split in proportion and may not exceed
    that: cutting it down in silence would leave the event, and any approval, naming an
    amount that was never refunded.
    """
    lines = _case_lines(case)
    units = [
        (cl.received_quantity if cl.received_quantity is not None else cl.quantity) for cl in lines
    ]
    shares = [_line_share(cl.order_line, u) for cl, u in zip(lines, units, strict=True)]
    if total is not None:
        total = to_money(total)
        worth = sum(shares, ZERO)
        if total > worth:
            raise DomainError(
                MSG_REFUND_EXCEEDS_CASE % {"max": worth},
                field="amount",
                code="refund_exceeds_case",
            )
        shares = split_proportionally(total, shares)
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
    return refunds


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


def _agree(case, detail, actor, now, params):
    if case.kind == CaseKind.REFUND_ONLY:
        total = _refund_amount_param(params)
        if total is None:
            total = detail.requested_amount
        refunds = _issue_refunds(
            case=case, actor=actor, now=now, total=total, attempt=_refund_attempt(case)
        )
        detail.decided_at = now
        detail.save(update_fields=["decided_at"])
        return CaseStatus.REFUNDING, {"due_at": None, "due_rule": ""}, _refund_detail(refunds)
    address = _bounded(
        str(params.get("return_address") or case.shop.return_address),
        model=ReturnDetail,
        field="return_address",
        param="return_address",
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


def _refund_detail(refunds: list[Refund]) -> dict[str, Any]:
    return {"refunds": [[str(r.pk), str(r.amount)] for r in refunds]}


def _refuse(case, detail, actor, now, params):
    reason = str(params.get("reason") or "").strip()
    if not reason:
        raise DomainError(MSG_REASON_REQUIRED, field="reason", code="required")
    detail.refuse_reason = reason[:255]
    detail.save(update_fields=["refuse_reason"])
    return CaseStatus.REFUSED, {"due_at": None, "due_rule": ""}, {"reason": reason}


def _cancel(case, detail, actor, now, params):
    return CaseStatus.CANCELLED, {"due_at": None, "due_rule": ""}, {}


def _buyer_ship(case, detail, actor, now, params):
    carrier = _carrier(params)
    waybill = _waybill(params)
    freight = _freight_param(params)
    shipment = Shipment.objects.create(
        order=case.order,
        case=case,
        direction=ShipmentDirection.RETURN,
        carrier=carrier,
        waybill_no=waybill,
        shipped_at=now,
        freight=freight,
    )
    _record_freight(
        case=case,
        order=case.order,
        fault=detail.fault_party,
        insurance=detail.freight_insurance,
        return_freight=freight,
    )
    return (
        CaseStatus.RETURN_SHIPPED,
        {"due_at": None, "due_rule": ""},
        {"carrier": carrier.name, "waybill_no": waybill, "shipment": shipment.pk},
    )


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
    total = _refund_amount_param(params)
    if total is None and case.kind == CaseKind.COMPENSATION:
        total = detail.compensation_amount
    refunds = _issue_refunds(
        case=case, actor=actor, now=now, total=total, attempt=_refund_attempt(case)
    )
    return CaseStatus.REFUNDING, {"due_at": None, "due_rule": ""}, _refund_detail(refunds)


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
        failed = sum(amounts, ZERO)
        if total > failed:
            raise DomainError(
                MSG_REFUND_EXCEEDS_CASE % {"max": failed},
                field="amount",
                code="refund_exceeds_case",
            )
        amounts = split_proportionally(total, amounts)
    new = []
    for failed_refund, amount in zip(failures, amounts, strict=True):
        if amount <= 0:
            continue
        refund, _created = refund_request(
            order_line=failed_refund.order_line,
            amount=amount,
            idempotency_key=_retry_key(case, failed_refund),
            actor=actor,
            now=now,
            case_id=case.pk,
        )
        new.append(refund)
    return CaseStatus.REFUNDING, {}, _refund_detail(new)


def _complete(case, detail, actor, now, params):
    if not _refunds_done(case):
        raise DomainError(MSG_NOT_ALL_REFUNDED, field="status", code="refund_not_done")
    detail.carried_out_at = now
    detail.save(update_fields=["carried_out_at"])
    return CaseStatus.COMPLETED, {"due_at": None, "due_rule": ""}, {}


def _take_stock(case: Case) -> None:
    """Reserve the replacement units; refuses when any line lacks stock, taking nothing."""
    lines = _case_lines(case)
    # Two lines may be the same product (a colour each, one merchant code): what they need
    # together is what the stock must hold.
    needed: dict[str, int] = {}
    for cl in lines:
        needed[cl.order_line.sku_code] = needed.get(cl.order_line.sku_code, 0) + cl.quantity
    products = {
        p.sku_code: p
        for p in Product.objects.select_for_update()
        .filter(shop_id=case.shop_id, sku_code__in=list(needed))
        .order_by("pk")
    }
    for cl in lines:
        product = products.get(cl.order_line.sku_code)
        if product is None or product.stock < needed[cl.order_line.sku_code]:
            raise DomainError(
                MSG_NO_STOCK
                % {"title": cl.order_line.title, "stock": product.stock if product else 0},
                field="stock",
                code="no_stock",
            )
    for sku_code, quantity in needed.items():
        Product.objects.filter(pk=products[sku_code].pk).update(stock=F("stock") - quantity)


def _ship_replacement(case, detail, actor, now, params):
    carrier = _carrier(params)
    waybill = _waybill(params)
    _take_stock(case)
    freight = _freight_param(params)
    shipment = Shipment.objects.create(
        order=case.order,
        case=case,
        direction=ShipmentDirection.REPLACEMENT,
        carrier=carrier,
        waybill_no=waybill,
        shipped_at=now,
        freight=freight,
    )
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
        {"due_at": None, "due_rule": ""},
        {"carrier": carrier.name, "waybill_no": waybill, "shipment": shipment.pk},
    )


def _leg_amount(case: Case, leg: str) -> Decimal:
    charge = FreightCharge.objects.filter(case=case, leg=leg).first()
    return charge.amount if charge else ZERO


def _convert_to_refund(case, detail, actor, now, params):
    refunds = _issue_refunds(
        case=case, actor=actor, now=now, total=None, attempt=_refund_attempt(case)
    )
    # No stock for the replacement: the exchange becomes a return and refund.
    changes = {"kind": CaseKind.RETURN_REFUND, "due_at": None, "due_rule": ""}
    return CaseStatus.REFUNDING, changes, _refund_detail(refunds)


def _buyer_sign(case, detail, actor, now, params):
    detail.carried_out_at = detail.carried_out_at or now
    detail.save(update_fields=["carried_out_at"])
    return CaseStatus.COMPLETED, {"due_at": None, "due_rule": ""}, {}


def _escalate(case, detail, actor, now, params):
    return CaseStatus.DISPUTED, {"due_at": None, "due_rule": ""}, {}


def _parcel_back(case, detail, actor, now, params):
    received = _set_received(case, params)
    detail.inspection_note = str(params.get("note") or "")[:255]
    detail.save(update_fields=["inspection_note"])
    return (
        CaseStatus.PARCEL_RETURNED,
        {"due_at": policies.response_deadline(now), "due_rule": "response_48h"},
        {"received": received, "note": detail.inspection_note},
    )


def _reship_due(now: dt.datetime) -> dict[str, Any]:
    return {
        "due_at": policies.reship_deadline(decided_at=now, overrides=workday_overrides()),
        "due_rule": "reship_3_workdays",
    }


def _decide_reship(case, detail, actor, now, params):
    detail.remedy = Remedy.RESHIP
    detail.decided_at = now
    detail.save(update_fields=["remedy", "decided_at"])
    return CaseStatus.RESHIPPING, _reship_due(now), {"remedy": Remedy.RESHIP.value}


def _reship(case, detail, actor, now, params):
    carrier = _carrier(params)
    waybill = _waybill(params)
    freight = _freight_param(params)
    shipment = Shipment.objects.create(
        order=case.order,
        case=case,
        direction=ShipmentDirection.RESHIP,
        carrier=carrier,
        waybill_no=waybill,
        shipped_at=now,
        freight=freight,
    )
    # Reshipping what was missing is always the seller's cost.
    FreightCharge.objects.update_or_create(
        case=case, leg="reship", defaults={"bearer": "seller", "amount": freight}
    )
    detail.carried_out_at = now
    detail.save(update_fields=["carried_out_at"])
    return (
        CaseStatus.RESHIPPED,
        {"due_at": None, "due_rule": ""},
        {"carrier": carrier.name, "waybill_no": waybill, "shipment": shipment.pk},
    )


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
    if remedy == Remedy.GOODS and not goods:
        raise DomainError(MSG_GOODS_REQUIRED, field="goods", code="required")
    detail.remedy = remedy
    detail.compensation_amount = amount
    detail.compensation_goods = goods[:255]
    detail.decided_at = now
    detail.save(update_fields=["remedy", "compensation_amount", "compensation_goods", "decided_at"])
    after = {"remedy": remedy, "amount": str(amount), "goods": goods}
    if policies.needs_approval(amount=amount, threshold=case.shop.compensation_approval_threshold):
        Approval.objects.create(
            case=case,
            kind=ApprovalKind.COMPENSATION,
            amount=amount,
            summary=f"{Remedy(remedy).label} {amount}",
            requested_by=actor,
            requested_at=now,
        )
        return CaseStatus.AWAITING_APPROVAL, {"due_at": None, "due_rule": ""}, after
    return CaseStatus.APPROVED, {"due_at": None, "due_rule": ""}, after


def _carry_out(case, detail, actor, now, params):
    if detail.remedy == Remedy.REFUND:
        refunds = _issue_refunds(
            case=case,
            actor=actor,
            now=now,
            total=detail.compensation_amount,
            attempt=_refund_attempt(case),
        )
        return CaseStatus.REFUNDING, {"due_at": None, "due_rule": ""}, _refund_detail(refunds)
    if detail.remedy == Remedy.RESHIP:
        return CaseStatus.RESHIPPING, _reship_due(now), {"remedy": detail.remedy}
    detail.carried_out_at = now
    detail.save(update_fields=["carried_out_at"])
    return (
        CaseStatus.COMPLETED,
        {"due_at": None, "due_rule": ""},
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
    "reship": _reship,
    "decide": _decide,
    "carry_out": _carry_out,
}


@transaction.atomic
def case_act(
    *,
    case_id: int,
    action: str,
    actor: User,
    now: dt.datetime,
    expected_version: int | None = None,
    params: dict[str, Any] | None = None,
    comment: str = "",
) -> Case:
    """Take one action on a case of §1. Everything it writes stands or falls together."""
    params = params or {}
    case = case_services.case_lock(case_id=case_id, expected_version=expected_version)
    if case.kind not in RETURN_KINDS or action not in ACTIONS:
        raise TransitionNotAllowed(MSG_UNKNOWN_ACTION, code="unknown_action")
    case_services.check_role(actor=actor, action=action)
    # Refuse an action this state does not offer before any of its writes happen.
    if action not in workflows.actions_for(case.kind, case.status):
        workflows.check_move(case.kind, case.status, action, "")
    detail = _detail(case)
    to_status, changes, after = ACTIONS[action](case, detail, actor, now, params)
    case_services.case_move(
        case=case,
        actor=actor,
        action=action,
        to_status=to_status,
        now=now,
        changes=changes,
        detail=after,
        comment=comment,
        check_roles=False,
    )
    message = _buyer_message(action, after)
    if message is not None:
        message_queue(case=case, code=message[0], context=message[1], now=now)
    return case


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
            case_services.event_append(case=case, actor=None, action="refund_failed", now=now)
        return
    ReturnDetail.objects.filter(case=case).update(carried_out_at=now)
    case_services.case_move(
        case=case,
        actor=None,
        action="complete",
        to_status=CaseStatus.COMPLETED,
        now=now,
        changes={"due_at": None, "due_rule": ""},
    )


@transaction.atomic
def approval_decide(
    *, approval_id: int, actor: User, approve: bool, comment: str, now: dt.datetime
) -> Approval:
    """A supervisor approves or rejects; the requester can never approve their own request."""
    approval = Approval.objects.select_for_update().get(pk=approval_id)
    if approval.requested_by_id == actor.pk:
        raise PermissionDeniedError(MSG_OWN_APPROVAL, code="own_approval")
    action = "approve" if approve else "reject"
    case_services.check_role(actor=actor, action=action)
    if approval.status != ApprovalStatus.PENDING:
        raise DomainError(_("该审批已处理。"), field="status", code="approval_decided")
    case = case_services.case_lock(case_id=approval.case_id, expected_version=None)
    approval.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    approval.decided_by = actor
    approval.decided_at = now
    approval.comment = comment[:255]
    approval.save(update_fields=["status", "decided_by", "decided_at", "comment"])
    case_services.case_move(
        case=case,
        actor=actor,
        action=action,
        to_status=CaseStatus.APPROVED if approve else CaseStatus.REQUESTED,
        now=now,
        changes=(
            {"due_at": None, "due_rule": ""}
            if approve
            else {"due_at": policies.response_deadline(now), "due_rule": "response_48h"}
        ),
        detail={"approval": approval.pk, "amount": str(approval.amount)},
        comment=comment,
    )
    return approval
