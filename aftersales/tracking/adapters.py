"""Polling: an adapter asks a carrier (or a tracking service) about shipments and answers with
normalised events; ``services.poll_due`` applies them like any push.

``SimulatedCarrierAdapter`` is the one the demo and development use: no network, a
deterministic history per waybill (seeded by it), plausible times and texts, and now and
then a problem parcel. A real adapter (Kuaidi100's real-time query, a carrier's own API)
implements the same two methods and is named in ``settings.TRACKING_ADAPTERS``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from aftersales.orders.models import Shipment, SignPrecision
from aftersales.tracking.models import TrackingStatus
from aftersales.tracking.policies import NormalisedEvent, status_of

S = TrackingStatus


@runtime_checkable
class TrackingAdapter(Protocol):
    """What a poller needs of a carrier."""

    name: str

    def serves(self, carrier_code: str) -> bool:
        """Whether it can tell about parcels of our carrier ``carrier_code``."""

    def fetch(
        self, shipments: Sequence[Shipment], *, now: dt.datetime | None = None
    ) -> list[NormalisedEvent]:
        """Every event the carrier knows of these shipments up to ``now`` (a full history:
        applying is idempotent, so what was seen before may come again)."""


def configured_adapters() -> list[TrackingAdapter]:
    """``settings.TRACKING_ADAPTERS`` (dotted paths of classes); unset, the simulated carrier
    while ``DEBUG`` is on (development, the demo) and none otherwise."""
    paths = getattr(settings, "TRACKING_ADAPTERS", None)
    if paths is None:
        paths = ["aftersales.tracking.adapters.SimulatedCarrierAdapter"] if settings.DEBUG else []
    return [import_string(path)() for path in paths]


# --- the simulated carrier -----------------------------------------------------------------

ORIGINS = ("杭州市", "广州市", "上海市", "义乌市")
HUBS = {
    "杭州市": "杭州转运中心",
    "广州市": "广州转运中心",
    "上海市": "上海转运中心",
    "义乌市": "金华转运中心",
}
COURIERS = ("王师傅", "李师傅", "张师傅", "陈师傅", "刘师傅")

# What becomes of a parcel, out of 100 (the rest are delivered and signed for).
FATES = (
    ("out_of_area", 3),
    ("blind_area", 2),
    ("stranded", 3),
    ("refused", 3),
    ("silent", 4),
)


def _rng(waybill: str) -> random.Random:
    seed = int(hashlib.sha256(waybill.encode("utf-8")).hexdigest()[:16], 16)
    return random.Random(seed)  # noqa: S311 - a simulation, not a secret


def _fate(rng: random.Random) -> str:
    roll = rng.randrange(100)
    for fate, weight in FATES:
        if roll < weight:
            return fate
        roll -= weight
    return "signed"


def _hours(rng: random.Random, low: float, high: float) -> dt.timedelta:
    return dt.timedelta(minutes=int(rng.uniform(low, high) * 60), seconds=rng.randrange(60))


def _ending_at(lines: list, *, start: dt.datetime, end: dt.datetime) -> list:
    """The same history squeezed or stretched between ``start`` and ``end``: a parcel the
    demo recorded as signed at ``end`` was, whatever the draw of durations said."""
    natural = lines[-1][0] - start
    if natural <= dt.timedelta(0) or end <= start:
        return [(end, *lines[-1][1:])]
    factor = (end - start) / natural
    out = [
        ((start + (at - start) * factor).replace(microsecond=0), *rest) for at, *rest in lines[:-1]
    ]
    return [*out, (end, *lines[-1][1:])]


class SimulatedCarrierAdapter:
    """A carrier that answers for every one of our carriers, from the waybill alone.

    A parcel already signed for in our records ends signed at that instant (exactly as
    recorded). With ``sign_unsigned`` off, a parcel we hold unsigned is never signed by the
    simulation (its history stops at the delivery round): the demo keeps its stories."""

    name = "simulated"

    def __init__(self, *, sign_unsigned: bool = True, fates: dict[int, str] | None = None):
        self.sign_unsigned = sign_unsigned
        # Shipment id -> fate, over the waybill's own (the demo makes sure of its examples).
        self.fates = fates or {}

    def serves(self, carrier_code: str) -> bool:
        return True

    def fetch(
        self, shipments: Sequence[Shipment], *, now: dt.datetime | None = None
    ) -> list[NormalisedEvent]:
        now = now or timezone.now()
        events: list[NormalisedEvent] = []
        for shipment in shipments:
            events += self.history(shipment, now=now)
        return events

    def fate_of(self, waybill: str) -> str:
        return _fate(_rng(waybill))

    def history(self, shipment: Shipment, *, now: dt.datetime) -> list[NormalisedEvent]:
        if not shipment.waybill_no or shipment.shipped_at is None:
            return []
        rng = _rng(shipment.waybill_no)
        fate = _fate(rng)
        fate = self.fates.get(shipment.pk, fate)
        signed_at = shipment.signed_at if shipment.sign_precision == SignPrecision.EXACT else None
        if shipment.sign_precision == SignPrecision.DATE:
            return []  # the carrier told only the day: no history to make up
        if signed_at is not None:
            fate = "signed"
        elif fate == "signed" and not self.sign_unsigned:
            fate = "delivering"
        origin = ORIGINS[rng.randrange(len(ORIGINS))]
        hub = HUBS[origin]
        city = getattr(shipment.order, "city", "") or "目的地"
        outlet = f"{city.removesuffix('市')}{rng.choice(('城东', '城西', '开发区', '新区'))}网点"
        lines: list[tuple[dt.datetime, str, str, str]] = []
        t = shipment.shipped_at + _hours(rng, 0.5, 4)
        lines.append(
            (t, "103", f"【{origin}】快件已被 {origin.removesuffix('市')}营业部 揽收", origin)
        )
        t += _hours(rng, 2, 6)
        lines.append((t, "1002", f"【{origin}】快件离开 {hub}，发往 {city}", origin))
        t += _hours(rng, 12, 30)
        lines.append((t, "1001", f"【{city}】快件已到达 {city}转运中心", city))
        if fate == "silent":
            pass  # and then nothing more
        elif fate in ("out_of_area", "blind_area", "stranded"):
            t += _hours(rng, 6, 20)
            lines.append((t, "1003", f"【{city}】快件已到达 {outlet}", city))
            t += _hours(rng, 2, 10)
            text = {
                "out_of_area": (
                    "207",
                    f"【{city}】收件地址超出派送范围，请联系寄件方处理",
                ),
                "blind_area": ("204", f"【{city}】该地区无网点，快件无法派送"),
                "stranded": ("208", f"【{city}】{outlet}暂停营业，快件滞留"),
            }[fate]
            lines.append((t, text[0], text[1], city))
        else:
            t += _hours(rng, 6, 20)
            courier = rng.choice(COURIERS)
            deliver_at = t
            lines.append((deliver_at, "5", f"【{city}】派件员 {courier} 正在派件", city))
            if fate == "refused":
                t = deliver_at + _hours(rng, 1, 4)
                lines.append((t, "14", f"【{city}】收件人拒收，快件将退回", city))
                t += _hours(rng, 10, 24)
                lines.append((t, "6", f"【{city}】快件已退回，正在返回寄件地 {origin}", city))
            elif fate == "signed":
                at = deliver_at + _hours(rng, 1, 5)
                if rng.random() < 0.2:
                    lines.append((at, "304", f"【{city}】快件已签收，已放入 {outlet}驿站", city))
                else:
                    lines.append((at, "301", f"【{city}】快件已签收，签收人：本人签收", city))
        if signed_at is not None:
            lines = _ending_at(lines, start=shipment.shipped_at, end=signed_at)
        return [
            NormalisedEvent(
                shipment_id=shipment.pk,
                occurred_at=at,
                status=status_of(code=code, context=context),
                raw_state=code,
                context=context,
                area=area,
            )
            for at, code, context, area in lines
            if at <= now
        ]
