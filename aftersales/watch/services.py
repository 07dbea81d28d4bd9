"""The only code that writes follow-ups, contact logs and watch rules (the sweep aside, which
is the system's own, in ``sweep``).

Every function takes ``actor`` and checks it itself: working a follow-up is
``Perm.FOLLOWUP_WORK`` in the follow-up's shop; managing the rules is ``RULE_PERM``.
A follow-up of another shop is not found (404). Each runs in a transaction; a refusal writes
nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Role, User
from aftersales.accounts.permissions import MSG_NOT_FOUND, Perm, authorize
from aftersales.cases.models import Case
from aftersales.cases.registry import registry
from aftersales.core.errors import (
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDeniedError,
    TransitionNotAllowed,
)
from aftersales.core.validation import BLANK_CHARS, text_problem
from aftersales.orders.models import OrderLine
from aftersales.watch.models import (
    DEFAULT_DUE_HOURS,
    ContactChannel,
    ContactLog,
    ContactResult,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
    WatchRule,
)

# Managing the watch's rules: the supervisor for a shop, the administrator for every shop.
# FOLLOWUP_WORK would let the agents who work the queue set their own load.
RULE_PERM = Perm.WATCH_RULE_MANAGE

MSG_CLOSED = _("该跟踪任务已结束。")
MSG_TAKEN = _("该跟踪任务已由 %(name)s 跟进。")
MSG_REQUIRED = _("请填写%(what)s。")
MSG_TOO_LONG = _("不能超过 %(max)s 个字符。")
MSG_BAD_TEXT = _("含有不能保存的字符。")
MSG_CHANNEL = _("未知的联系方式：%(value)s")
MSG_RESULT = _("未知的联系结果：%(value)s")
MSG_CASE_FROM_FOLLOWUP = _("要新建售后单，请在跟踪任务上点“新建售后单”。")
MSG_KIND = _("未知的跟踪规则类型：%(value)s")
MSG_HOURS = _("必须在 %(min)s 到 %(max)s 小时之间。")
MSG_GLOBAL_RULE_ADMIN = _("只有管理员可以设置适用于所有店铺的跟踪规则。")
MSG_RULE_EXISTS = _("该店铺已有这一类型的跟踪规则，请修改原规则。")
MSG_NO_OPENER = _("不能从跟踪任务新建这一类型的售后单：%(kind)s")

SUMMARY_MAX = ContactLog._meta.get_field("summary").max_length or 500
RESULT_MAX = FollowUp._meta.get_field("result").max_length or 500
NOTE_MAX = WatchRule._meta.get_field("note").max_length or 255
# Within the watch's own span and a bit: a threshold or a deadline beyond it means nothing.
MAX_HOURS = 24 * 60

WHAT_SUMMARY = _("沟通内容")
WHAT_RESULT = _("处理结果")
WHAT_REASON = _("忽略原因")


def _text(value: Any, *, field: str, max_length: int, what: Any = None) -> str:
    text = str(value or "").strip(BLANK_CHARS)
    if text_problem(text):
        # NUL or half a surrogate pair: no database column takes it.
        raise InvalidInput(MSG_BAD_TEXT, field=field, code="invalid_text")
    if what is not None and not text:
        raise InvalidInput(MSG_REQUIRED % {"what": what}, field=field, code="required")
    # Refused rather than cut: a shortened text would say something else.
    if len(text) > max_length:
        raise InvalidInput(MSG_TOO_LONG % {"max": max_length}, field=field, code="too_long")
    return text


def _lock(followup_id: int) -> FollowUp:
    followup = (
        FollowUp.objects.select_for_update().select_related("order").filter(pk=followup_id).first()
    )
    if followup is None:
        raise NotFound(MSG_NOT_FOUND)
    return followup


def _locked_open(*, actor: User, followup_id: int) -> FollowUp:
    followup = _lock(followup_id)
    authorize(actor, Perm.FOLLOWUP_WORK, shop_id=followup.shop_id)
    if followup.status != FollowUpStatus.OPEN:
        raise TransitionNotAllowed(MSG_CLOSED, field="status", code="followup_closed")
    return followup


def _close(
    followup: FollowUp, *, status: str, actor: User, now: dt.datetime, result: str
) -> FollowUp:
    followup.status = status
    followup.resolved_by = actor
    followup.resolved_at = now
    followup.result = result
    if followup.assignee_id is None:
        followup.assignee = actor
    followup.save(update_fields=["status", "resolved_by", "resolved_at", "result", "assignee"])
    return followup


# --- working a follow-up -------------------------------------------------------------------------


@transaction.atomic
def followup_take(*, actor: User, followup_id: int, now: dt.datetime) -> FollowUp:
    """The actor follows it up. Taking one's own again changes nothing; one another agent
    holds is refused (409 ``followup_taken``)."""
    followup = _locked_open(actor=actor, followup_id=followup_id)
    if followup.assignee_id == actor.pk:
        return followup
    if followup.assignee_id is not None:
        raise TransitionNotAllowed(
            MSG_TAKEN % {"name": str(followup.assignee)}, field="assignee", code="followup_taken"
        )
    followup.assignee = actor
    followup.save(update_fields=["assignee"])
    return followup


@transaction.atomic
def followup_log_contact(
    *,
    actor: User,
    followup_id: int,
    channel: str,
    summary: str,
    result: str,
    now: dt.datetime,
) -> ContactLog:
    """Record a contact with the buyer. A contact that resolved it closes the follow-up
    (done, with the summary as its result); one of nobody's takes it for the actor. A case
    is opened with ``followup_open_case``, which logs its own contact."""
    followup = _locked_open(actor=actor, followup_id=followup_id)
    if channel not in ContactChannel.values:
        raise InvalidInput(MSG_CHANNEL % {"value": channel}, field="channel")
    if result not in ContactResult.values:
        raise InvalidInput(MSG_RESULT % {"value": result}, field="result")
    if result == ContactResult.CASE_OPENED:
        raise InvalidInput(MSG_CASE_FROM_FOLLOWUP, field="result", code="open_case_instead")
    summary = _text(summary, field="summary", max_length=SUMMARY_MAX, what=WHAT_SUMMARY)
    log = ContactLog.objects.create(
        followup=followup, channel=channel, summary=summary, result=result, by=actor, at=now
    )
    if result == ContactResult.RESOLVED:
        _close(followup, status=FollowUpStatus.DONE, actor=actor, now=now, result=summary)
    elif followup.assignee_id is None:
        followup.assignee = actor
        followup.save(update_fields=["assignee"])
    return log


@transaction.atomic
def followup_resolve(*, actor: User, followup_id: int, result: str, now: dt.datetime) -> FollowUp:
    """Done: what was settled is said (``result``)."""
    followup = _locked_open(actor=actor, followup_id=followup_id)
    result = _text(result, field="result", max_length=RESULT_MAX, what=WHAT_RESULT)
    return _close(followup, status=FollowUpStatus.DONE, actor=actor, now=now, result=result)


@transaction.atomic
def followup_dismiss(*, actor: User, followup_id: int, reason: str, now: dt.datetime) -> FollowUp:
    """Nothing to follow up (the parcel moved on, the buyer already wrote): says why."""
    followup = _locked_open(actor=actor, followup_id=followup_id)
    reason = _text(reason, field="reason", max_length=RESULT_MAX, what=WHAT_REASON)
    return _close(followup, status=FollowUpStatus.DISMISSED, actor=actor, now=now, result=reason)


@transaction.atomic
def followup_open_case(
    *,
    actor: User,
    followup_id: int,
    kind: str,
    lines: list[tuple[OrderLine, int]],
    data: Any,
    now: dt.datetime,
    channel: str = ContactChannel.OTHER,
    summary: str = "",
) -> Case:
    """Open a case on the follow-up's order through the case core's opener of ``kind`` (the
    area's own checks and its CASE_OPEN), link it, log the contact and close the follow-up
    as done — all or nothing."""
    followup = _locked_open(actor=actor, followup_id=followup_id)
    opener = registry.opener(kind)
    if opener is None:
        raise InvalidInput(MSG_NO_OPENER % {"kind": kind}, field="kind", code="invalid_kind")
    if channel not in ContactChannel.values:
        raise InvalidInput(MSG_CHANNEL % {"value": channel}, field="channel")
    case = opener.open(order=followup.order, lines=lines, actor=actor, now=now, data=data)
    summary = _text(summary, field="summary", max_length=SUMMARY_MAX) or str(
        _("新建售后单 %(number)s") % {"number": case.number}
    )
    ContactLog.objects.create(
        followup=followup,
        channel=channel,
        summary=summary,
        result=ContactResult.CASE_OPENED,
        by=actor,
        at=now,
    )
    followup.opened_case = case
    followup.save(update_fields=["opened_case"])
    _close(followup, status=FollowUpStatus.DONE, actor=actor, now=now, result=summary)
    return case


# --- rules -------------------------------------------------------------------------------------


def _authorize_rule(actor: User, shop_id: int | None) -> None:
    authorize(actor, RULE_PERM, shop_id=shop_id)
    # A rule of every shop binds shops the actor may not work in: the administrator's call.
    if shop_id is None and not actor.has_role(Role.ADMINISTRATOR):
        raise PermissionDeniedError(MSG_GLOBAL_RULE_ADMIN, code="global_rule_admin_only")


def _hours(value: Any, *, field: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= MAX_HOURS:
        raise InvalidInput(MSG_HOURS % {"min": minimum, "max": MAX_HOURS}, field=field)
    return value


def _rule_values(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "kind" in values:
        if values["kind"] not in FollowUpKind.values:
            raise InvalidInput(MSG_KIND % {"value": values["kind"]}, field="kind")
        out["kind"] = str(values["kind"])
    if "threshold_hours" in values:
        out["threshold_hours"] = _hours(
            values["threshold_hours"], field="threshold_hours", minimum=0
        )
    if "due_hours" in values:
        out["due_hours"] = _hours(values["due_hours"], field="due_hours", minimum=1)
    if "note" in values:
        out["note"] = _text(values["note"], field="note", max_length=NOTE_MAX)
    if "is_active" in values:
        out["is_active"] = bool(values["is_active"])
    return out


@transaction.atomic
def watch_rule_create(
    *,
    actor: User,
    shop_id: int | None,
    kind: str,
    threshold_hours: int,
    now: dt.datetime,
    due_hours: int = DEFAULT_DUE_HOURS,
    note: str = "",
    is_active: bool = True,
) -> WatchRule:
    """A shop's own rule of a kind (replacing the every-shop rule for it), or the every-shop
    rule (``shop_id`` None, administrators only). One per shop and kind (409)."""
    _authorize_rule(actor, shop_id)
    values = _rule_values(
        {
            "kind": kind,
            "threshold_hours": threshold_hours,
            "due_hours": due_hours,
            "note": note,
            "is_active": is_active,
        }
    )
    try:
        with transaction.atomic():
            return WatchRule.objects.create(
                shop_id=shop_id,
                **values,
                created_by=actor,
                created_at=now,
                updated_by=actor,
                updated_at=now,
            )
    except IntegrityError:
        raise TransitionNotAllowed(MSG_RULE_EXISTS, field="kind", code="rule_exists") from None


_UNSET: Any = object()


@transaction.atomic
def watch_rule_update(
    *,
    actor: User,
    rule_id: int,
    now: dt.datetime,
    threshold_hours: int = _UNSET,
    due_hours: int = _UNSET,
    note: str = _UNSET,
    is_active: bool = _UNSET,
) -> WatchRule:
    """Change what a rule says; its shop and kind never change. Follow-ups already raised
    keep their deadline."""
    rule = WatchRule.objects.select_for_update().filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(MSG_NOT_FOUND)
    _authorize_rule(actor, rule.shop_id)
    given = {
        "threshold_hours": threshold_hours,
        "due_hours": due_hours,
        "note": note,
        "is_active": is_active,
    }
    changes = _rule_values({k: v for k, v in given.items() if v is not _UNSET})
    changes = {k: v for k, v in changes.items() if getattr(rule, k) != v}
    if not changes:
        return rule
    for name, value in changes.items():
        setattr(rule, name, value)
    rule.updated_by = actor
    rule.updated_at = now
    rule.save(update_fields=[*changes, "updated_by", "updated_at"])
    return rule


__all__ = [
    "RULE_PERM",
    "DomainError",
    "followup_dismiss",
    "followup_log_contact",
    "followup_open_case",
    "followup_resolve",
    "followup_take",
    "watch_rule_create",
    "watch_rule_update",
]
