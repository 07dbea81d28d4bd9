"""Approval endpoints: the list and one approval, the decision, and the rules.

Mounted by the composition layer as ``api.add_router("/approvals", router)``. Errors are
raised as domain errors and answered by the API's handlers as ``{"code", "field", "message"}``.
"""

# No ``from __future__ import annotations``: @paginate re-reads the view's signature from this
# module and must be able to resolve its types.
import datetime as dt
from decimal import Decimal

from django.db.models import F
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from aftersales.accounts.permissions import Perm, authorize
from aftersales.approvals import policies, selectors, services
from aftersales.approvals.models import (
    DEFAULT_APPROVER_ROLE,
    DEFAULT_DEADLINE_HOURS,
    Approval,
    ApprovalStatus,
    RuleCondition,
)
from aftersales.core.schemas import ErrorOut, Paginated
from aftersales.core.validation import MAX_INT32, Id, Money, text

router = Router(tags=["approvals"])

# A page never holds more than this, whatever limit is asked.
MAX_PAGE = 100


class ApprovalOut(Schema):
    id: int
    case_id: int
    case_number: str
    kind: str
    kind_label: str
    amount: Decimal
    summary: str
    status: str
    status_label: str
    approver_role: str
    rule_id: int | None
    requested_by_id: int
    requested_by: str
    requested_at: dt.datetime
    due_at: dt.datetime | None
    overdue: bool
    decided_by_id: int | None
    decided_by: str | None
    decided_at: dt.datetime | None
    comment: str

    @staticmethod
    def resolve_case_number(obj: Approval) -> str:
        return str(obj.case.number)

    @staticmethod
    def resolve_kind_label(obj: Approval) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_status_label(obj: Approval) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_requested_by(obj: Approval) -> str:
        return str(obj.requested_by)

    @staticmethod
    def resolve_decided_by(obj: Approval) -> str | None:
        return str(obj.decided_by) if obj.decided_by_id else None

    @staticmethod
    def resolve_overdue(obj: Approval) -> bool:
        return policies.is_overdue(status=obj.status, due_at=obj.due_at, now=timezone.now())


class ApprovalFilters(Schema):
    status: ApprovalStatus | None = None
    # Only what the caller may decide now (the workbench's queue).
    queue: bool = False


class DecideIn(Schema):
    approve: bool
    comment: text(255) = ""


class ApprovalRuleOut(Schema):
    id: int
    shop_id: int | None
    case_kind: str
    condition: str
    threshold: Decimal
    approver_role: str
    deadline_hours: int
    is_active: bool
    note: str
    created_by_id: int | None
    created_at: dt.datetime
    updated_by_id: int | None
    updated_at: dt.datetime


class ApprovalRuleIn(Schema):
    shop_id: Id | None = Field(description="留空（null）表示所有店铺，仅管理员可设")
    case_kind: text(32) = ""
    condition: RuleCondition
    threshold: Money = Decimal("0.00")
    approver_role: text(32) = DEFAULT_APPROVER_ROLE
    deadline_hours: int = Field(default=DEFAULT_DEADLINE_HOURS, ge=1, le=MAX_INT32)
    note: text(255) = ""


class ApprovalRulePatch(Schema):
    case_kind: text(32) | None = None
    condition: RuleCondition | None = None
    threshold: Money | None = None
    approver_role: text(32) | None = None
    deadline_hours: int | None = Field(default=None, ge=1, le=MAX_INT32)
    note: text(255) | None = None
    is_active: bool | None = None


READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE_ERRORS = {**READ_ERRORS, 409: ErrorOut, 422: ErrorOut}


# --- rules (before "/{approval_id}", which would not match them anyway: its id is an int) -----


@router.get("/rules", response={200: list[ApprovalRuleOut], **READ_ERRORS})
def list_rules(request, active: bool | None = None):
    """The rules of the caller's shops and those of every shop."""
    authorize(request.user, Perm.APPROVAL_RULE_MANAGE)
    rules = selectors.approval_rules_for(request.user)
    if active is not None:
        rules = rules.filter(is_active=active)
    return list(rules)


@router.post("/rules", response={201: ApprovalRuleOut, **WRITE_ERRORS})
def create_rule(request, payload: ApprovalRuleIn):
    rule = services.approval_rule_create(
        actor=request.user,
        now=timezone.now(),
        **payload.dict(),
    )
    return Status(201, rule)


@router.patch("/rules/{rule_id}", response={200: ApprovalRuleOut, **WRITE_ERRORS})
def update_rule(request, rule_id: Id, payload: ApprovalRulePatch):
    """Change what is given; ``is_active: false`` switches the rule off."""
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return services.approval_rule_update(
        actor=request.user, rule_id=rule_id, now=timezone.now(), **changes
    )


# --- approvals -------------------------------------------------------------------------------


@router.get("", response={200: list[ApprovalOut], 401: ErrorOut, 422: ErrorOut})
@paginate(Paginated, max_limit=MAX_PAGE)
def list_approvals(request, filters: Query[ApprovalFilters]):
    """The approvals of the caller's shops, what is due first; ``queue=true`` keeps only those
    the caller may decide now."""
    if filters.queue:
        qs = selectors.approval_queue(request.user)
    else:
        qs = selectors.approvals_for(request.user).order_by(F("due_at").asc(nulls_last=True), "id")
    if filters.status is not None:
        qs = qs.filter(status=filters.status)
    return qs.select_related("case", "requested_by", "decided_by")


@router.get("/{approval_id}", response={200: ApprovalOut, **READ_ERRORS})
def get_approval(request, approval_id: Id):
    return selectors.approval_get(user=request.user, approval_id=approval_id)


@router.post("/{approval_id}/decide", response={200: ApprovalOut, **WRITE_ERRORS})
def decide_approval(request, approval_id: Id, payload: DecideIn):
    """Approve or reject. A rejection needs a ``comment`` (422 ``reason_required``); the
    requester may not decide their own (403 ``own_approval``); a decided approval is 409
    ``approval_decided``."""
    services.approval_decide(
        approval_id=approval_id,
        actor=request.user,
        approve=payload.approve,
        comment=payload.comment,
        now=timezone.now(),
    )
    return selectors.approval_get(user=request.user, approval_id=approval_id)
