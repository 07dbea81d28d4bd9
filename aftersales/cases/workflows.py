"""Allowed moves, written as data.

For each kind: status -> {action: target statuses}. An action may lead to more than one
status (a compensation carried out by refund goes to refunding, by cash to completed); the
service picks the target from the facts and the guard checks that the pair is allowed.
Later areas add their kinds to FLOWS from their own apps.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Role
from aftersales.cases.models import CaseKind
from aftersales.cases.models import CaseStatus as S
from aftersales.core.errors import TransitionNotAllowed

Flow = dict[str, dict[str, frozenset[str]]]


def _flow(moves: list[tuple[str, str, str]]) -> Flow:
    flow: dict[str, dict[str, set[str]]] = {}
    for source, action, target in moves:
        flow.setdefault(source, {}).setdefault(action, set()).add(target)
    return {s: {a: frozenset(t) for a, t in acts.items()} for s, acts in flow.items()}


_REFUND_TAIL = [
    (S.REFUNDING, "retry_refund", S.REFUNDING),
    (S.REFUNDING, "complete", S.COMPLETED),
    (S.REFUSED, "escalate", S.DISPUTED),
]

FLOWS: dict[str, Flow] = {
    CaseKind.REFUND_ONLY: _flow(
        [
            (S.REQUESTED, "agree", S.REFUNDING),
            (S.REQUESTED, "refuse", S.REFUSED),
            (S.REQUESTED, "cancel", S.CANCELLED),
            *_REFUND_TAIL,
        ]
    ),
    CaseKind.RETURN_REFUND: _flow(
        [
            (S.REQUESTED, "agree", S.AWAITING_RETURN),
            (S.REQUESTED, "refuse", S.REFUSED),
            (S.REQUESTED, "cancel", S.CANCELLED),
            (S.AWAITING_RETURN, "buyer_ship", S.RETURN_SHIPPED),
            (S.AWAITING_RETURN, "cancel", S.CANCELLED),
            (S.RETURN_SHIPPED, "receive", S.RECEIVED),
            (S.RECEIVED, "refund", S.REFUNDING),
            (S.RECEIVED, "refuse", S.REFUSED),
            *_REFUND_TAIL,
        ]
    ),
    CaseKind.EXCHANGE: _flow(
        [
            (S.REQUESTED, "agree", S.AWAITING_RETURN),
            (S.REQUESTED, "refuse", S.REFUSED),
            (S.REQUESTED, "cancel", S.CANCELLED),
            (S.AWAITING_RETURN, "buyer_ship", S.RETURN_SHIPPED),
            (S.AWAITING_RETURN, "cancel", S.CANCELLED),
            (S.RETURN_SHIPPED, "receive", S.RECEIVED),
            (S.RECEIVED, "ship_replacement", S.REPLACEMENT_SHIPPED),
            (S.RECEIVED, "convert_to_refund", S.REFUNDING),
            (S.RECEIVED, "refuse", S.REFUSED),
            (S.REPLACEMENT_SHIPPED, "buyer_sign", S.COMPLETED),
            *_REFUND_TAIL,
        ]
    ),
    CaseKind.REFUSAL: _flow(
        [
            (S.REQUESTED, "parcel_back", S.PARCEL_RETURNED),
            (S.REQUESTED, "cancel", S.CANCELLED),
            (S.PARCEL_RETURNED, "refund", S.REFUNDING),
            (S.PARCEL_RETURNED, "decide_reship", S.RESHIPPING),
            (S.PARCEL_RETURNED, "refuse", S.REFUSED),
            (S.RESHIPPING, "reship", S.RESHIPPED),
            (S.RESHIPPED, "buyer_sign", S.COMPLETED),
            *_REFUND_TAIL,
        ]
    ),
    CaseKind.COMPENSATION: _flow(
        [
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
        ]
    ),
}

INITIAL_STATUS = S.REQUESTED

# Who may take each action. Supervisors may take every action an agent may.
ACTION_ROLES: dict[str, frozenset[str]] = {
    "receive": frozenset({Role.WAREHOUSE, Role.SUPERVISOR}),
    "ship_replacement": frozenset({Role.WAREHOUSE, Role.SUPERVISOR}),
    "reship": frozenset({Role.WAREHOUSE, Role.SUPERVISOR}),
    "parcel_back": frozenset({Role.WAREHOUSE, Role.AGENT, Role.SUPERVISOR}),
    "approve": frozenset({Role.SUPERVISOR}),
    "reject": frozenset({Role.SUPERVISOR}),
}
DEFAULT_ACTION_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR})

# Labels are marked for translation where they are shown (action_label).
ACTION_LABELS = {
    "agree": _("同意"),
    "refuse": _("拒绝"),
    "cancel": _("取消"),
    "buyer_ship": _("登记买家退货"),
    "receive": _("仓库收货验货"),
    "refund": _("退款"),
    "retry_refund": _("重新退款"),
    "complete": _("完成"),
    "ship_replacement": _("发出换货"),
    "convert_to_refund": _("无货转退款"),
    "buyer_sign": _("买家已签收"),
    "escalate": _("升级维权"),
    "parcel_back": _("拒收件已退回"),
    "decide_reship": _("决定补寄"),
    "reship": _("补寄发出"),
    "decide": _("确定补偿方案"),
    "approve": _("批准"),
    "reject": _("驳回"),
    "carry_out": _("执行补偿"),
    "assign": _("分配"),
}

MSG_NOT_ALLOWED = _("当前状态“%(status)s”下不能执行“%(action)s”。")
MSG_UNKNOWN_KIND = _("未知的售后类型：%(kind)s")


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def actions_for(kind: str, status: str) -> dict[str, frozenset[str]]:
    return FLOWS.get(kind, {}).get(status, {})


def check_move(kind: str, status: str, action: str, target: str) -> None:
    """The one guard: refuses every move the flow does not list."""
    if kind not in FLOWS:
        raise TransitionNotAllowed(MSG_UNKNOWN_KIND % {"kind": kind})
    targets = actions_for(kind, status).get(action, frozenset())
    if target not in targets:
        raise TransitionNotAllowed(
            MSG_NOT_ALLOWED % {"status": S(status).label, "action": action_label(action)}
        )


def roles_for(action: str) -> frozenset[str]:
    return ACTION_ROLES.get(action, DEFAULT_ACTION_ROLES)
