"""apply_events: idempotent, never backwards, sign-ins through orders, problems heard once."""

from __future__ import annotations

import datetime as dt

import pytest

from aftersales.core.errors import DomainError
from aftersales.orders.models import Shipment, ShipmentSignInChange
from aftersales.orders.services import shipment_sign_in_record
from aftersales.returns.services import return_case_open
from aftersales.tracking import hooks
from aftersales.tracking.models import ShipmentTracking, TrackingEvent
from aftersales.tracking.policies import NormalisedEvent
from aftersales.tracking.services import (
    apply_events,
    mark_no_update,
    sign_in_conflict,
    sweep_never_heard,
    sweep_silent,
)
from tests.factories import OrderFactory, OrderLineFactory, ShipmentFactory
from tests.tracking.conftest import SHANGHAI

T0 = dt.datetime(2026, 11, 13, 12, 0, tzinfo=SHANGHAI)
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=SHANGHAI)


def _at(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def ev(shipment, hours: float, status: str, context: str = "", code: str = "") -> NormalisedEvent:
    return NormalisedEvent(
        shipment_id=shipment.pk,
        occurred_at=_at(hours),
        status=status,
        raw_state=code,
        context=context or f"{status} @ {hours}",
    )


@pytest.fixture
def shipment(shop):
    order = OrderFactory(shop=shop)
    return ShipmentFactory(order=order, shipped_at=T0 - dt.timedelta(hours=2))


@pytest.fixture
def heard():
    calls: list[tuple[list[hooks.ProblemSeen], dt.datetime]] = []

    def handler(problems, now):
        calls.append((problems, now))

    hooks.register_problem_handler(handler)
    yield calls
    hooks.unregister_problem_handler(handler)


def _snapshot():
    return {
        "tracking": list(ShipmentTracking.objects.order_by("id").values()),
        "events": list(TrackingEvent.objects.order_by("id").values()),
        "shipments": list(Shipment.objects.order_by("id").values()),
        "changes": list(ShipmentSignInChange.objects.order_by("id").values()),
    }


@pytest.mark.django_db
def test_events_move_a_shipment_to_the_newest(shipment):
    result = apply_events(
        [
            ev(shipment, 0, "collected"),
            ev(shipment, 5, "in_transit"),
            ev(shipment, 20, "out_for_delivery"),
        ],
        now=NOW,
    )

    tracking = ShipmentTracking.objects.get(shipment=shipment)
    assert (tracking.status, tracking.status_at, tracking.last_event_at) == (
        "out_for_delivery",
        _at(20),
        _at(20),
    )
    assert tracking.status_event_id == TrackingEvent.objects.get(occurred_at=_at(20)).pk
    assert (result.events_seen, result.events_new, result.shipments_moved) == (3, 3, 1)


@pytest.mark.django_db
def test_the_same_events_twice_change_nothing_and_call_nothing(shipment, heard):
    events = [ev(shipment, 0, "collected"), ev(shipment, 30, "out_of_area", code="207")]
    apply_events(events, now=NOW)
    assert len(heard) == 1
    before = _snapshot()

    result = apply_events(list(reversed(events)), now=NOW + dt.timedelta(hours=1))

    assert _snapshot() == before
    assert (result.events_new, result.shipments_moved, result.problems) == (0, 0, [])
    assert len(heard) == 1


@pytest.mark.django_db
def test_duplicates_within_one_call_are_one_row(shipment):
    result = apply_events([ev(shipment, 1, "in_transit"), ev(shipment, 1, "in_transit")], now=NOW)

    assert (result.events_seen, result.events_new) == (2, 1)
    assert TrackingEvent.objects.count() == 1


@pytest.mark.django_db
def test_a_late_older_event_is_kept_but_never_moves_back(shipment):
    apply_events([ev(shipment, 20, "out_for_delivery")], now=NOW)

    result = apply_events([ev(shipment, 5, "in_transit")], now=NOW)

    tracking = ShipmentTracking.objects.get(shipment=shipment)
    assert (tracking.status, tracking.status_at, tracking.last_event_at) == (
        "out_for_delivery",
        _at(20),
        _at(20),
    )
    assert (result.events_new, result.shipments_moved) == (1, 0)
    assert TrackingEvent.objects.count() == 2


@pytest.mark.django_db
def test_an_event_at_the_same_instant_does_not_move_it(shipment):
    apply_events([ev(shipment, 20, "out_for_delivery", context="a")], now=NOW)

    apply_events([ev(shipment, 20, "in_transit", context="b")], now=NOW)

    assert ShipmentTracking.objects.get(shipment=shipment).status == "out_for_delivery"


@pytest.mark.django_db
def test_ties_in_one_batch_go_to_the_one_further_along(shipment):
    apply_events(
        [
            ev(shipment, 20, "signed", context="a"),
            ev(shipment, 20, "out_for_delivery", context="b"),
        ],
        now=NOW,
    )

    assert ShipmentTracking.objects.get(shipment=shipment).status == "signed"


@pytest.mark.django_db
def test_signed_is_final_unless_refused_or_returning(shipment):
    apply_events([ev(shipment, 30, "signed")], now=NOW)

    apply_events([ev(shipment, 40, "in_transit"), ev(shipment, 41, "stranded")], now=NOW)
    tracking = ShipmentTracking.objects.get(shipment=shipment)
    assert (tracking.status, tracking.status_at, tracking.last_event_at) == (
        "signed",
        _at(30),
        _at(41),
    )

    apply_events([ev(shipment, 45, "returning"), ev(shipment, 50, "in_transit")], now=NOW)
    tracking.refresh_from_db()
    assert (tracking.status, tracking.status_at, tracking.last_event_at) == (
        "returning",
        _at(45),
        _at(50),
    )


@pytest.mark.django_db
def test_problems_are_heard_once_when_they_begin(shipment, shop, heard):
    other = ShipmentFactory(order=OrderFactory(shop=shop), shipped_at=T0)
    apply_events([ev(shipment, 1, "in_transit"), ev(other, 1, "in_transit")], now=NOW)
    assert heard == []

    apply_events(
        [ev(shipment, 10, "stranded", code="208"), ev(other, 10, "out_for_delivery")], now=NOW
    )

    assert len(heard) == 1
    problems, now = heard[0]
    event = TrackingEvent.objects.get(shipment=shipment, status="stranded")
    assert problems == [
        hooks.ProblemSeen(
            shipment_id=shipment.pk, status="stranded", occurred_at=_at(10), event_id=event.pk
        )
    ]
    assert now == NOW
    # Still stranded, a newer line: the status did not change, nobody hears of it again.
    apply_events([ev(shipment, 12, "stranded", context="still")], now=NOW)
    assert len(heard) == 1
    # Another kind of problem is news.
    apply_events([ev(shipment, 20, "returning")], now=NOW)
    assert [p.status for p in heard[1][0]] == ["returning"]


@pytest.mark.django_db
def test_a_handler_that_fails_rolls_the_batch_back(shipment):
    def broken(problems, now):
        raise RuntimeError("parcels is down")

    hooks.register_problem_handler(broken)
    try:
        with pytest.raises(RuntimeError):
            apply_events([ev(shipment, 10, "out_of_area")], now=NOW)
    finally:
        hooks.unregister_problem_handler(broken)

    assert TrackingEvent.objects.count() == 0
    assert not ShipmentTracking.objects.filter(status="out_of_area").exists()


@pytest.mark.django_db
def test_many_shipments_in_several_batches(shop, monkeypatch):
    from aftersales.tracking import services

    monkeypatch.setattr(services, "BATCH_SHIPMENTS", 3)
    shipments = [ShipmentFactory(order=OrderFactory(shop=shop), shipped_at=T0) for _ in range(7)]
    events = [ev(s, h, st) for s in shipments for h, st in ((1, "collected"), (9, "in_transit"))]

    result = apply_events(events, now=NOW)

    assert (result.events_new, result.shipments_moved) == (14, 7)
    assert set(ShipmentTracking.objects.values_list("status", flat=True)) == {"in_transit"}


# --- sign-in -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_signed_event_records_the_sign_in_as_the_system(shipment, system_sign_in):
    result = apply_events(
        [ev(shipment, 20, "out_for_delivery"), ev(shipment, 25, "signed")], now=NOW
    )

    shipment.refresh_from_db()
    assert (shipment.sign_precision, shipment.signed_at, shipment.signed_on) == (
        "exact",
        _at(25),
        None,
    )
    assert (shipment.sign_source, shipment.sign_recorded_by, shipment.sign_recorded_at) == (
        "tracking",
        None,
        NOW,
    )
    change = ShipmentSignInChange.objects.get(shipment=shipment)
    assert (change.actor, change.before["precision"], change.after["precision"]) == (
        None,
        "none",
        "exact",
    )
    assert result.signed == [shipment.pk]


@pytest.mark.django_db
def test_the_seven_day_window_counts_from_the_tracked_sign_in(shop, agent, system_sign_in):
    order = OrderFactory(shop=shop)
    line = OrderLineFactory(order=order, line_no=1)
    shipment = ShipmentFactory(order=order, shipped_at=T0 - dt.timedelta(hours=2))
    signed = _at(25)
    apply_events([ev(shipment, 25, "signed")], now=NOW)

    # 168 hours after the sign-in the window is closed; a second before, it is open.
    with pytest.raises(DomainError) as refused:
        return_case_open(
            order=order,
            kind="return_refund",
            lines=[(line, 1)],
            reason="no_reason",
            actor=agent,
            now=signed + dt.timedelta(hours=168),
        )
    assert refused.value.code == "window_closed"
    case = return_case_open(
        order=order,
        kind="return_refund",
        lines=[(line, 1)],
        reason="no_reason",
        actor=agent,
        now=signed + dt.timedelta(hours=168) - dt.timedelta(seconds=1),
    )
    assert case.pk


@pytest.mark.django_db
def test_before_the_tracked_sign_in_a_no_reason_return_is_refused(shop, agent):
    order = OrderFactory(shop=shop)
    line = OrderLineFactory(order=order, line_no=1)
    shipment = ShipmentFactory(order=order, shipped_at=T0 - dt.timedelta(hours=2))
    apply_events([ev(shipment, 20, "out_for_delivery")], now=NOW)

    with pytest.raises(DomainError) as refused:
        return_case_open(
            order=order,
            kind="return_refund",
            lines=[(line, 1)],
            reason="no_reason",
            actor=agent,
            now=NOW,
        )
    assert refused.value.code == "not_signed"


@pytest.mark.django_db
def test_a_persons_sign_in_wins_and_the_conflict_is_shown(shipment, agent):
    by_hand = _at(24)
    shipment_sign_in_record(
        shipment_id=shipment.pk,
        actor=agent,
        now=NOW,
        precision="exact",
        at=by_hand,
        source="person",
    )
    changes = ShipmentSignInChange.objects.count()

    result = apply_events([ev(shipment, 25, "signed")], now=NOW)

    shipment.refresh_from_db()
    assert (shipment.signed_at, shipment.sign_source, shipment.sign_recorded_by) == (
        by_hand,
        "person",
        agent,
    )
    assert ShipmentSignInChange.objects.count() == changes
    tracking = ShipmentTracking.objects.get(shipment=shipment)
    assert (tracking.status, tracking.carrier_signed_at) == ("signed", _at(25))
    assert result.sign_in_kept == [shipment.pk]
    assert sign_in_conflict(shipment=shipment, tracking=tracking) is True


@pytest.mark.django_db
def test_a_persons_sign_in_that_agrees_is_no_conflict(shipment, agent):
    shipment_sign_in_record(
        shipment_id=shipment.pk,
        actor=agent,
        now=NOW,
        precision="date",
        on=_at(25).astimezone(SHANGHAI).date(),
        source="person",
    )
    apply_events([ev(shipment, 25, "signed")], now=NOW)

    shipment.refresh_from_db()
    tracking = ShipmentTracking.objects.get(shipment=shipment)
    assert shipment.sign_precision == "date"
    assert sign_in_conflict(shipment=shipment, tracking=tracking) is False


@pytest.mark.django_db
def test_a_sign_in_the_orders_service_refuses_is_logged_not_raised(shop, system_sign_in):
    # Shipped after the carrier says it was signed: the service refuses, the event stays.
    shipment = ShipmentFactory(order=OrderFactory(shop=shop), shipped_at=_at(30))

    result = apply_events([ev(shipment, 25, "signed")], now=NOW)

    shipment.refresh_from_db()
    assert shipment.sign_precision == "none"
    assert result.sign_in_refused == [shipment.pk]
    assert ShipmentTracking.objects.get(shipment=shipment).status == "signed"


@pytest.mark.django_db
def test_a_return_parcel_is_not_signed_for_by_the_buyer(shop):
    shipment = ShipmentFactory(order=OrderFactory(shop=shop), direction="return", shipped_at=T0)

    result = apply_events([ev(shipment, 25, "signed")], now=NOW)

    shipment.refresh_from_db()
    assert shipment.sign_precision == "none"
    assert (result.signed, result.sign_in_refused) == ([], [])


# --- silence -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_sweep_marks_a_silent_parcel_and_a_new_event_moves_it_again(shipment):
    apply_events([ev(shipment, 0, "collected"), ev(shipment, 10, "in_transit")], now=NOW)

    assert sweep_silent(now=_at(10 + 47), hours=48) == 0
    assert sweep_silent(now=_at(10 + 49), hours=48) == 1
    assert sweep_silent(now=_at(10 + 50), hours=48) == 0  # twice: nothing more
    tracking = ShipmentTracking.objects.get(shipment=shipment)
    assert (tracking.status, tracking.status_at) == ("no_update", _at(10))

    # A line that happened before the sweep but arrived after it still counts.
    apply_events([ev(shipment, 30, "in_transit")], now=_at(60))
    tracking.refresh_from_db()
    assert (tracking.status, tracking.status_at) == ("in_transit", _at(30))


@pytest.mark.django_db
def test_the_sweep_leaves_signed_and_problem_parcels(shipment, shop):
    stuck = ShipmentFactory(order=OrderFactory(shop=shop), shipped_at=T0)
    apply_events([ev(shipment, 10, "signed"), ev(stuck, 10, "stranded")], now=NOW)

    assert sweep_silent(now=_at(200), hours=48) == 0


@pytest.mark.django_db
def test_a_parcel_never_heard_of_is_no_update(shipment, shop):
    heard_of = ShipmentFactory(order=OrderFactory(shop=shop), shipped_at=T0)
    apply_events([ev(heard_of, 1, "collected")], now=NOW)

    # Shipped two hours before T0.
    assert sweep_never_heard(now=T0 + dt.timedelta(hours=45), hours=48) == 0
    assert sweep_never_heard(now=T0 + dt.timedelta(hours=47), hours=48) == 1
    assert sweep_never_heard(now=T0 + dt.timedelta(hours=50), hours=48) == 0
    assert ShipmentTracking.objects.get(shipment=shipment).status == "no_update"
    assert ShipmentTracking.objects.get(shipment=heard_of).status == "collected"


@pytest.mark.django_db
def test_mark_no_update_leaves_a_signed_parcel(shipment):
    apply_events([ev(shipment, 10, "signed")], now=NOW)

    assert mark_no_update(shipment_ids=[shipment.pk], now=NOW) == 0
    assert ShipmentTracking.objects.get(shipment=shipment).status == "signed"
