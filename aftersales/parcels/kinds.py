"""The problem-parcel kind as the case core reads it: statuses, the moves between them,
who may take each action, what the page asks before an irreversible or money step, the
deadline rules and where each open status stands in the inbox."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Role
from aftersales.cases.registry import Stage

KIND = "problem_parcel"
KIND_LABEL = _("快递问题件")


class ParcelStatus(models.TextChoices):
    REPORTED = "reported", _("待联系买家")
    NEGOTIATING = "negotiating", _("协商中")
    REDELIVERING = "redelivering", _("改地址派送中")
    AWAITING_PICKUP = "awaiting_pickup", _("待买家自提")
    RESHIPPED = "parcel_reshipped", _("已换快递补寄")
    # The same codes as §1's refunds: the refund ledger's settlement moves the case on
    # (completed, or back in a queue when a refund failed) whatever the kind.
    REFUNDING = "refunding", _("退款中")
    REFUND_FAILED = "refund_failed", _("退款失败")
    RESOLVED = "resolved", _("已签收解决")
    COMPLETED = "completed", _("已完成")
    CLOSED = "problem_closed", _("已关闭")


S = ParcelStatus
CLOSED_STATUSES = frozenset({S.RESOLVED, S.COMPLETED, S.CLOSED})
# Before anything is agreed.
UNSETTLED = (S.REPORTED, S.NEGOTIATING)
# Agreed and on its way to the buyer again: a reship or a refund may still replace it.
IN_DELIVERY = (S.REDELIVERING, S.AWAITING_PICKUP)

MOVES: tuple[tuple[str, str, str], ...] = (
    (S.REPORTED, "record_contact", S.NEGOTIATING),
    (S.NEGOTIATING, "record_contact", S.NEGOTIATING),
    *((s, "agree_new_address", S.REDELIVERING) for s in UNSETTLED),
    *((s, "agree_pickup", S.AWAITING_PICKUP) for s in UNSETTLED),
    *((s, "reship_other_carrier", S.RESHIPPED) for s in (*UNSETTLED, *IN_DELIVERY)),
    *((s, "cancel_and_refund", S.REFUNDING) for s in (*UNSETTLED, *IN_DELIVERY)),
    *((s, "confirm_delivered", S.RESOLVED) for s in (*IN_DELIVERY, S.RESHIPPED)),
    *((s, "close_problem", S.CLOSED) for s in UNSETTLED),
    (S.REFUNDING, "complete", S.COMPLETED),
    (S.REFUNDING, "refund_failed", S.REFUND_FAILED),
    (S.REFUND_FAILED, "retry_refund", S.REFUNDING),
)

AGENTS = frozenset({Role.AGENT, Role.SUPERVISOR})
# A reship is sent by whoever packs it: the agent who agreed it or the warehouse.
SHIPPERS = frozenset({Role.AGENT, Role.SUPERVISOR, Role.WAREHOUSE})

ACTION_ROLES: dict[str, frozenset[str]] = {
    "reship_other_carrier": SHIPPERS,
    "confirm_delivered": SHIPPERS,
}

ACTION_LABELS = {
    "record_contact": _("记录联系买家"),
    "agree_new_address": _("改地址重新派送"),
    "agree_pickup": _("约定网点自提"),
    "reship_other_carrier": _("换快递补寄"),
    "cancel_and_refund": _("取消订单并退款"),
    "confirm_delivered": _("确认已签收"),
    "close_problem": _("关闭问题件"),
    # Shared with §1 (one name, one meaning): the refund's tail.
    "complete": _("完成"),
    "refund_failed": _("退款失败"),
    "retry_refund": _("重新退款"),
}

INTERNAL = frozenset({"refund_failed"})

DEADLINE_RULES = {
    "contact_1_workday": _("1 个工作日内联系买家"),
    "negotiate_1_workday": _("1 个工作日内与买家商定"),
    "delivery_3_workdays": _("3 个工作日内签收"),
    "refund_failed_24h": _("退款失败，24 小时内重新处理"),
}

STAGES = {
    # The shop must act: contact the buyer, then settle it with them (each within a working
    # day).
    S.REPORTED.value: Stage.PENDING.value,
    S.NEGOTIATING.value: Stage.PENDING.value,
    S.REFUNDING.value: Stage.REFUNDING.value,
    S.REFUND_FAILED.value: Stage.REFUND_FAILED.value,
    # A parcel re-delivered, waiting at a station or reshipped is on its way to the buyer:
    # nobody acts until it is signed for (the sweep resolves it then), and the deadline
    # brings it back if it is not. Like §1's reship, it stands at no stage.
}

# Events written outside the actions.
EVENT_LABELS = {
    "problem_reported": _("快递问题"),
    "problem_again": _("快递再次报告问题"),
    "refund_settled": _("退款结果"),
}
