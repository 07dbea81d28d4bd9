"""The polling adapters, the periodic jobs and the demo loader."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from aftersales.orders.models import Shipment
from aftersales.tracking import tasks
from aftersales.tracking.adapters import (
    SimulatedCarrierAdapter,
    TrackingAdapter,
    configured_adapters,
)
from aftersales.tracking.models import PROBLEM_STATUSES, ShipmentTracking, TrackingEvent
from aftersales.tracking.services import apply_events, poll_due, shipments_due
from tests.factories import CarrierFactory, OrderFactory, ShipmentFactory
from tests.tracking.conftest import SHANGHAI

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=SHANGHAI)


class Recording:
    """A fake carrier that answers one line per shipment and remembers who asked."""

    name = "recording"

    def __init__(self, code: str = "yto"):
        self.code = code
        self.asked: list[list[int]] = []

    def serves(self, carrier_code: str) -> bool:
        return carrier_code == self.code

    def fetch(self, shipments, *, now=None):
        from aftersales.tracking.policies import NormalisedEvent

        self.asked.append([s.pk for s in shipments])
        return [
            NormalisedEvent(
                shipment_id=s.pk,
                occurred_at=s.shipped_at + dt.timedelta(hours=1),
                status="collected",
                raw_state="103",
                context="揽收",
            )
            for s in shipments
        ]


@pytest.fixture
def shipments(shop):
    yto = CarrierFactory(code="yto", name="圆通速递")
    sto = CarrierFactory(code="sto", name="申通快递")
    out = {}
    for name, carrier, shipped in (
        ("due", yto, NOW - dt.timedelta(days=1)),
        ("other_carrier", sto, NOW - dt.timedelta(days=1)),
        ("too_old", yto, NOW - dt.timedelta(days=90)),
        ("not_shipped", yto, None),
    ):
        out[name] = ShipmentFactory(
            order=OrderFactory(shop=shop), carrier=carrier, shipped_at=shipped
        )
    out["signed"] = ShipmentFactory(
        order=OrderFactory(shop=shop),
        carrier=yto,
        shipped_at=NOW - dt.timedelta(days=2),
        sign_precision="exact",
        signed_at=NOW - dt.timedelta(days=1),
    )
    out["no_waybill"] = ShipmentFactory(
        order=OrderFactory(shop=shop), carrier=yto, waybill_no="", shipped_at=NOW
    )
    return out


def test_the_simulated_carrier_is_an_adapter():
    assert isinstance(SimulatedCarrierAdapter(), TrackingAdapter)


@pytest.mark.django_db
def test_due_shipments(shipments):
    due = {s.pk for s in shipments_due(now=NOW, hours=4, limit=100)}

    assert due == {shipments["due"].pk, shipments["other_carrier"].pk}


@pytest.mark.django_db
def test_poll_asks_each_adapter_for_its_carriers_once_per_period(shipments):
    yto = Recording("yto")

    result = poll_due(now=NOW, adapters=[yto], hours=4)

    assert yto.asked == [[shipments["due"].pk]]
    assert result.events_new == 1
    tracking = ShipmentTracking.objects.get(shipment=shipments["due"])
    assert (tracking.status, tracking.last_polled_at) == ("collected", NOW)
    # Asked again within the period: nobody is due.
    assert poll_due(now=NOW + dt.timedelta(hours=3), adapters=[yto], hours=4).events_seen == 0
    assert yto.asked == [[shipments["due"].pk]]
    # After it: asked again, nothing new.
    again = poll_due(now=NOW + dt.timedelta(hours=5), adapters=[yto], hours=4)
    assert (again.events_seen, again.events_new) == (1, 0)


@pytest.mark.django_db
def test_an_adapter_that_fails_does_not_stop_the_others(shipments):
    class Down(Recording):
        def fetch(self, shipments, *, now=None):
            raise ConnectionError("carrier down")

    sto = Recording("sto")

    poll_due(now=NOW, adapters=[Down("yto"), sto], hours=4)

    assert sto.asked == [[shipments["other_carrier"].pk]]


@pytest.mark.django_db
def test_the_simulation_is_the_same_every_time_and_never_ahead_of_now(shop):
    shipment = ShipmentFactory(order=OrderFactory(shop=shop), shipped_at=NOW - dt.timedelta(days=6))
    adapter = SimulatedCarrierAdapter()

    first = adapter.fetch([shipment], now=NOW)
    second = SimulatedCarrierAdapter().fetch([shipment], now=NOW)

    assert first == second
    assert first
    assert all(shipment.shipped_at < e.occurred_at <= NOW for e in first)
    earlier = adapter.fetch([shipment], now=NOW - dt.timedelta(days=5))
    assert len(earlier) < len(first)


@pytest.mark.django_db
def test_the_simulation_makes_plausible_histories_and_some_problems(shop):
    order = OrderFactory(shop=shop)
    parcels = [
        ShipmentFactory(
            order=order, waybill_no=f"SIM{n:09d}", shipped_at=NOW - dt.timedelta(days=8)
        )
        for n in range(300)
    ]
    events = SimulatedCarrierAdapter().fetch(parcels, now=NOW)
    by_shipment: dict[int, list] = {}
    for e in events:
        by_shipment.setdefault(e.shipment_id, []).append(e)

    last = Counter(max(evs, key=lambda e: e.occurred_at).status for evs in by_shipment.values())
    assert last["signed"] > 200
    assert {"out_of_area", "blind_area", "stranded", "returning"} <= set(last)
    # Each history starts collected and runs forward in time.
    for evs in by_shipment.values():
        times = [e.occurred_at for e in evs]
        assert times == sorted(times)
        assert evs[0].status == "collected"


@pytest.mark.django_db
def test_a_parcel_signed_in_our_records_ends_signed_exactly_then(shop):
    signed_at = NOW - dt.timedelta(days=2)
    shipment = ShipmentFactory(
        order=OrderFactory(shop=shop),
        shipped_at=NOW - dt.timedelta(days=5),
        sign_precision="exact",
        signed_at=signed_at,
    )

    events = SimulatedCarrierAdapter().fetch([shipment], now=NOW)

    assert (events[-1].status, events[-1].occurred_at) == ("signed", signed_at)


@pytest.mark.django_db
@pytest.mark.parametrize("hours", [3, 20, 200])
def test_a_recorded_sign_in_soon_or_late_after_shipping_ends_the_history(shop, hours):
    shipped = NOW - dt.timedelta(days=12)
    parcels = [
        ShipmentFactory(
            order=OrderFactory(shop=shop),
            waybill_no=f"FAST{hours}{n:06d}",
            shipped_at=shipped,
            sign_precision="exact",
            signed_at=shipped + dt.timedelta(hours=hours),
        )
        for n in range(20)
    ]

    events = SimulatedCarrierAdapter().fetch(parcels, now=NOW)
    apply_events(events, now=NOW)

    for parcel in parcels:
        mine = [e for e in events if e.shipment_id == parcel.pk]
        times = [e.occurred_at for e in mine]
        assert times == sorted(times)
        assert shipped < times[0]
        assert (mine[-1].status, mine[-1].occurred_at) == ("signed", parcel.signed_at)
    assert set(ShipmentTracking.objects.values_list("status", flat=True)) == {"signed"}


@pytest.mark.django_db
def test_without_sign_unsigned_the_simulation_signs_nothing_we_hold_unsigned(shop):
    order = OrderFactory(shop=shop)
    parcels = [
        ShipmentFactory(
            order=order, waybill_no=f"UNS{n:09d}", shipped_at=NOW - dt.timedelta(days=8)
        )
        for n in range(50)
    ]

    events = SimulatedCarrierAdapter(sign_unsigned=False).fetch(parcels, now=NOW)

    assert "signed" not in {e.status for e in events}


def test_adapters_come_from_the_settings(settings):
    settings.TRACKING_ADAPTERS = ["aftersales.tracking.adapters.SimulatedCarrierAdapter"]
    assert [a.name for a in configured_adapters()] == ["simulated"]
    settings.TRACKING_ADAPTERS = []
    assert configured_adapters() == []
    del settings.TRACKING_ADAPTERS
    settings.DEBUG = False
    assert configured_adapters() == []


@pytest.mark.django_db
def test_the_periodic_poll_runs_through_the_configured_adapters(shipments, settings, time_machine):
    time_machine.move_to(NOW, tick=False)
    settings.TRACKING_ADAPTERS = ["aftersales.tracking.adapters.SimulatedCarrierAdapter"]

    totals = tasks.poll_tracking.call()

    assert totals["events_new"] > 0
    assert set(
        ShipmentTracking.objects.exclude(last_polled_at=None).values_list("shipment_id", flat=True)
    ) == {shipments["due"].pk, shipments["other_carrier"].pk}


@pytest.mark.django_db
def test_the_periodic_sweep(shipments, time_machine):
    time_machine.move_to(NOW + dt.timedelta(days=3), tick=False)

    totals = tasks.sweep_tracking.call()

    # Never heard of, shipped days ago: silent (not the signed one, not the unshipped one).
    assert totals == {"silent": 0, "never_heard": 2}
    assert set(ShipmentTracking.objects.values_list("status", flat=True)) == {"no_update"}


@pytest.mark.django_db
def test_the_demo_loader(shop, agent):
    from aftersales.tracking import demo

    yto = CarrierFactory(code="yto", name="圆通速递")
    order = OrderFactory(shop=shop)
    for n in range(60):
        ShipmentFactory(
            order=order,
            carrier=yto,
            waybill_no=f"DEMO{n:08d}",
            shipped_at=NOW - dt.timedelta(days=1 + n % 9),
            **(
                {"sign_precision": "exact", "signed_at": NOW - dt.timedelta(hours=n % 9 * 12)}
                if n % 3 == 0 and n % 9 > 2
                else {}
            ),
        )
    before = list(Shipment.objects.order_by("id").values())

    summary = demo.load(now=NOW)

    assert summary.startswith("物流轨迹：60 个包裹")
    statuses = Counter(ShipmentTracking.objects.values_list("status", flat=True))
    assert statuses["signed"] > 0
    assert sum(statuses[s] for s in PROBLEM_STATUSES) >= 3
    assert statuses["no_update"] >= 1
    assert TrackingEvent.objects.count() > 100
    # The demo's sign-ins are as they were.
    assert list(Shipment.objects.order_by("id").values()) == before
    assert ShipmentTracking.objects.filter(last_polled_at=NOW).count() == 60
