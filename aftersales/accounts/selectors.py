"""Reads of people and their traces."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from aftersales.accounts.models import ApiToken, ContactReveal, Role, User
from aftersales.accounts.permissions import Perm, authorize


def contact_reveals_for(
    *,
    user: User,
    who: int | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> QuerySet[ContactReveal]:
    """Who opened which buyer's phone and address, newest first: the shops' log, for those
    allowed to read it."""
    authorize(user, Perm.REVEAL_LOG_READ)
    qs = ContactReveal.objects.filter(order__shop_id__in=user.shop_ids())
    if who is not None:
        qs = qs.filter(user_id=who)
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    if until is not None:
        qs = qs.filter(created_at__lt=until)
    return qs.select_related("user", "order", "order__shop").order_by("-created_at", "-id")


def _is_administrator(actor: User) -> bool:
    return actor.is_active and actor.has_role(Role.ADMINISTRATOR)


def tokens_visible_to(actor: User) -> QuerySet[ApiToken]:
    """The tokens ``actor`` may see and revoke: their own, and an administrator's also every
    token of their shops' staff. Newest first."""
    if not actor.is_authenticated:
        return ApiToken.objects.none()
    scope = Q(user=actor)
    if _is_administrator(actor):
        staff = User.objects.filter(shops__in=actor.shop_ids()).values("pk")
        scope |= Q(user__in=staff)
    return ApiToken.objects.filter(scope).select_related("user").order_by("-created_at", "-id")
