"""A carrier's priority revoked for a period (a penalty's effect in routing) and restored."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Shop, User
from aftersales.accounts.permissions import Perm, authorize
from aftersales.core.errors import ConcurrentChange, InvalidInput, NotFound
from aftersales.core.models import Carrier
from aftersales.core.validation import text_problem
from aftersales.logistics.models import PriorityRevocation


def priority_revoke(
    *,
    carrier_id: int,
    shop_id: int | None,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    source: str = "",
    actor: User | None = None,
) -> PriorityRevocation:
    """Demote the carrier in routing from ``starts_at`` (included) to ``ends_at`` (excluded),
    for one shop or — ``shop_id`` None — every shop. ``actor`` None is a system job (the
    penalty policy); a person needs CARRIER_MANAGE (in that shop when one is named)."""
    if actor is not None:
        authorize(actor, Perm.CARRIER_MANAGE, shop_id=shop_id)
    if not Carrier.objects.filter(pk=carrier_id).exists():
        raise InvalidInput(_("快递公司不存在。"), field="carrier_id")
    if shop_id is not None and not Shop.objects.filter(pk=shop_id).exists():
        raise InvalidInput(_("店铺不存在。"), field="shop_id")
    if ends_at <= starts_at:
        raise InvalidInput(_("结束时间须晚于开始时间。"), field="ends_at")
    reason = (reason or "").strip()
    if text_problem(reason) or text_problem(source or ""):
        raise InvalidInput(_("含有无法保存的字符。"), field="reason")
    if not reason:
        raise InvalidInput(_("请填写原因。"), field="reason")
    return PriorityRevocation.objects.create(
        carrier_id=carrier_id,
        shop_id=shop_id,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason[:255],
        source=(source or "")[:64],
        created_by=actor,
    )


def priority_restore(*, revocation_id: int, actor: User, now: datetime) -> PriorityRevocation:
    """Reverse a revocation (an administrator's decision, PENALTY_REVERSE): routing counts
    the carrier again from ``now``. Reversing twice is refused (409)."""
    with transaction.atomic():
        revocation = PriorityRevocation.objects.select_for_update().filter(pk=revocation_id).first()
        if revocation is None:
            raise NotFound(_("记录不存在。"))
        authorize(actor, Perm.PENALTY_REVERSE, shop_id=revocation.shop_id)
        if revocation.reversed_at is not None:
            raise ConcurrentChange(_("该取消优先已撤销。"), code="already_reversed")
        revocation.reversed_at = now
        revocation.reversed_by = actor
        revocation.save(update_fields=["reversed_at", "reversed_by"])
    return revocation
