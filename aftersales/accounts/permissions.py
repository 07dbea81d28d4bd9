"""Who may do what: the written table every write service checks.

A permission is granted by roles, never by being a superuser: the administrator's powers are
the administrator role's rows below. Case actions are not listed here; each kind registers the
roles of its own actions with the case core (``cases.registry``), and the table in
docs/permissions.md shows both.

Every service that writes calls ``authorize(actor, perm, shop_id=...)`` itself, so no view, API
call, task or admin action can get around it. A shop the actor does not belong to answers as if
the record did not exist (404), a role that lacks the permission answers 403.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Role, User
from aftersales.core.errors import NotFound, PermissionDeniedError


class Perm(StrEnum):
    CASE_VIEW = "case.view"
    CASE_OPEN = "case.open"
    CASE_ASSIGN = "case.assign"
    CASE_NOTE = "case.note"
    ORDER_VIEW = "order.view"
    ORDER_IMPORT = "order.import"
    SIGN_IN_RECORD = "sign_in.record"
    CONTACT_REVEAL = "contact.reveal"
    REVEAL_LOG_READ = "reveal_log.read"
    REFUND_REQUEST = "refund.request"
    REFUND_SETTLE = "refund.settle"
    APPROVAL_DECIDE = "approval.decide"
    APPROVAL_RULE_MANAGE = "approval_rule.manage"
    # The courier area (§2) and the order watch (§7).
    CARRIER_MANAGE = "carrier.manage"
    ROUTING_MANAGE = "routing.manage"
    PENALTY_REVERSE = "penalty.reverse"
    REPORT_VIEW = "report.view"
    FOLLOWUP_WORK = "followup.work"
    WATCH_RULE_MANAGE = "watch_rule.manage"


_STAFF = frozenset(
    {
        Role.AGENT,
        Role.WAREHOUSE,
        Role.PACKER,
        Role.REVIEW_SPECIALIST,
        Role.DISPUTE_SPECIALIST,
        Role.SUPERVISOR,
    }
)

PERMISSIONS: dict[Perm, frozenset[str]] = {
    # Everyone who works cases sees the shop's cases and orders, and may write a note.
    Perm.CASE_VIEW: _STAFF | {Role.ADMINISTRATOR},
    Perm.ORDER_VIEW: _STAFF | {Role.ADMINISTRATOR},
    Perm.CASE_NOTE: _STAFF,
    Perm.CASE_OPEN: frozenset(
        {Role.AGENT, Role.SUPERVISOR, Role.REVIEW_SPECIALIST, Role.DISPUTE_SPECIALIST}
    ),
    Perm.CASE_ASSIGN: frozenset({Role.AGENT, Role.SUPERVISOR}),
    # Orders carry the amounts every refund cap is measured against.
    Perm.ORDER_IMPORT: frozenset({Role.SUPERVISOR, Role.ADMINISTRATOR}),
    # The sign-in starts the seven-day window: those who hear of the parcel's delivery (from
    # the buyer, the carrier or the tracking) record it, and their supervisor.
    Perm.SIGN_IN_RECORD: frozenset({Role.AGENT, Role.WAREHOUSE, Role.SUPERVISOR}),
    # Roles that work with buyers or parcels directly; the administrator is not one of them.
    Perm.CONTACT_REVEAL: frozenset(
        {
            Role.AGENT,
            Role.WAREHOUSE,
            Role.REVIEW_SPECIALIST,
            Role.DISPUTE_SPECIALIST,
            Role.SUPERVISOR,
        }
    ),
    Perm.REVEAL_LOG_READ: frozenset({Role.SUPERVISOR}),
    Perm.REFUND_REQUEST: frozenset({Role.AGENT, Role.SUPERVISOR}),
    Perm.REFUND_SETTLE: frozenset({Role.AGENT, Role.SUPERVISOR}),
    Perm.APPROVAL_DECIDE: frozenset({Role.SUPERVISOR}),
    Perm.APPROVAL_RULE_MANAGE: frozenset({Role.ADMINISTRATOR, Role.SUPERVISOR}),
    # Carriers' coverage, outlet suspensions, contingency plans and the penalty policy; the
    # shop's routing (which carrier first for a region).
    Perm.CARRIER_MANAGE: frozenset({Role.ADMINISTRATOR, Role.SUPERVISOR}),
    Perm.ROUTING_MANAGE: frozenset({Role.ADMINISTRATOR, Role.SUPERVISOR}),
    # A penalty the job applied is reversed by an administrator only.
    Perm.PENALTY_REVERSE: frozenset({Role.ADMINISTRATOR}),
    Perm.REPORT_VIEW: frozenset({Role.ADMINISTRATOR, Role.SUPERVISOR, Role.AGENT}),
    # The watch's follow-ups: agents contact the buyer, supervisors too.
    Perm.FOLLOWUP_WORK: frozenset({Role.AGENT, Role.SUPERVISOR}),
    # The rules that decide which follow-ups the watch raises by itself: the agents' workload,
    # set by their supervisor (every-shop rules: administrator only, as approvals).
    Perm.WATCH_RULE_MANAGE: frozenset({Role.ADMINISTRATOR, Role.SUPERVISOR}),
}

PERM_LABELS: dict[Perm, object] = {
    Perm.CASE_VIEW: _("查看售后单"),
    Perm.CASE_OPEN: _("新建售后单"),
    Perm.CASE_ASSIGN: _("分配售后单"),
    Perm.CASE_NOTE: _("添加备注和照片"),
    Perm.ORDER_VIEW: _("查看订单"),
    Perm.ORDER_IMPORT: _("导入或修改订单"),
    Perm.SIGN_IN_RECORD: _("登记签收"),
    Perm.CONTACT_REVEAL: _("查看买家电话和地址"),
    Perm.REVEAL_LOG_READ: _("查看联系方式查看记录"),
    Perm.REFUND_REQUEST: _("发起退款"),
    Perm.REFUND_SETTLE: _("确认退款结果"),
    Perm.APPROVAL_DECIDE: _("审批"),
    Perm.APPROVAL_RULE_MANAGE: _("设置审批规则"),
    Perm.CARRIER_MANAGE: _("维护快递公司的覆盖范围、网点暂停、应急方案和考核规则"),
    Perm.ROUTING_MANAGE: _("设置店铺的快递优先顺序"),
    Perm.PENALTY_REVERSE: _("撤销快递考核处罚"),
    Perm.REPORT_VIEW: _("查看报表"),
    Perm.FOLLOWUP_WORK: _("处理订单跟踪任务"),
    Perm.WATCH_RULE_MANAGE: _("设置订单跟踪规则"),
}

MSG_PERMISSION = _("您的角色不能%(what)s。")
MSG_NOT_FOUND = _("记录不存在。")


def has_perm(user: User, perm: Perm) -> bool:
    if not user.is_active:
        return False
    return bool(user.role_names & PERMISSIONS[perm])


def authorize(actor: User | None, perm: Perm, *, shop_id: int | None = None) -> None:
    """Refuse unless ``actor`` holds ``perm`` in ``shop_id``. The shop is checked first: a
    record of another shop is not found, whatever the actor's roles."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDeniedError(MSG_PERMISSION % {"what": PERM_LABELS[perm]})
    if shop_id is not None and shop_id not in actor.shop_ids():
        raise NotFound(MSG_NOT_FOUND)
    if not has_perm(actor, perm):
        raise PermissionDeniedError(MSG_PERMISSION % {"what": PERM_LABELS[perm]})
