"""The problem-parcel story: an order of socks shipped with YTO to a remote county, not yet
signed for; tracking reports it out of area on Thursday 12 Nov 2026 at 10:00 in Shanghai."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

from aftersales.cases.models import Case
from aftersales.cases.services import case_act
from aftersales.core.models import Carrier
from aftersales.logistics.models import ContingencyPlan
from aftersales.tracking.policies import NormalisedEvent
from aftersales.tracking.services import apply_events
from tests.api import order_build

SHANGHAI = ZoneInfo("Asia/Shanghai")
SEEN_AT = dt.datetime(2026, 11, 12, 10, 0, tzinfo=SHANGHAI)
NOW = dt.datetime(2026, 11, 12, 10, 5, tzinfo=SHANGHAI)


def parcel_order(shop, *, freight_paid=Decimal("8.00"), lines=None, **fields):
    """An order shipped by YTO (outbound, carrier and waybill), not signed for."""
    order, order_lines = order_build(
        shop=shop,
        lines=lines,
        freight_paid=freight_paid,
        signed_at=None,
        province="西藏自治区",
        city="阿里地区",
        district="改则县",
        **fields,
    )
    return order, order_lines, order.shipments.get()


def other_carrier() -> Carrier:
    return Carrier.objects.get_or_create(code="sf", defaults={"name": "顺丰速运"})[0]


def plan_for(carrier: Carrier, kind: str = "out_of_area", *, action="return_to_sender", note=""):
    return ContingencyPlan.objects.create(
        carrier=carrier,
        problem_kind=kind,
        action=action,
        note=note or "超区件原件退回，退回运费由快递承担。",
        updated_at=NOW,
    )


def tracking_says(shipment, status="out_of_area", *, at=SEEN_AT, now=NOW, context=""):
    """The carrier's tracking line, applied as any push or poll is."""
    return apply_events(
        [
            NormalisedEvent(
                shipment_id=shipment.pk,
                occurred_at=at,
                status=status,
                raw_state="超区",
                context=context or "【改则县】该地址超出派送范围，快件将退回",
                area="西藏自治区阿里地区",
            )
        ],
        now=now,
    )


def problem_case(shipment) -> Case:
    return Case.objects.get(kind="problem_parcel", parcel_problem__shipment=shipment)


def act(case, action, actor, now=NOW, **params):
    return case_act(case_id=case.pk, action=action, actor=actor, now=now, params=params)
