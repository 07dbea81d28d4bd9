"""Opening a buyer's unmasked phone and address: a permission, and a row every time."""

from __future__ import annotations

from aftersales.accounts.models import ContactReveal, User
from aftersales.accounts.permissions import Perm, authorize, has_perm
from aftersales.orders.models import Order


def can_see_contact(user: User) -> bool:
    return has_perm(user, Perm.CONTACT_REVEAL)


def contact_reveal(*, user: User, order: Order, via: str) -> dict[str, str]:
    """Open a buyer's phone and address; every opening is logged in the same breath."""
    authorize(user, Perm.CONTACT_REVEAL, shop_id=order.shop_id)
    ContactReveal.objects.create(user=user, order=order, via=via)
    return {
        "receiver_name": order.receiver_name,
        "receiver_phone": order.receiver_phone,
        "address": order.address,
        "postal_code": order.postal_code,
    }
