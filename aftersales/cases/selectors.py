"""Reads of cases that the inbox, the case page, the API and reports share.

Every query starts from ``cases_for(user)``: a user sees only the cases of their shops.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet
from django.shortcuts import get_object_or_404

from aftersales.accounts.models import User
from aftersales.accounts.permissions import Perm, authorize
from aftersales.cases import workflows
from aftersales.cases.models import Case
from aftersales.cases.registry import registry
from aftersales.orders.models import Order, Shipment


def cases_for(user: User) -> QuerySet[Case]:
    """The cases of the user's shops, for a user whose role may see them (403 otherwise)."""
    authorize(user, Perm.CASE_VIEW)
    return Case.objects.filter(shop_id__in=user.shop_ids())


@dataclass(frozen=True)
class InboxFilters:
    kind: str = ""
    status: str = ""
    assignee: str = ""  # "", "me", "none" or a user id
    q: str = ""
    overdue: bool = False
    escalated: bool = False
    include_closed: bool = False
    shop: int | None = None


def inbox(*, user: User, filters: InboxFilters, now: dt.datetime) -> QuerySet[Case]:
    """Open cases of the user's shops, what is due first; no deadline goes last.

    The search matches exactly on indexed columns — order number, waybill, buyer nick or case
    number — so it stays fast on a shop with millions of orders.
    """
    qs = cases_for(user)
    if not filters.include_closed:
        qs = qs.filter(is_open=True)
    if filters.shop:
        qs = qs.filter(shop_id=filters.shop)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.assignee == "me":
        qs = qs.filter(assignee=user)
    elif filters.assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif filters.assignee.isdigit():
        qs = qs.filter(assignee_id=int(filters.assignee))
    if filters.escalated:
        qs = qs.filter(escalated_at__isnull=False)
    if filters.overdue:
        qs = qs.filter(due_at__lt=now)
    term = filters.q.strip()
    if term:
        # The matching orders first, each through its own index; one OR across the joined
        # tables would defeat them all.
        shops = user.shop_ids()
        order_ids = list(
            Order.objects.filter(shop_id__in=shops, order_no=term).values_list("id", flat=True)
        )
        order_ids += Order.objects.filter(shop_id__in=shops, buyer_nick=term).values_list(
            "id", flat=True
        )
        order_ids += Shipment.objects.filter(waybill_no=term, order__shop_id__in=shops).values_list(
            "order_id", flat=True
        )
        qs = qs.filter(Q(order_id__in=order_ids) | Q(number=term))
    return qs.select_related("order", "assignee", "shop").order_by(
        F("due_at").asc(nulls_last=True), "id"
    )


def allowed_actions(*, case: Case, user: User) -> list[str]:
    """The actions this case's state offers that this user's roles may take: what the case
    page shows and what the API lists."""
    if case.shop_id not in user.shop_ids():
        return []
    out = []
    for action in workflows.actions_for(case.kind, case.status):
        spec = registry.action(case.kind, action)
        if spec is not None and not spec.internal and user.has_role(*spec.roles):
            out.append(action)
    return out


def case_get(*, user: User, case_id: int) -> Case:
    """A case of another shop answers 404, as if it did not exist."""
    return get_object_or_404(
        cases_for(user).select_related("order", "assignee", "shop"), pk=case_id
    )


def case_events(case: Case):
    return case.events.select_related("actor").order_by("created_at", "id")


def case_lines(case: Case):
    return case.lines.select_related("order_line").order_by("order_line__line_no")
