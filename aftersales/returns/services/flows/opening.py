"""Registering a buyer's request."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from aftersales.accounts.models import User
from aftersales.cases import services as case_services
from aftersales.cases.models import Case, Reason
from aftersales.core.errors import DomainError
from aftersales.core.money import ZERO, to_money
from aftersales.orders.models import Order, OrderLine, Product
from aftersales.returns import policies
from aftersales.returns.kinds import CaseKind
from aftersales.returns.models import (
    ReturnDetail,
)
from aftersales.returns.services.flows.constants import (
    MSG_AMOUNT_NOT_POSITIVE,
    MSG_EXCHANGE_SKU_UNKNOWN,
    MSG_EXCLUSION_WITH_NOTE,
    MSG_KIND_NOT_RETURN,
    MSG_LINE_EXCLUDED,
    MSG_NOT_SIGNED_RETURN,
    MSG_REFUND_EXCEEDS_CASE,
    MSG_REFUSED_AT_REQUIRED,
    MSG_UNKNOWN_REASON,
    MSG_WINDOW_CLOSED,
    RETURN_KINDS,
    WINDOW_BOUND_KINDS,
)
from aftersales.returns.services.flows.helpers import (
    _line_share,
    _outbound_sign_in,
    _record_freight,
)


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
    assignee: User | None = None,
    exchange_sku: str = "",
) -> Case:
    """Register a buyer's request. The seven-day rule is checked here, line by line, for a
    no-reason request; quality and other seller-fault reasons are not bounded by it."""
    if kind not in RETURN_KINDS:
        raise DomainError(MSG_KIND_NOT_RETURN, field="kind", code="invalid_kind")
    if reason not in Reason.values:
        raise DomainError(
            MSG_UNKNOWN_REASON % {"reason": reason}, field="reason", code="invalid_reason"
        )
    if kind == CaseKind.REFUSAL and refused_at is None:
        # The 24-hour report rule is measured from it: a refusal without a time cannot be
        # judged late or on time.
        raise DomainError(MSG_REFUSED_AT_REQUIRED, field="refused_at", code="required")
    exchange_sku = (exchange_sku or "").strip()
    if kind == CaseKind.EXCHANGE:
        ordered = {line.sku_code for line, _qty in lines}
        if not exchange_sku:
            # Not said: the same goods again (换同款).
            exchange_sku = next(iter(sorted(ordered)), "")
        if (
            exchange_sku not in ordered
            and not Product.objects.filter(shop_id=order.shop_id, sku_code=exchange_sku).exists()
        ):
            raise DomainError(
                MSG_EXCHANGE_SKU_UNKNOWN % {"sku": exchange_sku},
                field="exchange_sku",
                code="unknown_sku",
            )
    else:
        exchange_sku = ""
    sign_in = _outbound_sign_in(order)
    # A buyer's own reason needs the goods signed for (the seven days run from it); a fault of
    # the seller is never refused for want of a sign-in time, which the tracking may not have.
    if (
        kind in (CaseKind.RETURN_REFUND, CaseKind.EXCHANGE)
        and policies.fault_party_for(reason) == "buyer"
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
                    why = MSG_EXCLUSION_WITH_NOTE % {
                        "reason": why,
                        "note": line.seven_day_exclusion_note,
                    }
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
        assignee=assignee,
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
    late = (
        kind == CaseKind.REFUSAL
        and refused_at is not None
        and policies.refusal_reported_late(refused_at=refused_at, reported_at=now)
    )
    ReturnDetail.objects.create(
        case=case,
        fault_party=fault,
        requested_amount=to_money(requested_amount),
        freight_insurance=freight_insurance,
        refused_at=refused_at,
        refusal_reported_late=late,
        exchange_sku=exchange_sku,
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


def return_case_open_from(
    *, order: Order, lines: list[tuple[OrderLine, int]], actor: User | None, now: dt.datetime, data
) -> Case:
    """The opener the case core dispatches to: the checked body of ``POST /cases`` or the
    new-case form's cleaned data."""
    get = data.get if isinstance(data, dict) else lambda k, d=None: getattr(data, k, d)
    return return_case_open(
        order=order,
        kind=str(get("kind")),
        lines=lines,
        reason=str(get("reason")),
        actor=actor,
        now=now,
        buyer_claim=get("buyer_claim") or "",
        requested_amount=get("requested_amount"),
        freight_insurance=bool(get("freight_insurance")),
        refused_at=get("refused_at"),
        priority=get("priority"),
        assignee=get("assignee"),
        exchange_sku=get("exchange_sku") or "",
    )
