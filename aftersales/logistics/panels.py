"""The order page's routing panel: the carrier routing chooses for the order now and why,
and its pre-ship flag (open, or the last one settled)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from aftersales.accounts.permissions import Perm, has_perm
from aftersales.logistics.models import PreShipFlag
from aftersales.logistics.services.flags import NOT_SHIPPED
from aftersales.logistics.services.routing import decide_many


def order_routing(request: Any, order: Any) -> dict[str, Any] | None:
    if not has_perm(request.user, Perm.ORDER_VIEW):
        return None
    decision = decide_many([order], now=timezone.now())[order.pk]
    flags = list(
        PreShipFlag.objects.filter(order_id=order.pk)
        .select_related("settled_by")
        .order_by("-raised_at", "-id")[:5]
    )
    open_flag = next((f for f in flags if f.settled_at is None), None)
    settled = next((f for f in flags if f.settled_at is not None), None)
    return {
        "decision": decision,
        "shipped": order.status not in NOT_SHIPPED,
        "flag": open_flag,
        "settled": settled if open_flag is None else None,
    }
