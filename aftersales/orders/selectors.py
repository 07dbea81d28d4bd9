from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from aftersales.accounts.models import User
from aftersales.accounts.permissions import Perm, authorize
from aftersales.orders.models import Order, Shipment, ShipmentSignInChange


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
    return qs.filter(Q(order_no=term) | Q(buyer_nick=term) | Q(pk__in=by_waybill)).order_by(
        "-created_at"
    )


def sign_in_changes() -> QuerySet[ShipmentSignInChange]:
    """Changes of sign-ins, newest first, with who made them."""
    return ShipmentSignInChange.objects.select_related("actor").order_by("-at", "-id")


def order_shipments(order: Order) -> QuerySet[Shipment]:
    """The order's parcels in the order they were made, each with its sign-in, who recorded
    it and the log of its changes."""
    return (
        order.shipments.select_related("carrier", "sign_recorded_by")
        .prefetch_related(Prefetch("sign_in_changes", queryset=sign_in_changes()))
        .order_by("id")
    )


def shipment_get(*, user: User, order_id: int, shipment_id: int) -> Shipment:
    """One parcel of an order the user may see; another shop's, or another order's, is not
    found."""
    order = order_get(user=user, order_id=order_id)
    return get_object_or_404(order_shipments(order), pk=shipment_id)
