"""The courier area's demo on top of the demo's orders: coverage of the far west for most
carriers, one suspension, a plan per carrier and kind, routes for both demo shops, and a few
pre-ship flags; a second call adds nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from aftersales.core.models import Carrier
from aftersales.logistics import demo
from aftersales.logistics.models import (
    ContingencyPlan,
    CoverageRule,
    OutletSuspension,
    PreShipFlag,
    ProblemKind,
    Route,
)
from aftersales.logistics.services.routing import decide_many
from aftersales.orders.models import Order, OrderStatus


@pytest.fixture
def demo_orders(db):
    call_command("load_demo", stdout=io.StringIO())


def test_the_demo_has_routing_decisions_and_a_few_flags(demo_orders):
    # The demo calls the loader itself once its orders exist; calling it again adds nothing.
    now = timezone.now()
    demo.load(now=now)
    flags = PreShipFlag.objects.filter(settled_at__isnull=True).count()

    again = demo.load(now=now)

    carriers = Carrier.objects.count()
    assert ContingencyPlan.objects.count() == carriers * len(ProblemKind)
    assert CoverageRule.objects.filter(province="西藏自治区", coverage="none").count() >= 4
    assert OutletSuspension.objects.count() == 1
    assert set(Route.objects.values_list("shop__name", flat=True)) == {demo.HOME, demo.FASHION}
    assert 5 <= flags <= 60
    far = dict(
        PreShipFlag.objects.filter(order__order_no__in=[o[1] for o in demo.FAR_ORDERS]).values_list(
            "order__order_no", "reason"
        )
    )
    assert far == {
        "4926111400000000001": "limited",
        "4926111400000000002": "limited",
        "4926111400000000003": "primary_skipped",
        "4926111400000000004": "limited",
        "4926111400000000005": "limited",
        "4926111400000000006": "no_carrier",
    }
    assert "nothing to do" in again
    assert PreShipFlag.objects.count() == flags
    waiting = Order.objects.filter(
        shop__name__in=(demo.HOME, demo.FASHION), status=OrderStatus.WAIT_SELLER_SEND
    )
    decisions = decide_many(waiting, now=now)
    assert any(d.carrier is not None and d.reasons for d in decisions.values())


def test_the_loader_on_the_demos_orders_says_what_it_made(demo_orders):
    # As if the demo had not called it: its routes gone, the carrier-wide data kept.
    Route.objects.all().delete()
    PreShipFlag.objects.all().delete()

    summary = demo.load(now=timezone.now())

    flags = PreShipFlag.objects.count()
    assert summary.endswith(f"{flags} pre-ship flags")
    assert "8 routes" in summary
    assert flags >= 1
