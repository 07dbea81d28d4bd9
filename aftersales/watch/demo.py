"""The demo's order watch: the first shop follows a stalled parcel up sooner than the default
(36 hours), then the sweep runs over the demo's orders and tracking as the huey job does; an
agent of each shop has taken one follow-up and logged a call the buyer did not answer, and
settled another.

Call it once the demo's orders and their tracking exist (after ``aftersales.tracking.demo``).
The watch cannot import the demo (it is a higher layer), so the demo passes its shops'
ids; without them every shop is the demo's.
"""

from __future__ import annotations

import datetime as dt

from aftersales.accounts.models import Role, Shop, User
from aftersales.watch.models import FollowUp, FollowUpKind, FollowUpStatus, WatchRule
from aftersales.watch.services import followup_log_contact, followup_resolve, followup_take
from aftersales.watch.sweep import followups_sweep, rules_ensure_defaults

FIRST_SHOP_STALLED_HOURS = 36


def load(*, now: dt.datetime, shop_ids: list[int] | None = None) -> str:
    shops = list(
        Shop.objects.filter(**({"pk__in": shop_ids} if shop_ids is not None else {})).order_by("id")
    )
    if not shops:
        return "watch: no shops"
    rules_ensure_defaults(now=now)
    first = shops[0]
    if not WatchRule.objects.filter(shop=first, kind=FollowUpKind.STALLED).exists():
        WatchRule.objects.create(
            shop=first,
            kind=FollowUpKind.STALLED,
            threshold_hours=FIRST_SHOP_STALLED_HOURS,
            due_hours=12,
            note="大促期间物流慢，36 小时无轨迹即联系买家",
            created_at=now,
            updated_at=now,
        )
    result = followups_sweep(now=now)
    worked = 0
    for shop in shops:
        agent = (
            User.objects.filter(shops=shop, groups__name=Role.AGENT, is_active=True)
            .order_by("id")
            .first()
        )
        if agent is None:
            continue
        open_ones = list(
            FollowUp.objects.filter(shop=shop, status=FollowUpStatus.OPEN).order_by("due_at", "id")[
                :2
            ]
        )
        if open_ones:
            followup_take(actor=agent, followup_id=open_ones[0].pk, now=now)
            followup_log_contact(
                actor=agent,
                followup_id=open_ones[0].pk,
                channel="phone",
                summary="致电买家未接通，稍后再联系",
                result="no_answer",
                now=now,
            )
            worked += 1
        if len(open_ones) > 1:
            followup_log_contact(
                actor=agent,
                followup_id=open_ones[1].pk,
                channel="wangwang",
                summary="旺旺联系买家，已告知快递预计明天派送",
                result="other",
                now=now,
            )
            followup_resolve(
                actor=agent,
                followup_id=open_ones[1].pk,
                result="买家知悉，等待派送",
                now=now,
            )
            worked += 1
    by_kind = ", ".join(f"{k} {n}" for k, n in sorted(result.raised.items()) if n)
    return f"watch: {result.total_raised} follow-ups raised ({by_kind or 'none'}), {worked} worked"
