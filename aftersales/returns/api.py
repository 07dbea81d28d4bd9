"""Refund ledger and approval endpoints."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Header, Router, Schema, Status
from pydantic import Field

from aftersales.accounts.permissions import Perm, authorize
from aftersales.core.errors import DomainError
from aftersales.core.idempotency import fingerprint_of, run_once
from aftersales.core.schemas import CONFLICT_ERRORS as ERRORS
from aftersales.core.schemas import ErrorOut
from aftersales.core.validation import Id, Money, text
from aftersales.orders.models import OrderLine
from aftersales.returns import selectors
from aftersales.returns.services import refund_settle
from aftersales.returns.services.money import (
    MSG_FREIGHT_NEEDS_CASE,
    case_line_refund,
    compensation_refund,
)

router = Router(tags=["refunds"])

MSG_KEY_REQUIRED = _("缺少幂等键（Idempotency-Key）。")


class RefundIn(Schema):
    order_line_id: Id
    amount: Money
    freight_amount: Money = Decimal("0.00")
    idempotency_key: text(64) | None = Field(default=None, min_length=1)
    case_id: Id | None = None
    note: text(500) = ""


class RefundOut(Schema):
    id: uuid.UUID
    order_line_id: int
    case_id: int | None
    amount: Decimal
    freight_amount: Decimal
    return_freight_amount: Decimal
    status: str
    idempotency_key: str
    failure_reason: str
    created_at: dt.datetime
    settled_at: dt.datetime | None
    settled_by_id: int | None


class PendingCompensationOut(Schema):
    """A refund without a case became a compensation that waits for approval: no money has
    moved yet."""

    case_id: int
    case_number: str
    status: str
    approval_required: bool


class RefundSettleIn(Schema):
    succeeded: bool
    failure_reason: text(255) = ""


@router.get(
    "/refunds", response={200: list[RefundOut], 401: ErrorOut, 422: ErrorOut}, tags=["refunds"]
)
def list_refunds(request, case_id: Id | None = None, order_line_id: Id | None = None):
    qs = selectors.refunds_for(request.user).order_by("created_at")
    if case_id is not None:
        qs = qs.filter(case_id=case_id)
    if order_line_id is not None:
        qs = qs.filter(order_line_id=order_line_id)
    return list(qs[:500])


@router.post(
    "/refunds",
    response={200: RefundOut, 201: RefundOut, 202: PendingCompensationOut, **ERRORS},
    tags=["refunds"],
)
def create_refund(
    request,
    payload: RefundIn,
    response: HttpResponse,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=64),
):
    """Ask for a refund of an order line; money only moves through a case.

    With ``case_id``: the case must be at a step that refunds (received, refused parcel back)
    and the line must be one of its lines; the case's refund action runs. Without: the refund
    is a compensation — a compensation case is opened and decided; under the approval rules'
    threshold it is carried out (201), above it waits for a supervisor (202, no money moved).

    Idempotency-Key (header or body) after the IETF draft: the same request again answers
    the first answer; the same key with another request is 422; while the first is still
    running, 409."""
    authorize(request.user, Perm.REFUND_REQUEST)
    key = idempotency_key or payload.idempotency_key
    if not key:
        raise DomainError(MSG_KEY_REQUIRED, field="idempotency_key", code="required")
    line = get_object_or_404(
        OrderLine.objects.select_related("order"),
        pk=payload.order_line_id,
        order__shop_id__in=request.user.shop_ids(),
    )
    if payload.freight_amount:
        raise DomainError(MSG_FREIGHT_NEEDS_CASE, field="freight_amount", code="case_required")
    body = payload.dict(exclude={"idempotency_key"})

    def work():
        now = timezone.now()
        if payload.case_id is not None:
            case = get_object_or_404(line.order.cases, pk=payload.case_id)
            refund = case_line_refund(
                case=case, order_line=line, amount=payload.amount, actor=request.user, now=now
            )
            return 201, RefundOut.from_orm(refund).dict()
        case, refund = compensation_refund(
            order_line=line, amount=payload.amount, actor=request.user, now=now, note=payload.note
        )
        if refund is None:
            return 202, {
                "case_id": case.pk,
                "case_number": case.number,
                "status": case.status,
                "approval_required": True,
            }
        return 201, RefundOut.from_orm(refund).dict()

    status, out, replayed = run_once(
        scope=f"refunds:{request.user.pk}",
        key=key,
        fingerprint=fingerprint_of("POST", "/refunds", body),
        work=work,
    )
    # A replay answers exactly what the first request answered, and says it is a replay.
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(status, out)


@router.get("/refunds/{refund_id}", response={200: RefundOut, **ERRORS}, tags=["refunds"])
def get_refund(request, refund_id: uuid.UUID):
    return get_object_or_404(selectors.refunds_for(request.user), pk=refund_id)


@router.post("/refunds/{refund_id}/settle", response={200: RefundOut, **ERRORS}, tags=["refunds"])
def settle_refund(request, refund_id: uuid.UUID, payload: RefundSettleIn):
    refund = get_object_or_404(selectors.refunds_for(request.user), pk=refund_id)
    refund, _changed = refund_settle(
        refund_id=refund.pk,
        succeeded=payload.succeeded,
        actor=request.user,
        failure_reason=payload.failure_reason,
        now=timezone.now(),
    )
    return refund
