"""The courier area's fixtures: three carriers, a clock, and helpers that write coverage,
suspensions, routes and orders straight to the tables (the services have their own tests)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from aftersales.logistics.models import (
    CoverageRule,
    OutletSuspension,
    PriorityRevocation,
    Route,
    RouteCarrier,
)
from aftersales.orders.models import OrderStatus
from tests.api import NOW
from tests.factories import CarrierFactory, OrderFactory


@pytest.fixture
def zto(db):
    return CarrierFactory(code="zto", name="中通快递")


@pytest.fixture
def yto(db):
    return CarrierFactory(code="yto", name="圆通速递")


@pytest.fixture
def sf(db):
    return CarrierFactory(code="sf", name="顺丰速运")


def rule(carrier, province, city="", district="", coverage="none", note="") -> CoverageRule:
    return CoverageRule.objects.create(
        carrier=carrier,
        province=province,
        city=city,
        district=district,
        coverage=coverage,
        note=note,
        updated_at=NOW,
    )


def suspension(
    carrier, outlet, province, city="", district="", *, starts_on: dt.date, ends_on: dt.date
) -> OutletSuspension:
    return OutletSuspension.objects.create(
        carrier=carrier,
        outlet=outlet,
        province=province,
        city=city,
        district=district,
        starts_on=starts_on,
        ends_on=ends_on,
        updated_at=NOW,
    )


def route(shop, carriers, province="", city="", district="") -> Route:
    r = Route.objects.create(
        shop=shop, province=province, city=city, district=district, updated_at=NOW
    )
    RouteCarrier.objects.bulk_create(
        RouteCarrier(route=r, position=n, carrier=c) for n, c in enumerate(carriers, 1)
    )
    return r


def revoke(carrier, *, shop=None, starts_at=None, ends_at=None, reason="考核处罚", **extra: Any):
    return PriorityRevocation.objects.create(
        carrier=carrier,
        shop=shop,
        starts_at=starts_at or NOW - dt.timedelta(days=1),
        ends_at=ends_at or NOW + dt.timedelta(days=30),
        reason=reason,
        **extra,
    )


def unshipped(shop, **fields: Any):
    fields.setdefault("status", OrderStatus.WAIT_SELLER_SEND)
    return OrderFactory(shop=shop, **fields)
