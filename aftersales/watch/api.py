"""The watch's endpoints: follow-ups (list, one, take, log a contact, resolve, dismiss) and
the rules (list, create, update).

Mounted at ``/api/v1/watch``. Errors are domain errors answered as ``{"code", "field",
"message"}`` (``core.schemas.ErrorOut``): 401 without a token, 403 ``permission_denied`` for a
role that does not work follow-ups (or manage rules), 404 ``not_found`` for a record of another
shop, 409 ``followup_closed`` / ``followup_taken`` / ``rule_exists``, 422 naming the field.

Opening a case from a follow-up is a page of the workbench (the area's own opening form);
through the API a case is opened with ``POST /api/v1/cases`` and the follow-up resolved.
"""

# No ``from __future__ import annotations``: @paginate re-reads the view's signature from this
# module and must be able to resolve its types.
import datetime as dt

from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from aftersales.core.schemas import CONFLICT_ERRORS, ErrorOut, Paginated, ValidationErrorOut
from aftersales.core.validation import Id, text
from aftersales.watch import selectors, services
from aftersales.watch.models import (
    DEFAULT_DUE_HOURS,
    ContactChannel,
    ContactLog,
    ContactResult,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
)
from aftersales.watch.services import MAX_HOURS, NOTE_MAX, RESULT_MAX, SUMMARY_MAX

router = Router(tags=["watch"])

# A page never holds more than this, whatever limit is asked.
MAX_PAGE = 100

READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
LIST_ERRORS = {401: ErrorOut, 403: ErrorOut, 422: ValidationErrorOut}


class ContactOut(Schema):
    id: int
    channel: str
    channel_label: str
    summary: str
    result: str
    result_label: str
    by_id: int
    by: str
    at: dt.datetime

    @staticmethod
    def resolve_channel_label(obj: ContactLog) -> str:
        return str(obj.get_channel_display())

    @staticmethod
    def resolve_result_label(obj: ContactLog) -> str:
        return str(obj.get_result_display())

    @staticmethod
    def resolve_by(obj: ContactLog) -> str:
        return str(obj.by)


class FollowUpOut(Schema):
    id: int
    shop_id: int
    order_id: int
    order_no: str
    buyer_nick: str
    kind: str
    kind_label: str
    rule_id: int | None
    shipment_id: int | None
    waybill_no: str | None
    case_id: int | None
    basis_at: dt.datetime | None
    raised_at: dt.datetime
    due_at: dt.datetime
    overdue: bool
    status: str
    status_label: str
    assignee_id: int | None
    resolved_by_id: int | None
    resolved_at: dt.datetime | None
    result: str
    opened_case_id: int | None

    @staticmethod
    def resolve_order_no(obj: FollowUp) -> str:
        return obj.order.order_no

    @staticmethod
    def resolve_buyer_nick(obj: FollowUp) -> str:
        return obj.order.buyer_nick

    @staticmethod
    def resolve_kind_label(obj: FollowUp) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_status_label(obj: FollowUp) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_waybill_no(obj: FollowUp) -> str | None:
        return obj.shipment.waybill_no if obj.shipment_id else None

    @staticmethod
    def resolve_overdue(obj: FollowUp) -> bool:
        return obj.status == FollowUpStatus.OPEN and obj.due_at <= timezone.now()


class FollowUpDetailOut(FollowUpOut):
    contacts: list[ContactOut]

    @staticmethod
    def resolve_contacts(obj: FollowUp) -> list[ContactLog]:
        return list(obj.contacts.all())


class FollowUpFilters(Schema):
    status: FollowUpStatus = FollowUpStatus.OPEN
    kind: FollowUpKind | None = None
    order_id: Id | None = None
    # Only those the caller follows up.
    mine: bool = False


class ContactIn(Schema):
    channel: ContactChannel
    summary: text(SUMMARY_MAX, required=True)
    # ``case_opened`` is written by opening a case from the follow-up, not here.
    result: ContactResult


class ResolveIn(Schema):
    result: text(RESULT_MAX, required=True)


class DismissIn(Schema):
    reason: text(RESULT_MAX, required=True)


class RuleOut(Schema):
    id: int
    shop_id: int | None
    kind: str
    kind_label: str
    threshold_hours: int
    due_hours: int
    is_active: bool
    note: str
    created_by_id: int | None
    created_at: dt.datetime
    updated_by_id: int | None
    updated_at: dt.datetime

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return str(obj.get_kind_display())


class RuleIn(Schema):
    shop_id: Id | None = Field(description="留空（null）表示所有店铺，仅管理员可设")
    kind: FollowUpKind
    threshold_hours: int = Field(ge=0, le=MAX_HOURS)
    due_hours: int = Field(default=DEFAULT_DUE_HOURS, ge=1, le=MAX_HOURS)
    note: text(NOTE_MAX) = ""
    is_active: bool = True


class RulePatch(Schema):
    threshold_hours: int | None = Field(default=None, ge=0, le=MAX_HOURS)
    due_hours: int | None = Field(default=None, ge=1, le=MAX_HOURS)
    note: text(NOTE_MAX) | None = None
    is_active: bool | None = None


def _detail(request, followup_id: Id) -> FollowUp:
    return selectors.followup_get(user=request.user, followup_id=followup_id)


# --- rules (before "/{followup_id}") -------------------------------------------------------------


@router.get("/rules", response={200: list[RuleOut], **READ_ERRORS})
def list_rules(request):
    """The rules of the caller's shops and those of every shop (403 for a role that does not
    manage rules)."""
    return list(selectors.watch_rules_for(request.user))


@router.post("/rules", response={201: RuleOut, **CONFLICT_ERRORS})
def create_rule(request, payload: RuleIn):
    """A shop's own rule of a kind (409 ``rule_exists`` if it has one), or the every-shop rule
    (``shop_id`` null: administrators only, 403 ``global_rule_admin_only``)."""
    rule = services.watch_rule_create(actor=request.user, now=timezone.now(), **payload.dict())
    return Status(201, rule)


@router.patch("/rules/{watch_rule_id}", response={200: RuleOut, **CONFLICT_ERRORS})
def update_rule(request, watch_rule_id: Id, payload: RulePatch):
    """Change what is given; ``is_active: false`` switches the rule off."""
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return services.watch_rule_update(
        actor=request.user, rule_id=watch_rule_id, now=timezone.now(), **changes
    )


# --- follow-ups -----------------------------------------------------------------------------------


@router.get("/followups", response={200: list[FollowUpOut], **LIST_ERRORS})
@paginate(Paginated, max_limit=MAX_PAGE)
def list_followups(request, filters: Query[FollowUpFilters]):
    """The follow-ups of the caller's shops, what is due first (open ones by default)."""
    qs = selectors.followups_for(request.user).filter(status=filters.status)
    if filters.kind is not None:
        qs = qs.filter(kind=filters.kind)
    if filters.order_id is not None:
        qs = qs.filter(order_id=filters.order_id)
    if filters.mine:
        qs = qs.filter(assignee_id=request.user.pk)
    return qs.select_related("order", "shipment").order_by("due_at", "id")


@router.get("/followups/{followup_id}", response={200: FollowUpDetailOut, **READ_ERRORS})
def get_followup(request, followup_id: Id):
    return _detail(request, followup_id)


@router.post("/followups/{followup_id}/take", response={200: FollowUpDetailOut, **CONFLICT_ERRORS})
def take_followup(request, followup_id: Id):
    """Follow it up oneself. 409 ``followup_taken`` if another holds it, ``followup_closed``
    once it is closed."""
    services.followup_take(actor=request.user, followup_id=followup_id, now=timezone.now())
    return _detail(request, followup_id)


@router.post(
    "/followups/{followup_id}/contacts", response={201: FollowUpDetailOut, **CONFLICT_ERRORS}
)
def log_contact(request, followup_id: Id, payload: ContactIn):
    """Record a contact with the buyer; ``result: resolved`` also closes the follow-up as
    done. ``case_opened`` is refused (422 ``open_case_instead``)."""
    services.followup_log_contact(
        actor=request.user,
        followup_id=followup_id,
        channel=payload.channel.value,
        summary=payload.summary,
        result=payload.result.value,
        now=timezone.now(),
    )
    return Status(201, _detail(request, followup_id))


@router.post(
    "/followups/{followup_id}/resolve", response={200: FollowUpDetailOut, **CONFLICT_ERRORS}
)
def resolve_followup(request, followup_id: Id, payload: ResolveIn):
    services.followup_resolve(
        actor=request.user, followup_id=followup_id, result=payload.result, now=timezone.now()
    )
    return _detail(request, followup_id)


@router.post(
    "/followups/{followup_id}/dismiss", response={200: FollowUpDetailOut, **CONFLICT_ERRORS}
)
def dismiss_followup(request, followup_id: Id, payload: DismissIn):
    services.followup_dismiss(
        actor=request.user, followup_id=followup_id, reason=payload.reason, now=timezone.now()
    )
    return _detail(request, followup_id)
