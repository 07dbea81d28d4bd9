"""The demo's tracking: the outbound parcels' histories from the simulated carrier, applied as
any poll is — most signed for (exactly when the demo recorded it), some on their way, a few
problem parcels, one silent for days.

Parcels the demo holds unsigned are never signed by the simulation, and a parcel whose
sign-in only has a date gets no made-up history: the demo's stories stay as they were.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db.models import Q

from aftersales.cases.models import Case
from aftersales.core.models import Carrier
from aftersales.orders.models import Shipment, ShipmentDirection, SignPrecision
from aftersales.tracking.adapters import SimulatedCarrierAdapter
from aftersales.tracking.kuaidi100 import KNOWN_NAMES, SYSTEM
from aftersales.tracking.models import PROBLEM_STATUSES, CarrierAlias, ShipmentTracking
from aftersales.tracking.services import apply_events, sweep_silent

# The demo's examples, whatever the waybills draw: kinds of problem, then one silent parcel.
EXAMPLES = ("out_of_area", "stranded", "blind_area", "refused", "silent")
SILENT_HOURS = 48
CASE_FATES = {"refusal": "refused", "refund_only": "silent"}


def aliases() -> int:
    """Kuaidi100's code for each carrier whose name is one Kuaidi100 knows."""
    made = 0
    for com, names in KNOWN_NAMES.items():
        if CarrierAlias.objects.filter(system=SYSTEM, code=com).exists():
            continue
        match = Q()
        for name in names:
            match |= Q(name__startswith=name)
        carrier = Carrier.objects.filter(match).order_by("id").first()
        if carrier is not None:
            CarrierAlias.objects.create(system=SYSTEM, code=com, carrier=carrier)
            made += 1
    return made


def load(*, now: dt.datetime, shop_ids: list[int] | None = None) -> str:
    aliases()
    shipments = list(
        Shipment.objects.filter(
            direction__in=[
                ShipmentDirection.OUTBOUND,
                ShipmentDirection.RESHIP,
                ShipmentDirection.REPLACEMENT,
            ],
            shipped_at__lte=now,
            carrier__isnull=False,
        )
        .exclude(waybill_no="")
        .filter(**({"order__shop_id__in": shop_ids} if shop_ids is not None else {}))
        .select_related("order", "carrier")
        .order_by("shipped_at", "id")
    )
    probe = SimulatedCarrierAdapter(sign_unsigned=False)
    unsigned = [
        s
        for s in shipments
        if s.sign_precision == SignPrecision.NONE
        and s.shipped_at is not None
        and s.shipped_at <= now - dt.timedelta(days=4)
    ]
    # What the demo's cases say of a parcel: a refused one was refused at the door (and goes
    # back); a parcel refunded for not arriving went silent.
    told = dict(
        Case.objects.filter(kind__in=CASE_FATES, order_id__in={s.order_id for s in unsigned})
        .order_by("order_id", "id")
        .values_list("order_id", "kind")
    )
    fates: dict[int, str] = {
        s.pk: CASE_FATES[told[s.order_id]]
        for s in unsigned
        if s.order_id in told and s.direction == ShipmentDirection.OUTBOUND
    }
    drawn = Counter(fates.get(s.pk) or probe.fate_of(s.waybill_no) for s in unsigned)
    # The oldest unsigned parcels, if the draw gave no example of a kind.
    spare = iter(
        s for s in unsigned if s.pk not in fates and probe.fate_of(s.waybill_no) == "signed"
    )
    for kind in EXAMPLES:
        if drawn[kind]:
            continue
        shipment = next(spare, None)
        if shipment is not None:
            fates[shipment.pk] = kind
    adapter = SimulatedCarrierAdapter(sign_unsigned=False, fates=fates)
    result = apply_events(adapter.fetch(shipments, now=now), now=now)
    silent = sweep_silent(now=now, hours=SILENT_HOURS)
    ids = [s.pk for s in shipments]
    ShipmentTracking.objects.filter(shipment_id__in=ids).update(last_polled_at=now)
    statuses = Counter(
        ShipmentTracking.objects.filter(shipment_id__in=ids).values_list("status", flat=True)
    )
    problems = sum(n for status, n in statuses.items() if status in PROBLEM_STATUSES)
    moving = statuses["collected"] + statuses["in_transit"] + statuses["out_for_delivery"]
    return (
        f"物流轨迹：{len(shipments)} 个包裹、{result.events_new} 条轨迹"
        f"（已签收 {statuses['signed']}，在途 {moving}，问题件 {problems}，"
        f"无更新 {statuses['no_update']}；其中 {silent} 个超过 {SILENT_HOURS} 小时无更新）"
    )
