"""The refund ledger.

Per order line, pending plus succeeded refunds never exceed what was paid for it; per order,
freight refunds never exceed the freight paid. Rows are locked order-first, then line, so two
requests on one line queue instead of both reading the same balance (a no-op on SQLite, whose
IMMEDIATE transactions already serialise writers).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import User
from aftersales.accounts.permissions import Perm, authorize
from aftersales.cases.services import event_append
from aftersales.core.errors import ConcurrentChange, DomainError
from aftersales.core.money import ZERO, to_money
from aftersales.orders.models import Order, OrderLine
from aftersales.returns.models import (
    HOLDING_STATUSES,
    Bearer,
    FreightCharge,
    FreightLeg,
    Refund,
    RefundStatus,
)

__all__ = [
    "MSG_AMOUNT_NOT_POSITIVE",
    "MSG_FREIGHT_CAP",
    "MSG_IDEMPOTENCY_REUSED",
    "MSG_KEY_INVALID",
    "MSG_LINE_CAP",
    "MSG_REFUND_SETTLED",
    "refund_request",
    "refund_settle",
]

MSG_LINE_CAP = _(
    "退款金额超出该商品可退金额：已付 %(paid)s 元，已占用 %(held)s 元，最多还可退 %(left)s 元。"
)
MSG_FREIGHT_CAP = _("退运费超出该订单实付运费：实付 %(paid)s 元，最多还可退 %(left)s 元。")
MSG_IDEMPOTENCY_REUSED = _("幂等键已用于另一笔不同内容的退款。")
MSG_AMOUNT_NOT_POSITIVE = _("退款金额必须大于 0，且不能为负数。")
MSG_KEY_INVALID = _("幂等键须为 1 到 64 个字符。")
MSG_REFUND_SETTLED = _("该退款已是“%(status)s”，不能再改为“%(target)s”。")
MSG_RETURN_FREIGHT_CAP = _(
    "退回运费补偿超出本售后单记录的卖家承担退回运费：记录 %(recorded)s 元，最多还可退 %(left)s 元。"
)
MSG_RETURN_FREIGHT_NO_CASE = _("退回运费补偿必须属于一个售后单。")
MSG_REFUND_NEEDS_CASE = _("退款必须属于一个售后单；没有售后单的退款请按补偿办理。")


def _fingerprint(
    *, line_id: int, amount: Decimal, freight: Decimal, case_id: int | None, back: Decimal = ZERO
) -> str:
    raw = f"{line_id}|{amount}|{freight}|{case_id or ''}"
    if back:
        raw += f"|back={back}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _existing(shop_id: int, key: str, fingerprint: str) -> Refund | None:
    refund = Refund.objects.filter(shop_id=shop_id, idempotency_key=key).first()
    if refund is not None and refund.request_fingerprint != fingerprint:
        raise DomainError(
            MSG_IDEMPOTENCY_REUSED, field="idempotency_key", code="idempotency_reused"
        )
    return refund


def line_held(line_id: int) -> Decimal:
    # SQLite hands a sum of decimals back without its scale (99, not 99.00); rounded here so
    # the message an agent reads is the same on every database.
    held = Refund.objects.filter(order_line_id=line_id, status__in=HOLDING_STATUSES).aggregate(
        s=Sum("amount")
    )["s"]
    return to_money(held or ZERO)


def order_freight_held(order_id: int) -> Decimal:
    held = Refund.objects.filter(
        order_line__order_id=order_id, status__in=HOLDING_STATUSES
    ).aggregate(s=Sum("freight_amount"))["s"]
    return to_money(held or ZERO)


def case_return_freight_held(case_id: int) -> Decimal:
    held = Refund.objects.filter(case_id=case_id, status__in=HOLDING_STATUSES).aggregate(
        s=Sum("return_freight_amount")
    )["s"]
    return to_money(held or ZERO)


def case_return_freight_owed(case_id: int) -> Decimal:
    """The buyer's return freight the seller bears on this case, as the case recorded it."""
    charge = FreightCharge.objects.filter(
        case_id=case_id, leg=FreightLeg.RETURN, bearer=Bearer.SELLER
    ).first()
    return charge.amount if charge else ZERO


def refund_request(
    *,
    order_line: OrderLine,
    amount: Decimal,
    idempotency_key: str,
    actor: User | None,
    now: dt.datetime,
    case_id: int,
    freight_amount: Decimal = ZERO,
    return_freight_amount: Decimal = ZERO,
) -> tuple[Refund, bool]:
    """Record a refund as pending. Returns (refund, created). The same key with the same
    content returns the first refund and moves no money again.

    ``actor`` None is the system carrying out a decision already checked (a case action);
    a person must hold the refund permission in the line's shop. Every refund belongs to a
    case: money moves through a case's actions, and a refund without one is a compensation
    (``returns.services.money.compensation_refund``)."""
    if case_id is None:
        raise DomainError(MSG_REFUND_NEEDS_CASE, field="case_id", code="case_required")
    if actor is not None:
        authorize(actor, Perm.REFUND_REQUEST, shop_id=order_line.order.shop_id)
    # The key's column holds 64 characters: longer fails the insert on PostgreSQL and is kept
    # whole on SQLite, so the same request would be once-only on one database and not the other.
    key_limit = Refund._meta.get_field("idempotency_key").max_length
    if not idempotency_key or len(idempotency_key) > key_limit:
        raise DomainError(MSG_KEY_INVALID, field="idempotency_key", code="invalid")
    amount = to_money(amount)
    freight_amount = to_money(freight_amount)
    back = to_money(return_freight_amount)
    if freight_amount < 0:
        raise DomainError(
            MSG_AMOUNT_NOT_POSITIVE, field="freight_amount", code="amount_not_positive"
        )
    if back < 0:
        raise DomainError(
            MSG_AMOUNT_NOT_POSITIVE, field="return_freight_amount", code="amount_not_positive"
        )
    if back and case_id is None:
        raise DomainError(
            MSG_RETURN_FREIGHT_NO_CASE, field="return_freight_amount", code="case_required"
        )
    if amount < 0 or (amount == 0 and freight_amount == 0 and back == 0):
        raise DomainError(MSG_AMOUNT_NOT_POSITIVE, field="amount", code="amount_not_positive")
    shop_id = order_line.order.shop_id
    fingerprint = _fingerprint(
        line_id=order_line.pk, amount=amount, freight=freight_amount, case_id=case_id, back=back
    )
    with transaction.atomic():
        found = _existing(shop_id, idempotency_key, fingerprint)
        if found is not None:
            return found, False
        order = Order.objects.select_for_update().get(pk=order_line.order_id)
        line = OrderLine.objects.select_for_update().get(pk=order_line.pk)
        # Someone with the same key may have committed while we waited for the lock.
        found = _existing(shop_id, idempotency_key, fingerprint)
        if found is not None:
            return found, False
        held = line_held(line.pk)
        if held + amount > line.amount_paid:
            left = max(line.amount_paid - held, ZERO)
            raise DomainError(
                MSG_LINE_CAP % {"paid": line.amount_paid, "held": held, "left": left},
                field="amount",
                code="refund_exceeds_paid",
            )
        if freight_amount:
            freight_held = order_freight_held(order.pk)
            if freight_held + freight_amount > order.freight_paid:
                left = max(order.freight_paid - freight_held, ZERO)
                raise DomainError(
                    MSG_FREIGHT_CAP % {"paid": order.freight_paid, "left": left},
                    field="freight_amount",
                    code="freight_exceeds_paid",
                )
        if back:
            recorded = case_return_freight_owed(case_id)
            back_held = case_return_freight_held(case_id)
            if back_held + back > recorded:
                raise DomainError(
                    MSG_RETURN_FREIGHT_CAP
                    % {"recorded": recorded, "left": max(recorded - back_held, ZERO)},
                    field="return_freight_amount",
                    code="return_freight_exceeds_recorded",
                )
        try:
            with transaction.atomic():
                refund = Refund.objects.create(
                    shop_id=shop_id,
                    order_line=line,
                    case_id=case_id,
                    amount=amount,
                    freight_amount=freight_amount,
                    return_freight_amount=back,
                    idempotency_key=idempotency_key,
                    request_fingerprint=fingerprint,
                    created_by=actor,
                    created_at=now,
                )
        except IntegrityError:
            # The same key on another line of the shop won the race for the unique index.
            found = _existing(shop_id, idempotency_key, fingerprint)
            if found is None:
                raise
            return found, False
    return refund, True


def refund_settle(
    *,
    refund_id,
    succeeded: bool,
    actor: User | None,
    now: dt.datetime,
    failure_reason: str = "",
) -> tuple[Refund, bool]:
    """Mark a pending refund succeeded or failed, once. Returns (refund, changed).

    Settling it again the same way changes nothing; the opposite way is refused. Who settled
    it is recorded (None: the platform's own record, imported) and the case's timeline says so.
    When the last pending refund of a case settles, the case moves on: completed, or back in a
    queue when one failed (see flows.case_refunds_settled).
    """
    target = RefundStatus.SUCCEEDED if succeeded else RefundStatus.FAILED
    with transaction.atomic():
        refund = Refund.objects.select_for_update().get(pk=refund_id)
        if actor is not None:
            authorize(actor, Perm.REFUND_SETTLE, shop_id=refund.shop_id)
        if refund.status == target:
            return refund, False
        if refund.status != RefundStatus.PENDING:
            raise DomainError(
                MSG_REFUND_SETTLED
                % {"status": RefundStatus(refund.status).label, "target": target.label},
                field="status",
                code="refund_already_settled",
            )
        updated = Refund.objects.filter(pk=refund.pk, status=RefundStatus.PENDING).update(
            status=target, settled_at=now, settled_by=actor, failure_reason=failure_reason[:255]
        )
        if updated != 1:
            raise ConcurrentChange(_("该退款刚被其他人处理过。"))
        refund.refresh_from_db()
        if refund.case_id is not None:
            from aftersales.returns.services.flows import case_refunds_settled

            event_append(
                case=refund.case,
                actor=actor,
                action="refund_settled",
                now=now,
                after={
                    "refund": str(refund.pk),
                    "amount": str(refund.amount),
                    "return_freight_amount": str(refund.return_freight_amount),
                    "status": refund.status,
                    "failure_reason": refund.failure_reason,
                },
                comment=refund.failure_reason,
            )
            case_refunds_settled(case_id=refund.case_id, now=now)
    return refund, True
