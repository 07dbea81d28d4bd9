"""Reads of approvals and rules that the pages, the API and the areas share.

A user sees the approvals of their shops only; a record of another shop is not found.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import Group
from django.db.models import F, Q, QuerySet

from aftersales.accounts.models import User
from aftersales.accounts.permissions import MSG_NOT_FOUND, PERMISSIONS, Perm, authorize
from aftersales.approvals import policies
from aftersales.approvals.models import Approval, ApprovalRule, ApprovalStatus
from aftersales.core.errors import NotFound


def approvals_for(user: User) -> QuerySet[Approval]:
    """The approvals of the user's shops, for a user whose role may see cases (403 otherwise)."""
    authorize(user, Perm.CASE_VIEW)
    return Approval.objects.filter(case__shop_id__in=user.shop_ids())


def approval_get(*, user: User, approval_id: int) -> Approval:
    approval = (
        approvals_for(user)
        .select_related("case", "requested_by", "decided_by")
        .filter(pk=approval_id)
        .first()
    )
    if approval is None:
        raise NotFound(MSG_NOT_FOUND)
    return approval


def approval_queue(user: User) -> QuerySet[Approval]:
    """Pending approvals ``user`` may decide: of their shops, for a role they hold that may
    decide, not requested by themselves; what is due first.

    Written with subqueries for the user's shops and roles, so that counting the queue (the
    menu does, on every page) is one query, whatever the user object has cached.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Approval.objects.none()
    shops = User.shops.through.objects.filter(user_id=user.pk).values("shop_id")
    roles = Group.objects.filter(
        user__pk=user.pk, name__in=PERMISSIONS[Perm.APPROVAL_DECIDE]
    ).values("name")
    return (
        Approval.objects.filter(
            status=ApprovalStatus.PENDING, case__shop_id__in=shops, approver_role__in=roles
        )
        .exclude(requested_by_id=user.pk)
        .order_by(F("due_at").asc(nulls_last=True), "id")
    )


def approval_queue_count(user: User) -> int:
    return approval_queue(user).count()


def approvals_requested_by(user: User) -> QuerySet[Approval]:
    """What the user asked for and is still waiting on."""
    return approvals_for(user).filter(requested_by_id=user.pk, status=ApprovalStatus.PENDING)


# --- rules -----------------------------------------------------------------------------------


def approval_rules_for(user: User) -> QuerySet[ApprovalRule]:
    """The rules of the user's shops and those of every shop."""
    return (
        ApprovalRule.objects.filter(Q(shop_id__in=user.shop_ids()) | Q(shop__isnull=True))
        .select_related("shop")
        .order_by(F("shop__name").asc(nulls_first=True), "case_kind", "condition", "id")
    )


def approval_rule_get(*, user: User, rule_id: int) -> ApprovalRule:
    rule = approval_rules_for(user).filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(MSG_NOT_FOUND)
    return rule


def approval_rule_for(
    *, shop_id: int, case_kind: str, cost: Decimal, conditions: frozenset[str] = frozenset()
) -> ApprovalRule | None:
    """The active rule that decides whether a matter needs approval, or None: it needs none.

    ``conditions`` are the facts the area states (``"past_warranty"``, ``"out_of_scope"``,
    ``"review_compensation"``). Which rule wins when several fire is written in
    ``policies``: the shop's before every shop's, the case kind's before any kind's, then the
    highest threshold.
    """
    rules = {
        rule.pk: rule
        for rule in ApprovalRule.objects.filter(
            Q(shop_id=shop_id) | Q(shop__isnull=True),
            Q(case_kind=case_kind) | Q(case_kind=""),
            is_active=True,
        )
    }
    picked = policies.rule_pick(
        (
            policies.RuleFacts(
                id=rule.pk,
                shop_id=rule.shop_id,
                case_kind=rule.case_kind,
                condition=rule.condition,
                threshold=rule.threshold,
            )
            for rule in rules.values()
        ),
        shop_id=shop_id,
        case_kind=case_kind,
        cost=cost,
        conditions=conditions,
    )
    return rules[picked.id] if picked is not None else None
