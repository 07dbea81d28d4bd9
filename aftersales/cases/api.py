"""Case endpoints: create, list with filters, get, each action, notes, photos."""

# No ``from __future__ import annotations`` here: @paginate re-reads the view's signature from
# its own module, where the string "Query[CaseFilters]" cannot be resolved, and the OpenAPI
# schema then fails to build.
import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal, Union

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Body, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import BaseModel, Field, create_model

from aftersales.accounts.models import User
from aftersales.accounts.permissions import MSG_NOT_FOUND
from aftersales.cases import selectors, services
from aftersales.cases.models import Case, Priority
from aftersales.cases.registry import Action, registry
from aftersales.core.errors import DomainError, NotFound, TransitionNotAllowed
from aftersales.core.idempotency import idempotent, openapi_replayed
from aftersales.core.money import to_money
from aftersales.core.schemas import CONFLICT_ERRORS as ERRORS
from aftersales.core.schemas import ErrorOut, Paginated, ValidationErrorOut
from aftersales.core.validation import MAX_INT32, Id, text
from aftersales.core.workdays import span_confirmed
from aftersales.orders.models import OrderLine
from aftersales.orders.selectors import order_get

router = Router(tags=["cases"])


def _open_body() -> Any:
    """The body of ``POST /cases``: one schema per area's opener, told apart by ``kind``."""
    schemas = tuple(o.schema for o in registry.openers())
    if len(schemas) == 1:
        return schemas[0]
    return Annotated[Union[schemas], Field(discriminator="kind")]  # noqa: UP007


class CaseLineOut(Schema):
    order_line_id: int
    title: str
    quantity: int
    received_quantity: int | None


class CaseEventOut(Schema):
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
    kind_label: str
    status: str
    status_label: str
    reason: str
    assignee_id: int | None
    priority: int
    due_at: dt.datetime | None
    due_rule: str
    # False when the deadline's span touches a year whose statutory holidays are not yet
    # published (worked out by rule): the deadline may move.
    due_confirmed: bool
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
        return obj["status_label"] if isinstance(obj, dict) else obj.status_label

    @staticmethod
    def resolve_due_confirmed(obj) -> bool:
        if isinstance(obj, dict):
            return obj["due_confirmed"]
        return obj.due_at is None or span_confirmed(obj.created_at, obj.due_at)

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return obj["kind_label"] if isinstance(obj, dict) else obj.kind_label

    @staticmethod
    def resolve_actions(obj, context) -> list[str]:
        if isinstance(obj, dict):
            return obj["actions"]
        return selectors.allowed_actions(case=obj, user=context["request"].user)


class CaseDetailOut(CaseOut):
    buyer_claim: str
    lines: list[CaseLineOut]
    events: list[CaseEventOut]
    detail: dict[str, Any]


class CaseUpdateIn(Schema):
    expected_version: int | None = Field(default=None, ge=0, le=MAX_INT32)
    assignee_id: Id | None = None
    unassign: bool = False
    priority: Priority | None = None


class NoteIn(Schema):
    body: text(5000, required=True)


class NoteOut(Schema):
    id: int
    body: str


class AttachmentOut(Schema):
    id: int
    content_type: str
    size: int
    name: str


# The inbox's tabs: "" (or "all") every case the other filters leave, "mine" the reader's own
# queue, a stage every kind maps its statuses to, "overdue" open and past its deadline.
InboxTab = Literal[("",) + selectors.TABS]  # type: ignore[valid-type]


class CaseFilters(Schema):
    kind: text(32) = ""
    status: text(32) = ""
    assignee: text(20) = Field(default="", description='"me", "none" or a user id')
    q: text(100) = Field(
        default="",
        description=(
            "Order number, waybill or case number (exact); part of the buyer's nick or the "
            "receiver's name, any case (three characters anywhere, or the first two); the "
            "last four digits of the receiver's phone. A search finds closed cases too."
        ),
    )
    overdue: bool = False
    escalated: bool = False
    include_closed: bool = False
    shop: Id | None = None
    stage: InboxTab = ""  # type: ignore[valid-type]


class InboxCaseOut(CaseOut):
    """An inbox row: the case, its stage and the amount its kind shows in the inbox."""

    stage: str | None
    amount: Decimal | None

    @staticmethod
    def resolve_stage(obj) -> str | None:
        return registry.stage_of(obj.kind, obj.status)

    @staticmethod
    def resolve_amount(obj) -> Decimal | None:
        amount = getattr(obj, "inbox_amount", None)
        return to_money(amount) if amount is not None else None


def _case_out(case: Case, user: User) -> dict[str, Any]:
    return {
        "id": case.pk,
        "number": case.number,
        "shop_id": case.shop_id,
        "order_id": case.order_id,
        "order_no": case.order.order_no,
        "buyer_nick": case.order.buyer_nick,
        "kind": case.kind,
        "kind_label": case.kind_label,
        "status": case.status,
        "status_label": case.status_label,
        "reason": case.reason,
        "assignee_id": case.assignee_id,
        "priority": case.priority,
        "due_at": case.due_at,
        "due_rule": case.due_rule,
        "due_confirmed": case.due_at is None or span_confirmed(case.created_at, case.due_at),
        "is_open": case.is_open,
        "escalated_at": case.escalated_at,
        "version": case.version,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
        "actions": selectors.allowed_actions(case=case, user=user),
    }


def _detail_out(case: Case, user: User) -> dict[str, Any]:
    out = _case_out(case, user)
    # One case: the actions that can succeed now, not only those its state offers.
    out["actions"] = selectors.actions_now(case=case, user=user)
    kind = registry.get(case.kind)
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
    out["detail"] = kind.detail_api(case) if kind and kind.detail_api else {}
    return out


# A page never holds more than this, whatever limit is asked: the inbox of a big shop on
# Double 11 holds a hundred thousand open cases.
MAX_PAGE = 100


@router.get("", response={200: list[InboxCaseOut], 401: ErrorOut, 422: ValidationErrorOut})
@paginate(Paginated, max_limit=MAX_PAGE)
def list_cases(request, filters: Query[CaseFilters]):
    """The inbox: open cases of the reader's shops, what is due first (a search or
    ``include_closed`` finds closed ones too)."""
    qs = selectors.inbox(
        user=request.user,
        filters=selectors.InboxFilters(**filters.dict()),
        now=timezone.now(),
    )
    return qs


class TakeIn(Schema):
    expected_version: int | None = Field(default=None, ge=0, le=2**31 - 1)


class AssignIn(Schema):
    case_ids: list[Id] = Field(min_length=1, max_length=services.ASSIGN_MANY_MAX)
    assignee_id: Id | None = Field(description="null takes the cases from whoever has them")


class AssignedCaseOut(Schema):
    id: int
    number: str
    assignee_id: int | None
    version: int


class AssignOut(Schema):
    cases: list[AssignedCaseOut]


@router.post(
    "/assign",
    response={200: AssignOut, **ERRORS},
    summary="Assign several cases to one person",
    operation_id="cases_assign_many",
    openapi_extra=openapi_replayed(200),
)
@idempotent("cases")
def assign_cases(request, payload: AssignIn):
    """All or none: another shop's case (404), a role that may not assign (403), a closed
    case (409 ``case_closed``) or a person who is not active staff of every shop involved
    (400 ``invalid``) refuses the whole set. One event per case that changes hands."""
    ids = set(payload.case_ids)
    seen = selectors.cases_for(request.user).filter(pk__in=ids).count()
    if seen != len(ids):
        raise NotFound(MSG_NOT_FOUND)
    assignee = None
    if payload.assignee_id is not None:
        assignee = (
            User.objects.filter(pk=payload.assignee_id, shops__in=request.user.shop_ids())
            .distinct()
            .first()
        )
        if assignee is None:
            raise NotFound(MSG_NOT_FOUND)
    cases = services.cases_assign_many(
        case_ids=ids, assignee=assignee, actor=request.user, now=timezone.now()
    )
    return {
        "cases": [
            {"id": c.pk, "number": c.number, "assignee_id": c.assignee_id, "version": c.version}
            for c in cases
        ]
    }


@router.post(
    "/{case_id}/take",
    response={200: CaseDetailOut, **ERRORS},
    summary="Take a case (领取)",
    operation_id="case_take",
    openapi_extra=openapi_replayed(200),
)
@idempotent("cases")
def take_case(request, case_id: Id, payload: TakeIn):
    """The reader takes an unassigned open case. Someone else's answers 409
    ``already_assigned`` (reassigning is ``PATCH``), a closed one 409 ``case_closed``; taking
    one's own again changes nothing. Perm ``case.assign``."""
    case = selectors.case_get(user=request.user, case_id=case_id)
    services.case_take(
        case_id=case.pk,
        actor=request.user,
        now=timezone.now(),
        expected_version=payload.expected_version,
    )
    return _detail_out(selectors.case_get(user=request.user, case_id=case_id), request.user)


def create_case(request, payload: BaseModel):
    """Open a case. The body is the opener's of the area whose kind is named."""
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
    opener = registry.opener(payload.kind)
    case = opener.open(
        order=order, lines=lines, actor=request.user, now=timezone.now(), data=payload
    )
    return Status(
        201, _detail_out(selectors.case_get(user=request.user, case_id=case.pk), request.user)
    )


create_case.__annotations__["payload"] = Annotated[_open_body(), Body()]
router.add_api_operation(
    "",
    ["POST"],
    idempotent("cases", status=201)(create_case),
    response={201: CaseDetailOut, **ERRORS},
    summary="Open a case",
    openapi_extra=openapi_replayed(201),
)


@router.get("/{case_id}", response={200: CaseDetailOut, **ERRORS})
def get_case(request, case_id: Id):
    return _detail_out(selectors.case_get(user=request.user, case_id=case_id), request.user)


@router.patch("/{case_id}", response={200: CaseDetailOut, **ERRORS})
def update_case(request, case_id: Id, payload: CaseUpdateIn):
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


def _act(request, case_id: Id, action: str, payload) -> dict[str, Any]:
    case = selectors.case_get(user=request.user, case_id=case_id)
    services.case_act(
        case_id=case.pk,
        action=action,
        actor=request.user,
        now=timezone.now(),
        expected_version=payload.expected_version,
        params=payload.params,
        comment=payload.comment,
    )
    return _detail_out(selectors.case_get(user=request.user, case_id=case_id), request.user)


def _action_route(name: str, spec: Action) -> None:
    """One operation per action, each documenting its own parameters."""
    camel = "".join(part.title() for part in name.split("_"))
    params_default: Any = (
        ...
        if spec.params.model_fields
        and any(f.is_required() for f in spec.params.model_fields.values())
        else Field(default_factory=spec.params)
    )
    body = create_model(
        f"{camel}ActionIn",
        __base__=Schema,
        expected_version=(int | None, Field(default=None, ge=0, le=2**31 - 1)),
        comment=(text(500), ""),
        params=(spec.params, params_default),
    )

    def view(request, case_id: Id, payload):
        return _act(request, case_id, name, payload)

    view.__annotations__["payload"] = Annotated[body, Body()]
    view.__name__ = f"act_{name}"
    router.add_api_operation(
        f"/{{case_id}}/actions/{name}",
        ["POST"],
        idempotent("cases")(view),
        response={200: CaseDetailOut, **ERRORS},
        summary=str(spec.label),
        description=(spec.params.__doc__ or "").strip(),
        operation_id=f"case_action_{name}",
        openapi_extra=openapi_replayed(200),
    )


for _name, _spec in registry.public_actions().items():
    _action_route(_name, _spec)


@router.post("/{case_id}/actions/{action}", include_in_schema=False)
def act_unknown(request, case_id: Id, action: str):
    """Any other action name: the case exists for this user or not, and has no such action."""
    selectors.case_get(user=request.user, case_id=case_id)
    raise TransitionNotAllowed(services.MSG_UNKNOWN_ACTION, code="unknown_action")


@router.post(
    "/{case_id}/notes",
    response={201: NoteOut, **ERRORS},
    openapi_extra=openapi_replayed(201),
)
@idempotent("cases", status=201)
def add_note(request, case_id: Id, payload: NoteIn):
    case = selectors.case_get(user=request.user, case_id=case_id)
    note = services.note_add(case=case, author=request.user, body=payload.body, now=timezone.now())
    return Status(201, {"id": note.pk, "body": note.body})


@router.post("/{case_id}/attachments", response={201: AttachmentOut, **ERRORS})
def add_attachment(request, case_id: Id, file: File[UploadedFile]):
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
