from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import CONTACT_ROLES, ApiToken, ContactReveal, User
from aftersales.core.errors import PermissionDeniedError
from aftersales.orders.models import Order

MSG_NO_CONTACT_ROLE = _("您的角色不能查看买家的电话和地址。")


def token_create(*, user: User, name: str) -> str:
    """Make a token and return its key; only the hash is stored, so this is the only chance
    to see it."""
    key = ApiToken.new_key()
    ApiToken.objects.create(user=user, name=name, key_hash=ApiToken.hash_key(key), prefix=key[:8])
    return key


def token_user(key: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_key(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


def can_see_contact(user: User) -> bool:
    return user.has_role(*CONTACT_ROLES)


def contact_reveal(*, user: User, order: Order, via: str) -> dict[str, str]:
    """Open a buyer's phone and address; every opening is logged."""
    if not can_see_contact(user):
        raise PermissionDeniedError(MSG_NO_CONTACT_ROLE)
    ContactReveal.objects.create(user=user, order=order, via=via)
    return {
        "receiver_name": order.receiver_name,
        "receiver_phone": order.receiver_phone,
        "address": order.address,
        "postal_code": order.postal_code,
    }
