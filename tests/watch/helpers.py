"""The watch's story: orders of the sock shop shipped with YTO, their tracking as the carrier
reported it, and the clock at 09:30 on Sat 14 Nov 2026 in Shanghai (01:30 UTC)."""

from __future__ import annotations

import datetime as dt
import itertools

from aftersales.orders.models import OrderStatus
from aftersales.tracking.models import ShipmentTracking, TrackingEvent
from aftersales.watch.models import FollowUp, WatchRule
from tests.factories import CarrierFactory, OrderFactory, OrderLineFactory, ShipmentFactory

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 14, 1, 30, tzinfo=UTC)
H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)
_keys = itertools.count(1)


def order(shop, *, status=OrderStatus.WAIT_BUYER_CONFIRM, success_at=None, **fields):
    """An order with one line of socks; shipped, waiting for the buyer unless told."""
    o = OrderFactory(shop=shop, status=status, success_at=success_at, **fields)
    OrderLineFactory(order=o, line_no=1)
    return o


def shipped(o, *, at=NOW - 3 * D, direction="outbound", **fields):
    return ShipmentFactory(
        order=o, carrier=CarrierFactory(), shipped_at=at, direction=direction, **fields
    )


def tracked(shipment, status, *, at, last_event_at=None):
    """The shipment's tracking summary: ``status`` set by an event at ``at``."""
    return ShipmentTracking.objects.update_or_create(
        shipment=shipment,
        defaults={
            "status": status,
            "status_at": at,
            "last_event_at": last_event_at or at,
            "subscribed": True,
        },
    )[0]


def event(shipment, status, *, at, raw_state="", context=""):
    return TrackingEvent.objects.create(
        shipment=shipment,
        occurred_at=at,
        status=status,
        raw_state=raw_state,
        context=context,
        dedupe_key=f"k{next(_keys)}",
        created_at=at,
    )


def parcel(shop, state="in_transit", *, at, **order_fields):
    """An order whose parcel's tracking says ``state`` since ``at``."""
    o = order(shop, **order_fields)
    s = shipped(o, at=at - 6 * H)
    tracked(s, state, at=at)
    return o, s


def open_followups(**filters):
    return list(
        FollowUp.objects.filter(status="open", **filters)
        .order_by("order_id", "kind")
        .values_list("order_id", "kind")
    )


def rule(kind, *, shop=None, hours, due=24, active=True):
    return WatchRule.objects.update_or_create(
        shop=shop,
        kind=kind,
        defaults={
            "threshold_hours": hours,
            "due_hours": due,
            "is_active": active,
            "created_at": NOW,
            "updated_at": NOW,
        },
    )[0]
