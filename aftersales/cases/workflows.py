"""The one guard on every move, over the flows the areas register (``cases.registry``).

For each kind: status -> {action: target statuses}. An action may lead to more than one status
(a compensation carried out by refund goes to refunding, by cash to completed); the handler
picks the target from the facts and the guard checks that the pair is allowed.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from aftersales.cases.registry import registry
from aftersales.core.errors import TransitionNotAllowed

MSG_NOT_ALLOWED = _("当前状态“%(status)s”下不能执行“%(action)s”。")
MSG_UNKNOWN_KIND = _("未知的售后类型：%(kind)s")

# Actions of the core itself, on every kind.
CORE_ACTION_LABELS = {"assign": _("分配")}


def action_label(action: str) -> str:
    if action in CORE_ACTION_LABELS:
        return str(CORE_ACTION_LABELS[action])
    return registry.action_label(action)


def actions_for(kind: str, status: str) -> dict[str, frozenset[str]]:
    return registry.actions_for(kind, status)


def check_move(kind: str, status: str, action: str, target: str) -> None:
    """The one guard: refuses every move the flow does not list."""
    if registry.get(kind) is None:
        raise TransitionNotAllowed(MSG_UNKNOWN_KIND % {"kind": kind})
    targets = actions_for(kind, status).get(action, frozenset())
    if target not in targets:
        raise TransitionNotAllowed(
            MSG_NOT_ALLOWED
            % {"status": registry.status_label(kind, status), "action": action_label(action)}
        )


def roles_for(kind: str, action: str) -> frozenset[str]:
    spec = registry.action(kind, action)
    return spec.roles if spec is not None else frozenset()
