"""The scorecards' part of the demo: the default penalty rule, applied to the demo's last
month. Call it after the tracking and parcels demo loaders (their events and problem parcels
are what the figures count), once the demo's orders exist."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from aftersales.scorecards import policies
from aftersales.scorecards.models import Penalty, PenaltyMetric, PenaltyPolicy
from aftersales.scorecards.services import penalties_apply

DEFAULT_NOTE = "默认考核：超区率高于 3%（当月至少 20 件）每件扣 2 元，本店路由取消优先 7 天"


def load(*, now: dt.datetime) -> str:
    policy, _created = PenaltyPolicy.objects.get_or_create(
        shop=None,
        carrier=None,
        note=DEFAULT_NOTE,
        defaults={
            "metric": PenaltyMetric.OUT_OF_AREA_RATE,
            "threshold_pct": Decimal("3.00"),
            "min_parcels": 20,
            "deduction_per_parcel": Decimal("2.00"),
            "revoke_days": 7,
            "created_at": now,
            "updated_at": now,
        },
    )
    month = policies.previous_month(now)
    result = penalties_apply(month=month, now=now)
    total = Penalty.objects.filter(month=month, policy=policy).count()
    return (
        f"scorecards: default penalty rule; {month:%Y-%m}: {total} penalties "
        f"({result.penalties_new} new, {result.revocations_new} priority revocations)"
    )
