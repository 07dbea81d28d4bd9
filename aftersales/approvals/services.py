"""The only code that writes approvals and approval rules.

Every function checks the actor's shop and role itself (``accounts.permissions``), so no page,
API call or task can get around it. Each one runs in a transaction; a refusal writes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Role, User
from aftersales.accounts.permissions import (
    MSG_NOT_FOUND,
    PERMISSIONS,
    Perm,
    authorize,
)
from aftersales.approvals import policies
from aftersales.approvals.models import (
    DEFAULT_APPROVER_ROLE,
    DEFAULT_DEADLINE_HOURS,
    Approval,
    ApprovalRule,
    ApprovalStatus,
    RuleCondition,
)
from aftersales.approvals.registry import decision_handler_for
from aftersales.cases.models import Case
from aftersales.cases.services import case_lock, event_append
from aftersales.core.errors import (
    DomainError,
    NotFound,
    PermissionDeniedError,
    TransitionNotAllowed,
)
from aftersales.core.money import ZERO, to_money

MSG_OWN_APPROVAL = _("不能审批自己提交的申请。")
MSG_REASON_REQUIRED = _("驳回时请填写原因。")
MSG_DECIDED = _("该审批已处理。")
MSG_APPROVER_ROLE = _("该申请需由“%(role)s”审批。")
MSG_PENDING_EXISTS = _("该售后单已有一个待审批的申请。")
MSG_SUMMARY_REQUIRED = _("请填写审批内容。")
MSG_TOO_LONG = _("不能超过 %(max)s 个字符。")
MSG_AMOUNT_INVALID = _("金额必须在 0 到 %(max)s 元之间。")
MSG_GLOBAL_RULE_ADMIN = _("只有管理员可以设置适用于所有店铺的审批规则。")
MSG_CONDITION_INVALID = _("未知的审批条件：%(condition)s")
MSG_APPROVER_ROLE_INVALID = _("“%(role)s”没有审批权限，不能作为审批角色。")
MSG_DEADLINE_INVALID = _("审批时限必须在 1 到 %(max)s 小时之间。")
MSG_CASE_KIND_INVALID = _("售后类型只能由小写字母、数字和下划线组成。")

# The largest amount a money column (12 digits, 2 after the point) holds.
MAX_AMOUNT = Decimal("9999999999.99")
# A year: beyond it a deadline means nothing, and a huge one would overflow the datetime.
MAX_DEADLINE_HOURS = 24 * 365
COMMENT_MAX = Approval._meta.get_field("comment").max_length or 255
SUMMARY_MAX = Approval._meta.get_field("summary").max_length or 255
NOTE_MAX = ApprovalRule._meta.get_field("note").max_length or 255
CASE_KIND_MAX = ApprovalRule._meta.get_field("case_kind").max_length or 32
_CASE_KIND = re.compile(r"[a-z0-9_]*")


class InvalidApprovalInput(DomainError):
    """A value the actor gave is wrong: the field is named (422, as a schema error is)."""

    code = "invalid"
    status = 422


def approver_roles() -> frozenset[str]:
    """The roles a rule may name as its approver: those the permission table lets decide.
    Any other role would leave the approval with nobody who may decide it."""
    return PERMISSIONS[Perm.APPROVAL_DECIDE]


def role_label(role: str) -> str:
    try:
        return str(Role(role).label)
    except ValueError:
        return role


def _money(value: Decimal | int | str, *, field: str) -> Decimal:
    try:
        amount = to_money(value)
    except (InvalidOperation, ValueError, TypeError):
        amount = None
    if amount is None or amount < ZERO or amount > MAX_AMOUNT:
        raise InvalidApprovalInput(MSG_AMOUNT_INVALID % {"max": MAX_AMOUNT}, field=field)
    return amount


def _text(value: str, *, field: str, max_length: int, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidApprovalInput(MSG_SUMMARY_REQUIRED, field=field, code="required")
    # Refused rather than cut: a shortened text would leave the record saying something else.
    if len(text) > max_length:
        raise InvalidApprovalInput(MSG_TOO_LONG % {"max": max_length}, field=field, code="too_long")
    return text


# --- approvals -------------------------------------------------------------------------------


@transaction.atomic
def approval_request(
    *,
    case: Case,
    kind: str,
    amount: Decimal,
    summary: str,
    actor: User,
    now: dt.datetime,
    rule: ApprovalRule,
) -> Approval:
    """Ask for an approval on ``case`` under ``rule`` (from ``selectors.approval_rule_for``).

    Called by an area from inside its own action, whose transaction it joins; the area moves
    its case to its awaiting-approval status itself. The approver's role and the deadline are
    the rule's, copied so that a later change of the rule does not move a running clock.
    """
    # Those who work matters with buyers request approvals; warehouse and packers do not.
    authorize(actor, Perm.CASE_OPEN, shop_id=case.shop_id)
    if rule.shop_id is not None and rule.shop_id != case.shop_id:
        raise ValueError(f"rule {rule.pk} belongs to shop {rule.shop_id}, not {case.shop_id}")
    amount = _money(amount, field="amount")
    summary = _text(summary, field="summary", max_length=SUMMARY_MAX, required=True)
    if Approval.objects.filter(case=case, status=ApprovalStatus.PENDING).exists():
        raise TransitionNotAllowed(MSG_PENDING_EXISTS, code="approval_pending")
    due_at = policies.due_at_for(requested_at=now, deadline_hours=rule.deadline_hours)
    try:
        # A savepoint: a second request racing this one hits the one-pending constraint, and
        # the caller's transaction must survive to report it.
        with transaction.atomic():
            approval = Approval.objects.create(
                case=case,
                kind=kind,
                amount=amount,
                summary=summary,
                rule=rule,
                approver_role=rule.approver_role,
                requested_by=actor,
                requested_at=now,
                due_at=due_at,
            )
    except IntegrityError:
        raise TransitionNotAllowed(MSG_PENDING_EXISTS, code="approval_pending") from None
    event_append(
        case=case,
        actor=actor,
        action="approval_requested",
        now=now,
        after={
            "approval": approval.pk,
            "kind": kind,
            "amount": str(amount),
            "summary": summary,
            "rule": rule.pk,
            "approver_role": rule.approver_role,
            "due_at": due_at.isoformat(),
        },
    )
    return approval


@transaction.atomic
def approval_decide(
    *, approval_id: int, actor: User, approve: bool, comment: str, now: dt.datetime
) -> Approval:
    """Approve or reject, then let the area move the case (its registered handler), all in one
    transaction. The requester can never decide their own request; a rejection says why."""
    approval = Approval.objects.select_for_update().filter(pk=approval_id).first()
    if approval is None:
        raise NotFound(MSG_NOT_FOUND)
    # The case is locked too: the handler moves it, and nobody else may move it meanwhile.
    case = case_lock(case_id=approval.case_id, expected_version=None)
    authorize(actor, Perm.APPROVAL_DECIDE, shop_id=case.shop_id)
    if not actor.has_role(approval.approver_role):
        raise PermissionDeniedError(
            MSG_APPROVER_ROLE % {"role": role_label(approval.approver_role)}, code="approver_role"
        )
    if approval.requested_by_id == actor.pk:
        raise PermissionDeniedError(MSG_OWN_APPROVAL, code="own_approval")
    if approval.status != ApprovalStatus.PENDING:
        raise TransitionNotAllowed(MSG_DECIDED, field="status", code="approval_decided")
    comment = _text(comment, field="comment", max_length=COMMENT_MAX)
    if not approve and not comment:
        raise InvalidApprovalInput(MSG_REASON_REQUIRED, field="comment", code="reason_required")
    # Looked up before anything is written: a kind nobody handles is a deployment error.
    handler = decision_handler_for(approval.kind)

    approval.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    approval.decided_by = actor
    approval.decided_at = now
    approval.comment = comment
    approval.save(update_fields=["status", "decided_by", "decided_at", "comment"])
    event_append(
        case=case,
        actor=actor,
        action="approval_approved" if approve else "approval_rejected",
        now=now,
        before={"approval": approval.pk, "status": ApprovalStatus.PENDING.value},
        after={
            "approval": approval.pk,
            "status": approval.status,
            "kind": approval.kind,
            "amount": str(approval.amount),
        },
        comment=comment,
    )
    approval.case = case
    handler(approval=approval, approve=approve, actor=actor, now=now, comment=comment)
    return approval


# --- rules -----------------------------------------------------------------------------------


def _authorize_rule(actor: User, shop_id: int | None) -> None:
    authorize(actor, Perm.APPROVAL_RULE_MANAGE, shop_id=shop_id)
    # A rule of every shop binds shops the actor may not work in: the administrator's call.
    if shop_id is None and not actor.has_role(Role.ADMINISTRATOR):
        raise PermissionDeniedError(MSG_GLOBAL_RULE_ADMIN, code="global_rule_admin_only")


def _rule_values(values: dict[str, Any]) -> dict[str, Any]:
    """Check what a create or an update sets; returns the values as they will be stored."""
    out: dict[str, Any] = {}
    if "case_kind" in values:
        kind = _text(values["case_kind"], field="case_kind", max_length=CASE_KIND_MAX)
        if not _CASE_KIND.fullmatch(kind):
            raise InvalidApprovalInput(MSG_CASE_KIND_INVALID, field="case_kind")
        out["case_kind"] = kind
    if "condition" in values:
        condition = str(values["condition"])
        if condition not in RuleCondition.values:
            raise InvalidApprovalInput(
                MSG_CONDITION_INVALID % {"condition": condition}, field="condition"
            )
        out["condition"] = condition
    if "threshold" in values:
        out["threshold"] = _money(values["threshold"], field="threshold")
    if "approver_role" in values:
        role = str(values["approver_role"])
        if role not in approver_roles():
            raise InvalidApprovalInput(
                MSG_APPROVER_ROLE_INVALID % {"role": role_label(role)},
                field="approver_role",
                code="approver_role_cannot_decide",
            )
        out["approver_role"] = role
    if "deadline_hours" in values:
        hours = values["deadline_hours"]
        if isinstance(hours, bool) or not isinstance(hours, int):
            raise InvalidApprovalInput(
                MSG_DEADLINE_INVALID % {"max": MAX_DEADLINE_HOURS}, field="deadline_hours"
            )
        if not 1 <= hours <= MAX_DEADLINE_HOURS:
            raise InvalidApprovalInput(
                MSG_DEADLINE_INVALID % {"max": MAX_DEADLINE_HOURS}, field="deadline_hours"
            )
        out["deadline_hours"] = hours
    if "note" in values:
        out["note"] = _text(values["note"], field="note", max_length=NOTE_MAX)
    if "is_active" in values:
        out["is_active"] = bool(values["is_active"])
    return out


@transaction.atomic
def approval_rule_create(
    *,
    actor: User,
    shop_id: int | None,
    condition: str,
    now: dt.datetime,
    case_kind: str = "",
    threshold: Decimal = ZERO,
    approver_role: str = DEFAULT_APPROVER_ROLE,
    deadline_hours: int = DEFAULT_DEADLINE_HOURS,
    note: str = "",
) -> ApprovalRule:
    """A new rule of one shop, or of every shop (``shop_id`` None, administrators only)."""
    _authorize_rule(actor, shop_id)
    values = _rule_values(
        {
            "case_kind": case_kind,
            "condition": condition,
            "threshold": threshold,
            "approver_role": approver_role,
            "deadline_hours": deadline_hours,
            "note": note,
        }
    )
    return ApprovalRule.objects.create(
        shop_id=shop_id,
        **values,
        is_active=True,
        created_by=actor,
        created_at=now,
        updated_by=actor,
        updated_at=now,
    )


_UNSET: Any = object()


def _rule_lock(rule_id: int) -> ApprovalRule:
    rule = ApprovalRule.objects.select_for_update().filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(MSG_NOT_FOUND)
    return rule


@transaction.atomic
def approval_rule_update(
    *,
    actor: User,
    rule_id: int,
    now: dt.datetime,
    case_kind: str = _UNSET,
    condition: str = _UNSET,
    threshold: Decimal = _UNSET,
    approver_role: str = _UNSET,
    deadline_hours: int = _UNSET,
    note: str = _UNSET,
    is_active: bool = _UNSET,
) -> ApprovalRule:
    """Change what a rule says; what is not given stays. Its shop never changes: a rule for
    another shop is another rule. Approvals already requested keep their role and deadline."""
    rule = _rule_lock(rule_id)
    _authorize_rule(actor, rule.shop_id)
    given = {
        "case_kind": case_kind,
        "condition": condition,
        "threshold": threshold,
        "approver_role": approver_role,
        "deadline_hours": deadline_hours,
        "note": note,
        "is_active": is_active,
    }
    changes = _rule_values({k: v for k, v in given.items() if v is not _UNSET})
    changes = {k: v for k, v in changes.items() if getattr(rule, k) != v}
    if not changes:
        return rule
    for field, value in changes.items():
        setattr(rule, field, value)
    rule.updated_by = actor
    rule.updated_at = now
    rule.save(update_fields=[*changes, "updated_by", "updated_at"])
    return rule


def approval_rule_deactivate(*, actor: User, rule_id: int, now: dt.datetime) -> ApprovalRule:
    """Switch a rule off. Rules are never deleted: the approvals it raised name it."""
    return approval_rule_update(actor=actor, rule_id=rule_id, now=now, is_active=False)
