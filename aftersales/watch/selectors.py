"""Reads of follow-ups and rules that the pages, the API and the order page share.

Follow-ups are read by those who work them (``Perm.FOLLOWUP_WORK``), of their shops only; a
record of another shop is not found. Rules are read by those who manage them.
"""

from __future__ import annotations

from django.db.models import F, Prefetch, Q, QuerySet

from aftersales.accounts.models import User
from aftersales.accounts.permissions import MSG_NOT_FOUND, Perm, authorize, has_perm
from aftersales.core.errors import NotFound
from aftersales.watch.models import ContactLog, FollowUp, FollowUpStatus, WatchRule
from aftersales.watch.services import RULE_PERM


def followups_for(user: User) -> QuerySet[FollowUp]:
    """The follow-ups of the user's shops (403 for a role that does not work them)."""
    authorize(user, Perm.FOLLOWUP_WORK)
    return FollowUp.objects.filter(shop_id__in=user.shop_ids())


def with_columns(qs: QuerySet[FollowUp]) -> QuerySet[FollowUp]:
    """What a row shows, loaded in the same query (no query per row)."""
    return qs.select_related(
        "order", "shop", "assignee", "shipment", "shipment__carrier", "case", "opened_case"
    )


def followup_queue(
    user: User, *, kind: str | None = None, mine: bool = False
) -> QuerySet[FollowUp]:
    """Open follow-ups of the user's shops, what is due first."""
    qs = followups_for(user).filter(status=FollowUpStatus.OPEN)
    if kind:
        qs = qs.filter(kind=kind)
    if mine:
        qs = qs.filter(assignee_id=user.pk)
    return qs.order_by("due_at", "id")


def followup_queue_count(user: User) -> int:
    """The menu's count: one COUNT, nothing for a role that does not work follow-ups."""
    if not getattr(user, "is_authenticated", False) or not has_perm(user, Perm.FOLLOWUP_WORK):
        return 0
    shops = User.shops.through.objects.filter(user_id=user.pk).values("shop_id")
    return FollowUp.objects.filter(status=FollowUpStatus.OPEN, shop_id__in=shops).count()


def followup_get(*, user: User, followup_id: int) -> FollowUp:
    followup = (
        with_columns(followups_for(user))
        .prefetch_related(
            Prefetch(
                "contacts", queryset=ContactLog.objects.select_related("by").order_by("at", "id")
            )
        )
        .filter(pk=followup_id)
        .first()
    )
    if followup is None:
        raise NotFound(MSG_NOT_FOUND)
    return followup


def followups_of_order(*, user: User, order_id: int) -> list[FollowUp]:
    """Every follow-up of one order, newest first, with its contacts (two queries)."""
    return list(
        with_columns(followups_for(user).filter(order_id=order_id))
        .prefetch_related(
            Prefetch(
                "contacts", queryset=ContactLog.objects.select_related("by").order_by("at", "id")
            )
        )
        .order_by("-raised_at", "-id")
    )


def watch_rules_for(user: User) -> QuerySet[WatchRule]:
    """The rules of the user's shops and those of every shop (for those who manage rules)."""
    authorize(user, RULE_PERM)
    return (
        WatchRule.objects.filter(Q(shop_id__in=user.shop_ids()) | Q(shop__isnull=True))
        .select_related("shop")
        .order_by(F("shop__name").asc(nulls_first=True), "kind", "id")
    )


def watch_rule_get(*, user: User, rule_id: int) -> WatchRule:
    rule = watch_rules_for(user).filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(MSG_NOT_FOUND)
    return rule
