"""The kinds of §1 — refund only, return and refund, exchange, refusal, compensation — as
they are registered with the case core: statuses, moves, actions with their roles and
parameters, deadline rules."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Role
from aftersales.cases.registry import Stage


class CaseKind(models.TextChoices):
    REFUND_ONLY = "refund_only", _("仅退款")
    RETURN_REFUND = "return_refund", _("退货退款")
    EXCHANGE = "exchange", _("换货")
    REFUSAL = "refusal", _("拒收")
    COMPENSATION = "compensation", _("补偿")


class CaseStatus(models.TextChoices):
    REQUESTED = "requested", _("待处理")
    AWAITING_RETURN = "awaiting_return", _("待买家退货")
    RETURN_SHIPPED = "return_shipped", _("买家已退货")
    RECEIVED = "received", _("仓库已收货")
    PARCEL_RETURNED = "parcel_returned", _("拒收件已退回")
    AWAITING_APPROVAL = "awaiting_approval", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUNDING = "refunding", _("退款中")
    REFUND_FAILED = "refund_failed", _("退款失败")
    RESHIPPING = "reshipping", _("待补寄")
    RESHIPPED = "reshipped", _("已补寄")
    REPLACEMENT_SHIPPED = "replacement_shipped", _("换货已发出")
    REFUSED = "refused", _("已拒绝")
    DISPUTED = "disputed", _("已升级维权")
    COMPLETED = "completed", _("已完成")
    CANCELLED = "cancelled", _("已取消")


CLOSED_STATUSES = frozenset(
    {CaseStatus.COMPLETED, CaseStatus.CANCELLED, CaseStatus.DISPUTED, CaseStatus.REFUSED}
)
INITIAL_STATUS = CaseStatus.REQUESTED

S = CaseStatus

_REFUND_TAIL = [
    (S.REFUNDING, "complete", S.COMPLETED),
    # A refund that failed, with nothing else pending, puts the case back in a queue.
    (S.REFUNDING, "refund_failed", S.REFUND_FAILED),
    (S.REFUND_FAILED, "retry_refund", S.REFUNDING),
    (S.REFUSED, "escalate", S.DISPUTED),
]

MOVES: dict[str, list[tuple[str, str, str]]] = {
    CaseKind.REFUND_ONLY: [
        (S.REQUESTED, "agree", S.REFUNDING),
        (S.REQUESTED, "refuse", S.REFUSED),
        (S.REQUESTED, "cancel", S.CANCELLED),
        *_REFUND_TAIL,
    ],
    CaseKind.RETURN_REFUND: [
        (S.REQUESTED, "agree", S.AWAITING_RETURN),
        (S.REQUESTED, "refuse", S.REFUSED),
        (S.REQUESTED, "cancel", S.CANCELLED),
        (S.AWAITING_RETURN, "buyer_ship", S.RETURN_SHIPPED),
        (S.AWAITING_RETURN, "cancel", S.CANCELLED),
        (S.RETURN_SHIPPED, "receive", S.RECEIVED),
        (S.RECEIVED, "refund", S.REFUNDING),
        (S.RECEIVED, "refuse", S.REFUSED),
        *_REFUND_TAIL,
    ],
    CaseKind.EXCHANGE: [
        (S.REQUESTED, "agree", S.AWAITING_RETURN),
        (S.REQUESTED, "refuse", S.REFUSED),
        (S.REQUESTED, "cancel", S.CANCELLED),
        # No replacement, at any step before it ships: the case goes on as a return.
        (S.REQUESTED, "convert_to_refund", S.REQUESTED),
        (S.AWAITING_RETURN, "convert_to_refund", S.AWAITING_RETURN),
        (S.RETURN_SHIPPED, "convert_to_refund", S.RETURN_SHIPPED),
        (S.AWAITING_RETURN, "buyer_ship", S.RETURN_SHIPPED),
        (S.AWAITING_RETURN, "cancel", S.CANCELLED),
        (S.RETURN_SHIPPED, "receive", S.RECEIVED),
        (S.RECEIVED, "ship_replacement", S.REPLACEMENT_SHIPPED),
        (S.RECEIVED, "convert_to_refund", S.REFUNDING),
        (S.RECEIVED, "refuse", S.REFUSED),
        (S.REPLACEMENT_SHIPPED, "buyer_sign", S.COMPLETED),
        *_REFUND_TAIL,
    ],
    CaseKind.REFUSAL: [
        (S.REQUESTED, "parcel_back", S.PARCEL_RETURNED),
        (S.REQUESTED, "cancel", S.CANCELLED),
        (S.PARCEL_RETURNED, "refund", S.REFUNDING),
        (S.PARCEL_RETURNED, "decide_reship", S.RESHIPPING),
        # No stock to reship: the units are refunded instead.
        (S.PARCEL_RETURNED, "decide_reship", S.REFUNDING),
        (S.PARCEL_RETURNED, "reship_returned", S.RESHIPPING),
        (S.PARCEL_RETURNED, "reship_returned", S.REFUNDING),
        (S.PARCEL_RETURNED, "refuse", S.REFUSED),
        (S.RESHIPPING, "reship", S.RESHIPPED),
        (S.RESHIPPED, "buyer_sign", S.COMPLETED),
        *_REFUND_TAIL,
    ],
    CaseKind.COMPENSATION: [
        (S.REQUESTED, "decide", S.AWAITING_APPROVAL),
        (S.REQUESTED, "decide", S.APPROVED),
        (S.REQUESTED, "refuse", S.REFUSED),
        (S.REQUESTED, "cancel", S.CANCELLED),
        (S.AWAITING_APPROVAL, "approve", S.APPROVED),
        (S.AWAITING_APPROVAL, "reject", S.REQUESTED),
        (S.APPROVED, "carry_out", S.REFUNDING),
        (S.APPROVED, "carry_out", S.RESHIPPING),
        (S.APPROVED, "carry_out", S.COMPLETED),
        (S.RESHIPPING, "reship", S.RESHIPPED),
        (S.RESHIPPED, "buyer_sign", S.COMPLETED),
        *_REFUND_TAIL,
    ],
}

AGENTS = frozenset({Role.AGENT, Role.SUPERVISOR})
WAREHOUSE = frozenset({Role.WAREHOUSE, Role.SUPERVISOR})

# Who may take each action; an agent's actions are a supervisor's too.
ACTION_ROLES: dict[str, frozenset[str]] = {
    "receive": WAREHOUSE,
    "ship_replacement": WAREHOUSE,
    "reship": WAREHOUSE,
    "parcel_back": frozenset({Role.WAREHOUSE, Role.AGENT, Role.SUPERVISOR}),
    "approve": frozenset({Role.SUPERVISOR}),
    "reject": frozenset({Role.SUPERVISOR}),
}

ACTION_LABELS = {
    "agree": _("同意"),
    "refuse": _("拒绝"),
    "cancel": _("取消"),
    "buyer_ship": _("登记买家退货"),
    "receive": _("仓库收货验货"),
    "refund": _("退款"),
    "retry_refund": _("重新退款"),
    "complete": _("完成"),
    "refund_failed": _("退款失败"),
    "ship_replacement": _("发出换货"),
    "convert_to_refund": _("无货转退款"),
    "buyer_sign": _("买家已签收"),
    "escalate": _("升级维权"),
    "parcel_back": _("拒收件已退回"),
    "decide_reship": _("决定补寄全部"),
    "reship_returned": _("补寄退回部分并退缺少部分"),
    "reship": _("补寄发出"),
    "decide": _("确定补偿方案"),
    "approve": _("批准"),
    "reject": _("驳回"),
    "carry_out": _("执行补偿"),
}

# What the page says before an irreversible or money action runs.
ACTION_CONFIRMS = {
    "agree": _("确认同意该申请？仅退款将立即向买家发起退款；退货和换货将把退货地址发给买家。"),
    "refuse": _("确认拒绝？拒绝后售后单结束，买家可能升级维权。"),
    "cancel": _("确认取消该售后单？取消后不能恢复。"),
    "refund": _("确认向买家发起退款？金额为空时按实收商品的实付金额退款。"),
    "retry_refund": _("确认重新发起失败的退款？"),
    "convert_to_refund": _("确认转为退货退款？不再发换货；商品已收回的将立即按实收商品退款。"),
    "decide_reship": _("确认补寄全部商品？将立即占用库存，库存不足时改为全额退款。"),
    "reship_returned": _("确认补寄退回的商品并退还缺少部分的货款？"),
    "carry_out": _("确认执行补偿？退款方式将立即向买家发起退款。"),
    "escalate": _("确认升级为维权？"),
    "complete": _("确认完成该售后单？"),
}

DEADLINE_RULES = {
    "response_48h": _("48 小时内处理"),
    "ship_back_7d": _("买家 7 天内寄回"),
    "reship_3_workdays": _("3 个工作日内补寄"),
    "refund_failed_24h": _("退款失败，24 小时内重新处理"),
}

# Events the §1 services write outside an action.
EVENT_LABELS = {
    "refusal_reported": _("登记拒收"),
    "refund_settled": _("退款结果"),
}


# Where each open status stands in the inbox's tabs. Statuses where the shop must act are
# pending; a replacement or reship on its way to the buyer stands at no stage (nobody acts
# until the buyer signs), and closed statuses are in no tab.
_STAGE_OF: dict[str, str] = {
    S.REQUESTED: Stage.PENDING,
    S.RECEIVED: Stage.PENDING,
    S.PARCEL_RETURNED: Stage.PENDING,
    S.APPROVED: Stage.PENDING,
    S.RESHIPPING: Stage.PENDING,
    S.AWAITING_RETURN: Stage.AWAITING_BUYER,
    S.RETURN_SHIPPED: Stage.TO_RECEIVE,
    S.AWAITING_APPROVAL: Stage.AWAITING_APPROVAL,
    S.REFUNDING: Stage.REFUNDING,
    S.REFUND_FAILED: Stage.REFUND_FAILED,
}
# A refusal opens when the buyer refused the parcel at the door: it is already on its way
# back, and the warehouse receives it (parcel_back) before anyone decides anything.
_STAGE_OF_KIND: dict[str, dict[str, str]] = {
    CaseKind.REFUSAL: {S.REQUESTED: Stage.TO_RECEIVE},
}


def _reached(kind: str) -> set[str]:
    return {INITIAL_STATUS} | {s for s, _a, _t in MOVES[kind]} | {t for _s, _a, t in MOVES[kind]}


# Kind -> {open status: stage}, each kind's own statuses only (what ``Kind.stages`` takes).
STAGES: dict[str, dict[str, str]] = {
    kind.value: {
        str(status): str(stage)
        for status, stage in {**_STAGE_OF, **_STAGE_OF_KIND.get(kind, {})}.items()
        if status in _reached(kind)
    }
    for kind in CaseKind
}

# What the inbox shows as a case's amount: what the buyer asked for.
INBOX_AMOUNT = "returns__requested_amount"
