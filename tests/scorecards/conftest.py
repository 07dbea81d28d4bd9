"""Shipments, problems and penalty rules for the scorecard's tests."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from itertools import count

import pytest

from aftersales.orders.models import Shipment
from aftersales.parcels.services.opening import problem_case_open
from aftersales.scorecards.models import PenaltyPolicy
from aftersales.scorecards.policies import SHANGHAI
from aftersales.tracking.models import TrackingEvent
from tests.factories import (
    CarrierFactory,
    OrderFactory,
    OrderLineFactory,
    ShipmentFactory,
    UserFactory,
)

_seq = count(1)


def at(*args: int) -> dt.datetime:
    """A time in Shanghai."""
    return dt.datetime(*args, tzinfo=SHANGHAI)


def ship(shop, carrier, shipped_at: dt.datetime, **fields) -> Shipment:
    """An outbound parcel of a new order of ``shop`` with one line."""
    order = OrderFactory(shop=shop)
    OrderLineFactory(order=order, line_no=1)
    sign = {}
    if "signed_at" in fields:
        sign = {"sign_precision": "exact"}
    elif "signed_on" in fields:
        sign = {"sign_precision": "date"}
    return ShipmentFactory(order=order, carrier=carrier, shipped_at=shipped_at, **sign, **fields)


def event(shipment: Shipment, status: str, occurred_at: dt.datetime | None = None):
    """A line of the carrier's tracking, as tracking stores it."""
    n = next(_seq)
    return TrackingEvent.objects.create(
        shipment=shipment,
        occurred_at=occurred_at or shipment.shipped_at + dt.timedelta(days=1),
        status=status,
        context=f"{status} {n}",
        dedupe_key=hashlib.sha256(f"{shipment.pk}-{n}".encode()).hexdigest()[:64],
        created_at=occurred_at or shipment.shipped_at + dt.timedelta(days=1),
    )


def report(shipment: Shipment, kind: str, *, actor, now: dt.datetime | None = None):
    """A problem parcel an agent reports by hand (the parcels area's own service)."""
    return problem_case_open(
        order=shipment.order,
        problem_kind=kind,
        actor=actor,
        now=now or shipment.shipped_at + dt.timedelta(days=2),
        shipment_id=shipment.pk,
    )


@pytest.fixture
def yto(db):
    return CarrierFactory(code="yto", name="圆通速递")


@pytest.fixture
def zto(db):
    return CarrierFactory(code="zto", name="中通快递")


@pytest.fixture
def administrator(shop):
    return UserFactory(username="admin", roles=["administrator"], shops=[shop])


@pytest.fixture
def make_policy(db):
    def make(**fields) -> PenaltyPolicy:
        values = {
            "shop": None,
            "carrier": None,
            "metric": "out_of_area_rate",
            "threshold_pct": Decimal("5.00"),
            "min_parcels": 10,
            "deduction_per_parcel": Decimal("2.50"),
            "revoke_days": 7,
            "created_at": at(2026, 11, 1),
            "updated_at": at(2026, 11, 1),
        }
        values.update(fields)
        return PenaltyPolicy.objects.create(**values)

    return make
