"""Refund ledger and approval endpoints."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Header, Router, Schema, Status
from pydantic import Field

from aftersales.cases.services import check_role
from aftersales.core.errors import DomainError
from aftersales.orders.models import OrderLine
from aftersales.returns import selectors
from aftersales.returns.services import approval_decide, refund_request, refund_settle

router = Router(tags=["refunds"])

MSG_KEY_REQUIRED = _("缺少幂等键（Idempotency-Key）。")


class RefundIn(Schema):
    order_line_id: int
    amount: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    freight_amount: Decimal = Field(default=Decimal("0.00"), ge=0, max_digits=12, decimal_places=2)
    idempotency_key: str | None = Field(default=None, max_length=64)
    case_id: int | None = None


class RefundOut(Schema):
    id: uuid.UUID
    order_line_id: int
    case_id: int | None
    amount: Decimal
    freight_amount: Decimal
    status: str
    idempotency_key: str
    failure_reason: str
    created_at: dt.datetime
    settled_at: dt.datetime | None


class SettleIn(Schema):
    succeeded: bool
    failure_reason: str = ""


class ApprovalOut(Schema):
    id: int
    case_id: int
    kind: str
    amount: Decimal
    summary: str
    status: str
    requested_by_id: int
    decided_by_id: int | None
    comment: str
    requested_at: dt.datetime
    decided_at: dt.datetime | None


class DecideIn(Schema):
    approve: bool
    comment: str = ""


@router.get("/refunds", response=list[RefundOut], tags=["refunds"])
def list_refunds(request, case_id: int | None = None, order_line_id: int | None = None):
    qs = selectors.refunds_for(request.user).order_by("created_at")
    if case_id is not None:
        qs = qs.filter(case_id=case_id)
    if order_line_id is not None:
        qs = qs.filter(order_line_id=order_line_id)
    return list(qs[:500])


@router.post("/refunds", response={200: RefundOut, 201: RefundOut}, tags=["refunds"])
def create_refund(
    request,
    payload: RefundIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=64),
):
    """Record a refund against an order line. Repeating a request with the same key returns
    the first refund (200) and moves no money again; the same key with other content is
    refused (400, ``idempotency_reused``)."""
    # Moving money is an agent's or a supervisor's call, as the case action "refund" is.
    check_role(actor=request.user, action="refund")
    key = payload.idempotency_key or idempotency_key
    if not key:
        raise DomainError(MSG_KEY_REQUIRED, field="idempotency_key", code="required")
    line = get_object_or_404(
        OrderLine.objects.select_related("order"),
        pk=payload.order_line_id,
        order__shop_id__in=request.user.shop_ids(),
    )
    if payload.case_id is not None:
        get_object_or_404(line.order.cases, pk=payload.case_id)
    refund, created = refund_request(
        order_line=line,
        amount=payload.amount,
        freight_amount=payload.freight_amount,
        idempotency_key=key,
        actor=request.user,
        now=timezone.now(),
        case_id=payload.case_id,
    )
    return Status(201 if created else 200, refund)


@router.get("/refunds/{refund_id}", response=RefundOut, tags=["refunds"])
def get_refund(request, refund_id: uuid.UUID):
    return get_object_or_404(selectors.refunds_for(request.user), pk=refund_id)


@router.post("/refunds/{refund_id}/settle", response=RefundOut, tags=["refunds"])
def settle_refund(request, refund_id: uuid.UUID, payload: SettleIn):
    check_role(actor=request.user, action="refund")
    refund = get_object_or_404(selectors.refunds_for(request.user), pk=refund_id)
    refund, _changed = refund_settle(
        refund_id=refund.pk,
        succeeded=payload.succeeded,
        failure_reason=payload.failure_reason,
        now=timezone.now(),
    )
    return refund


@router.get("/approvals", response=list[ApprovalOut], tags=["approvals"])
def list_approvals(request, status: str = "pending"):
    return list(selectors.approvals_for(request.user).filter(status=status)[:500])


@router.post("/approvals/{approval_id}/decide", response=ApprovalOut, tags=["approvals"])
def decide_approval(request, approval_id: int, payload: DecideIn):
    approval = get_object_or_404(selectors.approvals_for(request.user), pk=approval_id)
    return approval_decide(
        approval_id=approval.pk,
        actor=request.user,
        approve=payload.approve,
        comment=payload.comment,
        now=timezone.now(),
    )
