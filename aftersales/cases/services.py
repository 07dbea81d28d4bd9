"""The only code that writes cases. Every change of state leaves an event row behind."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel
from pydantic import ValidationError as SchemaError

from aftersales.accounts.models import User
from aftersales.accounts.permissions import MSG_NOT_FOUND, Perm, authorize
from aftersales.cases import workflows
from aftersales.cases.models import (
    Case,
    CaseAttachment,
    CaseEvent,
    CaseLine,
    CaseNote,
    Priority,
)
from aftersales.cases.registry import ActionContext, Kind, registry
from aftersales.core.errors import (
    ConcurrentChange,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDeniedError,
    TransitionNotAllowed,
)
from aftersales.core.uploads import ImageRefused, image_type
from aftersales.core.validation import code_of, reason_of, text_problem
from aftersales.orders.models import Order, OrderLine

MSG_CONCURRENT = _("该售后单刚被其他人修改过，请刷新后再操作。")
MSG_ROLE = _("您的角色不能执行“%(action)s”。")
MSG_LINE_NOT_IN_ORDER = _("商品行不属于该订单。")
MSG_QTY_TOO_MANY = _("数量 %(qty)s 超过购买数量 %(bought)s。")
MSG_QTY_NOT_POSITIVE = _("数量必须至少为 1。")
MSG_LINE_REPEATED = _("同一商品行只能选择一次。")
MSG_NO_LINES = _("请至少选择一个商品行。")
MSG_NOTE_EMPTY = _("备注不能为空。")
MSG_FILE_TYPE = _("只能上传 JPEG、PNG、WebP 或 GIF 图片。")
MSG_FILE_SIZE = _("图片不能超过 %(mb)s MB。")
MSG_FILE_BROKEN = _("图片已损坏或不完整，无法打开。")
MSG_FILE_PIXELS = _("图片像素过多，无法处理。")
MSG_UNKNOWN_ACTION = _("该售后单没有这个操作。")
MSG_UNKNOWN_KIND = _("未知的售后类型：%(kind)s")
MSG_ASSIGNEE_NOT_STAFF = _("只能分配给本店铺在职的员工。")
MSG_PARAM_INVALID = _("参数“%(field)s”无效：%(reason)s。")

# Case numbers read as the shop's calendar date, whatever zone a request has activated.
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _snapshot(case: Case, fields: Iterable[str]) -> dict[str, Any]:
    out = {}
    for f in fields:
        value = getattr(case, f"{f}_id" if f == "assignee" else f)
        out[f] = value.isoformat() if isinstance(value, dt.datetime) else value
    return out


def event_append(
    *,
    case: Case,
    actor: User | None,
    action: str,
    now: dt.datetime,
    from_status: str = "",
    to_status: str = "",
    before: dict | None = None,
    after: dict | None = None,
    comment: str = "",
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=to_status,
        before=before or {},
        after=after or {},
        comment=comment,
        created_at=now,
    )


def check_role(*, actor: User, kind: str, action: str) -> None:
    if not actor.has_role(*workflows.roles_for(kind, action)):
        raise PermissionDeniedError(MSG_ROLE % {"action": workflows.action_label(action)})


def kind_get(code: str) -> Kind:
    kind = registry.get(code)
    if kind is None:
        raise DomainError(MSG_UNKNOWN_KIND % {"kind": code}, field="kind", code="invalid_kind")
    return kind


def params_check(schema: type[BaseModel], params: BaseModel | dict[str, Any] | None) -> BaseModel:
    """An action's parameters as its schema types them; a bad one is a 422 naming the field."""
    if isinstance(params, schema):
        return params
    if isinstance(params, BaseModel):
        params = params.model_dump()
    try:
        return schema.model_validate(params or {})
    except SchemaError as exc:
        first = exc.errors()[0]
        loc = first["loc"]
        # A field, then list positions or mapping keys; a union's branch names are pydantic's
        # own words, not the client's.
        parts = [str(p) for p in loc[:1]] + [
            str(p) for p in loc[1:] if isinstance(p, int) or str(p).isdigit()
        ]
        field = ".".join(parts) or None
        raise InvalidInput(
            MSG_PARAM_INVALID % {"field": field or "-", "reason": reason_of(first)},
            field=field,
            code=code_of(first),
        ) from exc


@transaction.atomic
def case_create(
    *,
    order: Order,
    kind: str,
    lines: list[tuple[OrderLine, int]],
    actor: User | None,
    now: dt.datetime,
    reason: str = "",
    buyer_claim: str = "",
    priority: int = Priority.NORMAL,
    due_at: dt.datetime | None = None,
    due_rule: str = "",
    assignee: User | None = None,
) -> Case:
    """Open a case of a registered kind. ``actor`` None is the system itself (a tracking event,
    a sweep); a person must be allowed to open cases in the order's shop."""
    kind_spec = kind_get(kind)
    if actor is not None:
        authorize(actor, Perm.CASE_OPEN, shop_id=order.shop_id)
    if not lines:
        raise DomainError(MSG_NO_LINES, field="lines", code="lines_required")
    seen: set[int] = set()
    for line, qty in lines:
        if line.order_id != order.pk:
            raise DomainError(MSG_LINE_NOT_IN_ORDER, field="lines", code="line_not_in_order")
        if line.pk in seen:
            raise DomainError(MSG_LINE_REPEATED, field="lines", code="line_repeated")
        seen.add(line.pk)
        # Refused here rather than by the table's check, which would surface as a 500.
        if qty < 1:
            raise DomainError(MSG_QTY_NOT_POSITIVE, field="lines", code="quantity_not_positive")
        if qty > line.quantity:
            raise DomainError(
                MSG_QTY_TOO_MANY % {"qty": qty, "bought": line.quantity},
                field="lines",
                code="quantity_too_large",
            )
    case = Case.objects.create(
        number=uuid.uuid4().hex[:24],
        shop_id=order.shop_id,
        order=order,
        kind=kind,
        status=kind_spec.initial_status,
        reason=reason,
        buyer_claim=buyer_claim,
        priority=priority,
        due_at=due_at,
        due_rule=due_rule,
        assignee=assignee,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    # The number reads as a date and a serial, and is unique because the serial is the key.
    case.number = f"AS{now.astimezone(SHANGHAI):%y%m%d}{case.pk:07d}"
    case.save(update_fields=["number"])
    CaseLine.objects.bulk_create(
        [CaseLine(case=case, order_line=line, quantity=qty) for line, qty in lines]
    )
    event_append(
        case=case,
        actor=actor,
        action="create",
        now=now,
        to_status=case.status,
        after={"kind": kind, "reason": reason, "lines": [[ln.pk, q] for ln, q in lines]},
    )
    return case


def case_lock(*, case_id: int, expected_version: int | None) -> Case:
    """Lock the case row for this transaction and make sure nobody moved it since the actor
    looked at it. ``select_for_update`` is a no-op on SQLite, where the IMMEDIATE transaction
    already serialises writers, and the version check does the rest."""
    case = Case.objects.select_for_update().get(pk=case_id)
    if expected_version is not None and case.version != expected_version:
        raise ConcurrentChange(MSG_CONCURRENT)
    return case


def case_move(
    *,
    case: Case,
    actor: User | None,
    action: str,
    to_status: str,
    now: dt.datetime,
    changes: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
    comment: str = "",
    check_roles: bool = True,
) -> Case:
    """Move a locked case: guard, compare-and-set write, event. Must run inside the
    transaction that locked it (``case_lock``)."""
    if actor is not None and check_roles:
        check_role(actor=actor, kind=case.kind, action=action)
    workflows.check_move(case.kind, case.status, action, to_status)
    changes = dict(changes or {})
    from_status = case.status
    changes["status"] = to_status
    changes["is_open"] = to_status not in kind_get(case.kind).closed
    if not changes["is_open"] and case.closed_at is None:
        changes["closed_at"] = now
    if "due_at" in changes and changes["due_at"] != case.due_at and case.escalated_at:
        # A new deadline starts a new clock: escalate again only if this one is missed too.
        changes["escalated_at"] = None
    before = _snapshot(case, changes.keys())
    updated = Case.objects.filter(pk=case.pk, version=case.version).update(
        **changes, updated_at=now, version=F("version") + 1
    )
    if updated != 1:
        raise ConcurrentChange(MSG_CONCURRENT)
    for field, value in changes.items():
        setattr(case, field, value)
    case.updated_at = now
    case.version += 1
    after = _snapshot(case, changes.keys())
    if detail:
        after.update(detail)
    event_append(
        case=case,
        actor=actor,
        action=action,
        now=now,
        from_status=from_status,
        to_status=to_status,
        before=before,
        after=after,
        comment=comment,
    )
    return case


@transaction.atomic
def case_update(
    *,
    case_id: int,
    actor: User,
    now: dt.datetime,
    expected_version: int | None = None,
    assignee: User | None | object = ...,
    priority: int | None = None,
) -> Case:
    """Change who works a case or how urgent it is; the status stays."""
    case = case_lock(case_id=case_id, expected_version=expected_version)
    authorize(actor, Perm.CASE_ASSIGN, shop_id=case.shop_id)
    changes: dict[str, Any] = {}
    if assignee is not ...:
        if isinstance(assignee, User) and not (
            assignee.is_active and assignee.shops.filter(pk=case.shop_id).exists()
        ):
            raise DomainError(MSG_ASSIGNEE_NOT_STAFF, field="assignee_id", code="invalid")
        changes["assignee"] = assignee
    if priority is not None:
        changes["priority"] = Priority(priority)
    if not changes:
        return case
    before = _snapshot(case, changes.keys())
    Case.objects.filter(pk=case.pk).update(**changes, updated_at=now, version=F("version") + 1)
    for field, value in changes.items():
        setattr(case, field, value)
    case.updated_at = now
    case.version += 1
    event_append(
        case=case,
        actor=actor,
        action="update",
        now=now,
        before=before,
        after=_snapshot(case, changes.keys()),
    )
    return case


@transaction.atomic
def note_add(*, case: Case, author: User, body: str, now: dt.datetime) -> CaseNote:
    authorize(author, Perm.CASE_NOTE, shop_id=case.shop_id)
    body = body.strip()
    if not body:
        raise DomainError(MSG_NOTE_EMPTY, field="body", code="required")
    if text_problem(body):
        # NUL or half a surrogate pair: the database could not store it (the workbench's form).
        raise InvalidInput(
            reason_of({"type": text_problem(body)}), field="body", code="invalid_text"
        )
    note = CaseNote.objects.create(case=case, author=author, body=body, created_at=now)
    event_append(case=case, actor=author, action="note", now=now, comment=body[:500])
    return note


# Why a photo was refused, by ImageRefused.reason: (message, code). Each names the field.
_IMAGE_REFUSALS = {
    "not_image": (MSG_FILE_TYPE, "file_type"),
    "broken": (MSG_FILE_BROKEN, "image_broken"),
    "too_many_pixels": (MSG_FILE_PIXELS, "image_too_large"),
}


@transaction.atomic
def attachment_add(
    *, case: Case, uploaded_by: User, upload: UploadedFile, now: dt.datetime
) -> CaseAttachment:
    authorize(uploaded_by, Perm.CASE_NOTE, shop_id=case.shop_id)
    limit = settings.ATTACHMENT_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise DomainError(
            MSG_FILE_SIZE % {"mb": limit // (1024 * 1024)}, field="file", code="file_too_large"
        )
    # Decoded as an image (Pillow), not only sniffed: an SVG, an HTML page named .png, a
    # truncated file or a decompression bomb is refused before anything is kept.
    try:
        content_type = image_type(upload, max_pixels=settings.ATTACHMENT_MAX_PIXELS)
    except ImageRefused as exc:
        message, code = _IMAGE_REFUSALS[exc.reason]
        raise DomainError(message, field="file", code=code) from exc
    extension = content_type.split("/")[1].replace("jpeg", "jpg")
    attachment = CaseAttachment(
        case=case,
        uploaded_by=uploaded_by,
        original_name=(upload.name or "photo")[:255],
        content_type=content_type,
        size=upload.size,
        created_at=now,
    )
    attachment.file.save(f"{uuid.uuid4().hex}.{extension}", upload, save=False)
    attachment.save()
    event_append(
        case=case,
        actor=uploaded_by,
        action="attach",
        now=now,
        after={"attachment": attachment.pk, "name": attachment.original_name},
    )
    return attachment


@transaction.atomic
def case_act(
    *,
    case_id: int,
    action: str,
    actor: User,
    now: dt.datetime,
    expected_version: int | None = None,
    params: BaseModel | dict[str, Any] | None = None,
    comment: str = "",
) -> Case:
    """Take one action on a case of any kind: lock it, check the shop, the role, the move and
    the parameters, run the kind's handler, move, and let the kind follow up. Everything it
    writes stands or falls together."""
    case = case_lock(case_id=case_id, expected_version=expected_version)
    authorize(actor, Perm.CASE_VIEW, shop_id=case.shop_id)
    spec = registry.action(case.kind, action)
    if spec is None or spec.internal:
        raise TransitionNotAllowed(MSG_UNKNOWN_ACTION, code="unknown_action")
    check_role(actor=actor, kind=case.kind, action=action)
    # Refuse an action this state does not offer before any of its writes happen.
    if action not in workflows.actions_for(case.kind, case.status):
        workflows.check_move(case.kind, case.status, action, "")
    typed = params_check(spec.params, params)
    outcome = spec.handler(
        ActionContext(case=case, actor=actor, now=now, params=typed, comment=comment)
    )
    case_move(
        case=case,
        actor=actor,
        action=action,
        to_status=outcome.to_status,
        now=now,
        changes=dict(outcome.changes),
        detail=dict(outcome.detail),
        comment=comment,
        check_roles=False,
    )
    if outcome.then is not None:
        outcome.then()
    kind = kind_get(case.kind)
    if kind.after_action is not None:
        kind.after_action(case=case, action=action, detail=dict(outcome.detail), now=now)
    return case


ESCALATION_BATCH = 2000


@transaction.atomic
def cases_escalate_overdue(*, now: dt.datetime, batch: int = ESCALATION_BATCH) -> int:
    """Mark open cases past their deadline as escalated to a supervisor and raise them to
    urgent, in sets: one UPDATE and one bulk insert of events per batch, however many there are.
    Returns how many were escalated. Run by the periodic job; running it twice escalates once."""
    overdue = list(
        Case.objects.select_for_update(skip_locked=True)
        .filter(is_open=True, due_at__lt=now, escalated_at__isnull=True)
        .order_by("due_at", "id")
        .values("id", "priority", "version")[:batch]
    )
    if not overdue:
        return 0
    ids = [row["id"] for row in overdue]
    Case.objects.filter(pk__in=ids, escalated_at__isnull=True).update(
        escalated_at=now, priority=Priority.URGENT, updated_at=now, version=F("version") + 1
    )
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(
                case_id=row["id"],
                actor=None,
                action="escalate_overdue",
                before={"priority": row["priority"], "escalated_at": None},
                after={"priority": Priority.URGENT.value, "escalated_at": now.isoformat()},
                created_at=now,
            )
            for row in overdue
        ]
    )
    return len(overdue)


# --- taking and handing out cases ----------------------------------------------------------

MSG_TAKE_CLOSED = _("售后单 %(number)s 已结束，不能领取。")
MSG_TAKEN_BY = _("售后单 %(number)s 已被 %(who)s 领取。")
MSG_ASSIGN_NONE = _("请至少选择一个售后单。")
MSG_ASSIGN_TOO_MANY = _("一次最多分配 %(max)s 个售后单。")
MSG_ASSIGN_CLOSED = _("已结束的售后单不能分配：%(numbers)s。")

# A page of the inbox holds 50; a bulk assignment is a page's worth or a few, never a sweep.
ASSIGN_MANY_MAX = 200


@transaction.atomic
def case_take(
    *, case_id: int, actor: User, now: dt.datetime, expected_version: int | None = None
) -> Case:
    """The actor takes an unassigned open case (领取): it becomes theirs.

    Taking is assigning oneself, so it is Perm.CASE_ASSIGN's (agents and supervisors), not
    every role that may act on the case: the warehouse receives and ships the parcels of the
    shop's queue without owning the case, and a case a clerk had taken would be missing from
    the agents' pool of unassigned cases once the goods are in and a decision is due.

    A case someone else holds is refused (409, naming them): taking it from them is a
    reassignment, ``case_update``'s. Taking one's own case again changes nothing. The row is
    locked and read again, so of two people taking it at once one gets it and the other is
    told who did.
    """
    case = Case.objects.select_for_update().filter(pk=case_id).first()
    if case is None:
        raise NotFound(MSG_NOT_FOUND)
    # The shop and the role before the version: another shop's case is not found, however
    # stale the version a stranger sends.
    authorize(actor, Perm.CASE_ASSIGN, shop_id=case.shop_id)
    if expected_version is not None and case.version != expected_version:
        raise ConcurrentChange(MSG_CONCURRENT)
    if not case.is_open:
        raise TransitionNotAllowed(
            MSG_TAKE_CLOSED % {"number": case.number}, field="status", code="case_closed"
        )
    if case.assignee_id == actor.pk:
        return case
    if case.assignee_id is not None:
        holder = User.objects.get(pk=case.assignee_id)
        raise ConcurrentChange(
            MSG_TAKEN_BY % {"number": case.number, "who": holder},
            field="assignee_id",
            code="already_assigned",
        )
    Case.objects.filter(pk=case.pk).update(assignee=actor, updated_at=now, version=F("version") + 1)
    case.assignee = actor
    case.updated_at = now
    case.version += 1
    event_append(
        case=case,
        actor=actor,
        action="assign",
        now=now,
        before={"assignee": None},
        after={"assignee": actor.pk, "taken": True},
    )
    return case


@transaction.atomic
def cases_assign_many(
    *, case_ids: Iterable[int], assignee: User | None, actor: User, now: dt.datetime
) -> list[Case]:
    """Hand several open cases to one person (``None`` takes them from whoever has them),
    all or none: a case of a shop where the actor may not assign (404 for another shop's,
    403 for a role without Perm.CASE_ASSIGN), a closed case, or a person who is not active
    staff of every shop involved refuses the whole set, and nothing is written.

    The rows are locked in id order, so two bulk assignments over overlapping cases wait
    for each other rather than deadlock; then one UPDATE and one insert of events, one event
    per case that changes hands. Cases already with that person are left as they are.
    Returns the cases, in id order, as they now stand.
    """
    ids = sorted(set(case_ids))
    if not ids:
        raise DomainError(MSG_ASSIGN_NONE, field="case_ids", code="required")
    if len(ids) > ASSIGN_MANY_MAX:
        raise DomainError(
            MSG_ASSIGN_TOO_MANY % {"max": ASSIGN_MANY_MAX}, field="case_ids", code="too_many"
        )
    cases = list(
        Case.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .only("id", "number", "shop_id", "assignee_id", "is_open", "version", "updated_at")
    )
    shop_ids = sorted({case.shop_id for case in cases})
    # The shops first: another shop's case answers as if it did not exist, whatever else is
    # wrong with the request.
    for shop_id in shop_ids:
        authorize(actor, Perm.CASE_ASSIGN, shop_id=shop_id)
    if len(cases) != len(ids):
        raise NotFound(MSG_NOT_FOUND)
    if assignee is not None:
        staff_of = (
            set(assignee.shops.filter(pk__in=shop_ids).values_list("pk", flat=True))
            if assignee.is_active
            else set()
        )
        if staff_of != set(shop_ids):
            raise DomainError(MSG_ASSIGNEE_NOT_STAFF, field="assignee_id", code="invalid")
    closed = [case.number for case in cases if not case.is_open]
    if closed:
        raise TransitionNotAllowed(
            MSG_ASSIGN_CLOSED % {"numbers": "、".join(closed)},
            field="case_ids",
            code="case_closed",
        )
    target = assignee.pk if assignee is not None else None
    changing = [case for case in cases if case.assignee_id != target]
    if changing:
        Case.objects.filter(pk__in=[case.pk for case in changing]).update(
            assignee=assignee, updated_at=now, version=F("version") + 1
        )
        CaseEvent.objects.bulk_create(
            [
                CaseEvent(
                    case_id=case.pk,
                    actor=actor,
                    action="assign",
                    before={"assignee": case.assignee_id},
                    after={"assignee": target},
                    created_at=now,
                )
                for case in changing
            ]
        )
        for case in changing:
            case.assignee = assignee
            case.updated_at = now
            case.version += 1
    return cases
