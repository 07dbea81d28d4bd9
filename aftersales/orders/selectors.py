from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from aftersales.accounts.models import User
from aftersales.accounts.permissions import Perm, authorize
from aftersales.orders.models import Order, Shipment


def orders_for(user: User) -> QuerySet[Order]:
    """The orders of the user's shops, for a user whose role may see them (403 otherwise)."""
    authorize(user, Perm.ORDER_VIEW)
    return Order.objects.filter(shop_id__in=user.shop_ids())


def order_get(*, user: User, order_id: int) -> Order:
    return get_object_or_404(orders_for(user).select_related("shop"), pk=order_id)


def order_search(*, user: User, q: str) -> QuerySet[Order]:
    term = q.strip()
    qs = orders_for(user)
    if not term:
        return qs.order_by("-created_at")[:0]
    by_waybill = Shipment.objects.filter(waybill_no=term).values("order_id")
    from django.db.models import Q

    return qs.filter(Q(order_no=term) | Q(buyer_nick=term) | Q(pk__in=by_waybill)).order_by(
        "-created_at"
    )
