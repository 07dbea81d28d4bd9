"""Case endpoints: create, list with filters, get, each action, notes, photos."""

# No ``from __future__ import annotations`` here: @paginate re-reads the view's signature from
# its own module, where the string "Query[CaseFilters]" cannot be resolved, and the OpenAPI
# schema then fails to build.
import datetime as dt
from decimal import Decimal
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate
from pydantic import AwareDatetime, Field

from aftersales.accounts.models import User
from aftersales.cases import selectors, services
from aftersales.cases.models import Case, CaseKind, Priority, Reason
from aftersales.core.errors import DomainError
from aftersales.orders.models import OrderLine
from aftersales.orders.selectors import order_get
from aftersales.returns.services import case_act, return_case_open

router = Router(tags=["cases"])


class CaseLineIn(Schema):
    order_line_id: int
    quantity: int = Field(gt=0)


class CaseIn(Schema):
    order_id: int
    kind: CaseKind
    reason: Reason
    lines: list[CaseLineIn] = Field(min_length=1)
    buyer_claim: str = ""
    requested_amount: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    freight_insurance: bool = False
    # Aware only: the refusal's 24-hour clock needs an instant, and a naive time names none.
    refused_at: AwareDatetime | None = None
    priority: Priority | None = None


class CaseLineOut(Schema):
    order_line_id: int
    title: str
    quantity: int
    received_quantity: int | None


class EventOut(Schema):
    id: int
    actor: str | None
    action: str
    from_status: str
    to_status: str
    before: dict
    after: dict
    comment: str
    created_at: dt.datetime


class CaseOut(Schema):
    id: int
    number: str
    shop_id: int
    order_id: int
    order_no: str
    buyer_nick: str
    kind: str
    status: str
    status_label: str
    reason: str
    assignee_id: int | None
    priority: int
    due_at: dt.datetime | None
    due_rule: str
    is_open: bool
    escalated_at: dt.datetime | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    actions: list[str]

    # Resolvers let the paginator hand model rows straight to the schema, one page at a time.
    @staticmethod
    def resolve_order_no(obj) -> str:
        return obj["order_no"] if isinstance(obj, dict) else obj.order.order_no

    @staticmethod
    def resolve_buyer_nick(obj) -> str:
        return obj["buyer_nick"] if isinstance(obj, dict) else obj.order.buyer_nick

    @staticmethod
    def resolve_status_label(obj) -> str:
        return obj["status_label"] if isinstance(obj, dict) else obj.get_status_display()

    @staticmethod
    def resolve_actions(obj, context) -> list[str]:
        if isinstance(obj, dict):
            return obj["actions"]
        return selectors.allowed_actions(case=obj, user=context["request"].user)


class CaseDetailOut(CaseOut):
    buyer_claim: str
    lines: list[CaseLineOut]
    events: list[EventOut]
    detail: dict[str, Any]


class ActionIn(Schema):
    expected_version: int | None = None
    params: dict[str, Any] = {}
    comment: str = ""


class CaseUpdateIn(Schema):
    expected_version: int | None = None
    assignee_id: int | None = None
    unassign: bool = False
    priority: Priority | None = None


class NoteIn(Schema):
    body: str


class CaseFilters(Schema):
    kind: str = ""
    status: str = ""
    assignee: str = ""
    q: str = ""
    overdue: bool = False
    escalated: bool = False
    include_closed: bool = False
    shop: int | None = None


def _case_out(case: Case, user: User) -> dict[str, Any]:
    return {
        "id": case.pk,
        "number": case.number,
        "shop_id": case.shop_id,
        "order_id": case.order_id,
        "order_no": case.order.order_no,
        "buyer_nick": case.order.buyer_nick,
        "kind": case.kind,
        "status": case.status,
        "status_label": case.get_status_display(),
        "reason": case.reason,
        "assignee_id": case.assignee_id,
        "priority": case.priority,
        "due_at": case.due_at,
        "due_rule": case.due_rule,
        "is_open": case.is_open,
        "escalated_at": case.escalated_at,
        "version": case.version,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
        "actions": selectors.allowed_actions(case=case, user=user),
    }


def _detail_out(case: Case, user: User) -> dict[str, Any]:
    out = _case_out(case, user)
    detail = getattr(case, "returns", None)
    out["buyer_claim"] = case.buyer_claim
    out["lines"] = [
        {
            "order_line_id": cl.order_line_id,
            "title": cl.order_line.title,
            "quantity": cl.quantity,
            "received_quantity": cl.received_quantity,
        }
        for cl in selectors.case_lines(case)
    ]
    out["events"] = [
        {
            "id": e.pk,
            "actor": str(e.actor) if e.actor else None,
            "action": e.action,
            "from_status": e.from_status,
            "to_status": e.to_status,
            "before": e.before,
            "after": e.after,
            "comment": e.comment,
            "created_at": e.created_at,
        }
        for e in selectors.case_events(case)
    ]
    out["detail"] = (
        {
            "fault_party": detail.fault_party,
            "requested_amount": str(detail.requested_amount),
            "remedy": detail.remedy,
            "compensation_amount": str(detail.compensation_amount),
            "return_address": detail.return_address,
            "refuse_reason": detail.refuse_reason,
            "goods_intact": detail.goods_intact,
            "freight_insurance": detail.freight_insurance,
            "freight": [
                {"leg": f.leg, "bearer": f.bearer, "amount": str(f.amount)}
                for f in case.freight.order_by("id")
            ],
        }
        if detail
        else {}
    )
    return out


# A page never holds more than this, whatever limit is asked: the inbox of a big shop on
# Double 11 holds a hundred thousand open cases.
MAX_PAGE = 100


@router.get("", response=list[CaseOut])
@paginate(LimitOffsetPagination, max_limit=MAX_PAGE)
def list_cases(request, filters: Query[CaseFilters]):
    qs = selectors.inbox(
        user=request.user,
        filters=selectors.InboxFilters(**filters.dict()),
        now=timezone.now(),
    )
    return qs


@router.post("", response={201: CaseDetailOut})
def create_case(request, payload: CaseIn):
    order = order_get(user=request.user, order_id=payload.order_id)
    line_ids = [ln.order_line_id for ln in payload.lines]
    found = OrderLine.objects.in_bulk(line_ids)
    lines = []
    for ln in payload.lines:
        line = found.get(ln.order_line_id)
        if line is None or line.order_id != order.pk:
            raise DomainError(
                services.MSG_LINE_NOT_IN_ORDER, field="lines", code="line_not_in_order"
            )
        lines.append((line, ln.quantity))
    case = return_case_open(
        order=order,
        kind=payload.kind,
        lines=lines,
        reason=payload.reason,
        actor=request.user,
        now=timezone.now(),
        buyer_claim=payload.buyer_claim,
        requested_amount=payload.requested_amount,
        freight_insurance=payload.freight_insurance,
        refused_at=payload.refused_at,
        priority=payload.priority,
    )
    return Status(
        201, _detail_out(selectors.case_get(user=request.user, case_id=case.pk), request.user)
    )


@router.get("/{case_id}", response=CaseDetailOut)
def get_case(request, case_id: int):
    return _detail_out(selectors.case_get(user=request.user, case_id=case_id), request.user)


@router.patch("/{case_id}", response=CaseDetailOut)
def update_case(request, case_id: int, payload: CaseUpdateIn):
    case = selectors.case_get(user=request.user, case_id=case_id)
    assignee: Any = ...
    if payload.unassign:
        assignee = None
    elif payload.assignee_id is not None:
        assignee = get_object_or_404(
            User.objects.filter(shops=case.shop_id, is_active=True), pk=payload.assignee_id
        )
    services.case_update(
        case_id=case.pk,
        actor=request.user,
        now=timezone.now(),
        expected_version=payload.expected_version,
        assignee=assignee,
        priority=payload.priority,
    )
    return _detail_out(selectors.case_get(user=request.user, case_id=case_id), request.user)


@router.post("/{case_id}/actions/{action}", response=CaseDetailOut)
def act(request, case_id: int, action: str, payload: ActionIn):
    case = selectors.case_get(user=request.user, case_id=case_id)
    case_act(
        case_id=case.pk,
        action=action,
        actor=request.user,
        now=timezone.now(),
        expected_version=payload.expected_version,
        params=payload.params,
        comment=payload.comment,
    )
    return _detail_out(selectors.case_get(user=request.user, case_id=case_id), request.user)


@router.post("/{case_id}/notes", response={201: dict})
def add_note(request, case_id: int, payload: NoteIn):
    case = selectors.case_get(user=request.user, case_id=case_id)
    note = services.note_add(case=case, author=request.user, body=payload.body, now=timezone.now())
    return Status(201, {"id": note.pk, "body": note.body})


@router.post("/{case_id}/attachments", response={201: dict})
def add_attachment(request, case_id: int, file: File[UploadedFile]):
    case = selectors.case_get(user=request.user, case_id=case_id)
    attachment = services.attachment_add(
        case=case, uploaded_by=request.user, upload=file, now=timezone.now()
    )
    return Status(
        201,
        {
            "id": attachment.pk,
            "content_type": attachment.content_type,
            "size": attachment.size,
            "name": attachment.original_name,
        },
    )
