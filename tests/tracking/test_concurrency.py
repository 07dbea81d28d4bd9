"""The same pushes applied at once from several workers: one row per event, the newest status,
each problem heard once, the sign-in recorded once. PostgreSQL only (row locks; the in-memory
SQLite test database refuses a second writer instead of queueing it)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from aftersales.accounts.models import Role
from aftersales.orders.models import ShipmentSignInChange
from aftersales.tracking import hooks
from aftersales.tracking.models import ShipmentTracking, TrackingEvent
from aftersales.tracking.policies import NormalisedEvent
from aftersales.tracking.services import apply_events, sweep_never_heard, sweep_silent
from tests.concurrency import run_together
from tests.factories import OrderFactory, ShipmentFactory, ShopFactory
from tests.tracking.conftest import SHANGHAI

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: row locks; set DATABASE_URL=postgres://… to run it",
    ),
]

T0 = dt.datetime(2026, 11, 13, 12, 0, tzinfo=SHANGHAI)
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _role_groups(transactional_db):
    for role in Role.values:
        Group.objects.get_or_create(name=role)


def _parcels(n: int):
    shop = ShopFactory(name="并发店")
    order = OrderFactory(shop=shop)
    return [ShipmentFactory(order=order, waybill_no=f"CC{i:010d}", shipped_at=T0) for i in range(n)]


def _history(shipment, last: str):
    lines = [(1, "collected"), (10, "in_transit"), (20, "out_for_delivery"), (30, last)]
    return [
        NormalisedEvent(
            shipment_id=shipment.pk,
            occurred_at=T0 + dt.timedelta(hours=h),
            status=status,
            context=f"{status} {h}",
        )
        for h, status in lines
    ]


def test_the_same_events_applied_at_once_by_four_workers(system_sign_in):
    parcels = _parcels(40)
    events = [
        e for i, s in enumerate(parcels) for e in _history(s, "signed" if i % 2 else "stranded")
    ]
    heard: list[int] = []

    def handler(problems, now):
        heard.extend(p.shipment_id for p in problems)

    hooks.register_problem_handler(handler)
    try:
        # Each worker in its own order, so their batches cross.
        results = run_together(
            4, lambda i: apply_events(events[::-1] if i % 2 else events, now=NOW)
        )
    finally:
        hooks.unregister_problem_handler(handler)

    assert [outcome for outcome, _ in results] == ["ok"] * 4, results
    assert sum(r.events_new for _, r in results) == 160
    assert TrackingEvent.objects.count() == 160
    statuses = dict(ShipmentTracking.objects.values_list("shipment_id", "status"))
    assert statuses == {s.pk: ("signed" if i % 2 else "stranded") for i, s in enumerate(parcels)}
    assert sorted(heard) == sorted(s.pk for i, s in enumerate(parcels) if i % 2 == 0)
    assert ShipmentSignInChange.objects.count() == 20
    assert sorted(sum((r.signed for _, r in results), [])) == sorted(
        s.pk for i, s in enumerate(parcels) if i % 2
    )


def test_an_older_and_a_newer_push_at_once_end_at_the_newer():
    [parcel] = _parcels(1)
    history = _history(parcel, "out_for_delivery")

    results = run_together(6, lambda i: apply_events(history[: 2 + i % 3], now=NOW))

    assert [outcome for outcome, _ in results] == ["ok"] * 6, results
    tracking = ShipmentTracking.objects.get(shipment=parcel)
    assert (tracking.status, tracking.status_at) == (
        "out_for_delivery",
        T0 + dt.timedelta(hours=30),
    )
    assert TrackingEvent.objects.count() == 4


def test_the_sweeps_twice_at_once():
    parcels = _parcels(10)
    apply_events([e for s in parcels[:5] for e in _history(s, "in_transit")], now=NOW)
    later = T0 + dt.timedelta(days=5)

    results = run_together(
        2, lambda i: (sweep_silent(now=later, hours=48), sweep_never_heard(now=later, hours=48))
    )

    assert [outcome for outcome, _ in results] == ["ok"] * 2, results
    silent, never = zip(*(r for _, r in results), strict=True)
    assert (sum(silent), sum(never)) == (5, 5)
    assert set(ShipmentTracking.objects.values_list("status", flat=True)) == {"no_update"}
