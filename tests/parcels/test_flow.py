"""What the agent agrees with the buyer, end to end: a new address or a pick-up waits for the
sign-in; a reship by another carrier takes stock and sends a parcel through §1's reship; a
cancellation refunds through the ledger, whose settlement completes the case."""

import datetime as dt
from decimal import Decimal

import pytest

from aftersales.cases.models import Case
from aftersales.cases.registry import registry
from aftersales.cases.selectors import actions_now
from aftersales.core.errors import DomainError, PermissionDeniedError, TransitionNotAllowed
from aftersales.messaging.models import BuyerMessage
from aftersales.orders.models import Product, Shipment
from aftersales.orders.services import shipment_sign_in_record
from aftersales.parcels.models import ParcelProblem
from aftersales.returns.models import FreightCharge, Refund, ReshipLine
from aftersales.returns.services import refund_settle
from tests.factories import ProductFactory
from tests.parcels.helpers import (
    NOW,
    SHANGHAI,
    act,
    other_carrier,
    parcel_order,
    problem_case,
    tracking_says,
)

pytestmark = pytest.mark.django_db
LATER = NOW + dt.timedelta(hours=3)


@pytest.fixture
def reported(shop):
    _order, lines, shipment = parcel_order(shop)
    tracking_says(shipment)
    return problem_case(shipment)


def _fresh(case):
    return Case.objects.get(pk=case.pk)


def test_contact_then_new_address_waits_for_the_sign_in(reported, agent):
    act(reported, "record_contact", agent, channel="phone", summary="买家同意改寄到县城")
    case = _fresh(reported)
    assert case.status == "negotiating"
    assert case.due_rule == "negotiate_1_workday"
    act(case, "agree_new_address", agent, now=LATER, address="西藏阿里地区噶尔县狮泉河镇 8 号")
    case = _fresh(case)
    problem = case.parcel_problem
    assert case.status == "redelivering"
    assert problem.outcome == "new_address"
    assert problem.new_address == "西藏阿里地区噶尔县狮泉河镇 8 号"
    assert problem.agreed_by == agent
    # Thursday: the end of the third working day after it is Tuesday 24:00.
    assert case.due_rule == "delivery_3_workdays"
    assert case.due_at == dt.datetime(2026, 11, 18, 0, 0, tzinfo=SHANGHAI)
    # Not signed yet: the page does not offer to confirm, and the service refuses it.
    assert "confirm_delivered" not in actions_now(case=case, user=agent)
    with pytest.raises(DomainError) as exc:
        act(case, "confirm_delivered", agent)
    assert exc.value.code == "not_signed"
    shipment_sign_in_record(
        shipment_id=problem.shipment_id,
        actor=agent,
        now=LATER + dt.timedelta(days=2),
        precision="exact",
        at=LATER + dt.timedelta(days=2),
    )
    assert "confirm_delivered" in actions_now(case=case, user=agent)
    act(case, "confirm_delivered", agent, now=LATER + dt.timedelta(days=2))
    case = _fresh(case)
    assert case.status == "resolved"
    assert not case.is_open
    assert not ParcelProblem.objects.get(case=case).is_open


def test_pick_up_at_a_station(reported, agent):
    act(reported, "agree_pickup", agent, station="中通改则县营业部")
    case = _fresh(reported)
    assert case.status == "awaiting_pickup"
    assert case.parcel_problem.station == "中通改则县营业部"
    # On its way to the buyer: at no stage of the inbox until it is signed for.
    assert registry.stage_of(case.kind, case.status) is None


def test_reship_by_another_carrier_takes_stock_and_sends_a_parcel(shop, reported, agent):
    ProductFactory(shop=shop, sku_code="WZ-10", stock=20)
    line = reported.lines.get().order_line
    line.sku_code = "WZ-10"
    line.save()
    sf = other_carrier()
    act(
        reported,
        "reship_other_carrier",
        agent,
        carrier="sf",
        waybill_no="SF1234567890",
        freight="12.00",
    )
    case = _fresh(reported)
    problem = case.parcel_problem
    reship = problem.reship_shipment
    assert case.status == "parcel_reshipped"
    assert problem.outcome == "reship"
    assert (reship.direction, reship.carrier, reship.waybill_no) == ("reship", sf, "SF1234567890")
    # On the case and on the order.
    assert reship.case_id == case.pk
    assert case.order.shipments.filter(direction="reship").get() == reship
    assert list(ReshipLine.objects.filter(case=case).values_list("quantity", flat=True)) == [
        line.quantity
    ]
    assert Product.objects.get(sku_code="WZ-10").stock == 20 - line.quantity
    charge = FreightCharge.objects.get(case=case, leg="reship")
    assert (charge.bearer, charge.amount) == ("seller", Decimal("12.00"))
    event = case.events.get(action="reship_other_carrier")
    assert event.after["waybill_no"] == "SF1234567890"
    # The reship is what the case waits for now: signed, the case is resolved.
    shipment_sign_in_record(
        shipment_id=reship.pk, actor=agent, now=LATER, precision="date", on=LATER.date()
    )
    act(case, "confirm_delivered", agent, now=LATER)
    assert _fresh(case).status == "resolved"


def test_a_reship_needs_another_carrier(reported, agent):
    with pytest.raises(DomainError) as exc:
        act(reported, "reship_other_carrier", agent, carrier="yto", waybill_no="YT1")
    assert (exc.value.code, exc.value.field) == ("same_carrier", "carrier")
    assert not Shipment.objects.filter(direction="reship").exists()


def test_a_reship_without_stock_is_refused_and_takes_nothing(shop, reported, agent):
    ProductFactory(shop=shop, sku_code="WZ-10", stock=1)
    line = reported.lines.get().order_line
    line.sku_code = "WZ-10"
    line.save()
    other_carrier()
    case = _fresh(reported)
    assert "reship_other_carrier" not in actions_now(case=case, user=agent)
    with pytest.raises(DomainError) as exc:
        act(case, "reship_other_carrier", agent, carrier="sf", waybill_no="SF1")
    assert exc.value.code == "no_stock"
    assert "WZ-10" in str(exc.value.message)
    assert Product.objects.get(sku_code="WZ-10").stock == 1
    assert not ReshipLine.objects.exists()
    assert _fresh(case).status == "reported"


def test_cancel_and_refund_runs_through_the_ledger_and_completes(reported, agent, supervisor):
    order = reported.order
    act(reported, "cancel_and_refund", agent, reason="买家不愿等待，取消订单")
    case = _fresh(reported)
    refunds = list(Refund.objects.filter(case=case).order_by("freight_amount"))
    assert case.status == "refunding"
    assert [(r.amount, r.freight_amount) for r in refunds] == [
        (Decimal("99.00"), Decimal("0.00")),
        (Decimal("0.00"), Decimal("8.00")),
    ]
    assert all(r.order_line.order_id == order.pk for r in refunds)
    assert case.parcel_problem.refund_amount == Decimal("107.00")
    assert BuyerMessage.objects.get(case=case).template_code == "refund"
    # The ledger's settlement moves the case on, as it does for §1.
    for refund in refunds:
        refund_settle(refund_id=refund.pk, succeeded=True, actor=supervisor, now=LATER)
    case = _fresh(case)
    assert case.status == "completed"
    assert not case.is_open


def test_a_failed_refund_comes_back_and_is_retried(reported, agent, supervisor):
    act(reported, "cancel_and_refund", agent, reason="取消", refund_freight=False)
    refund = Refund.objects.get(case=reported)
    refund_settle(
        refund_id=refund.pk, succeeded=False, actor=supervisor, now=LATER, failure_reason="账户"
    )
    case = _fresh(reported)
    assert case.status == "refund_failed"
    assert case.status_alert
    act(case, "retry_refund", agent, now=LATER)
    case = _fresh(case)
    assert case.status == "refunding"
    assert case.refunds.filter(status="pending").count() == 1


def test_a_refund_above_what_was_paid_is_refused_by_the_ledger_rules(reported, agent):
    with pytest.raises(DomainError) as exc:
        act(reported, "cancel_and_refund", agent, reason="取消", amount="500.00")
    assert exc.value.code == "refund_exceeds_case"
    assert not Refund.objects.exists()


def test_a_partial_refund_amount(reported, agent):
    act(reported, "cancel_and_refund", agent, reason="部分退款", amount="50.00")
    goods = Refund.objects.get(case=reported, freight_amount=0)
    assert goods.amount == Decimal("50.00")


def test_cancelling_after_a_new_address_failed(reported, agent):
    act(reported, "agree_new_address", agent, address="新地址 1 号")
    act(_fresh(reported), "cancel_and_refund", agent, reason="改址后仍无法派送")
    case = _fresh(reported)
    assert case.status == "refunding"
    # The last outcome is what the problem says; the earlier one is on the timeline.
    assert case.parcel_problem.outcome == "refund"
    assert case.events.filter(action="agree_new_address").exists()


def test_closing_a_problem_that_solved_itself(reported, agent):
    act(reported, "close_problem", agent, reason="快递已恢复派送")
    case = _fresh(reported)
    assert case.status == "problem_closed"
    assert case.parcel_problem.outcome == "closed"
    assert case.parcel_problem.close_reason == "快递已恢复派送"


def test_the_warehouse_may_reship_but_not_decide_a_refund(reported, warehouse):
    other_carrier()
    with pytest.raises(PermissionDeniedError):
        act(reported, "cancel_and_refund", warehouse, reason="取消")
    act(reported, "reship_other_carrier", warehouse, carrier="sf", waybill_no="SF77")
    assert _fresh(reported).status == "parcel_reshipped"


def test_an_outcome_is_agreed_once(reported, agent):
    act(reported, "agree_pickup", agent, station="网点")
    with pytest.raises(TransitionNotAllowed):
        act(_fresh(reported), "agree_new_address", agent, address="x")


def test_another_shop_cannot_act(reported, outsider):
    with pytest.raises(DomainError) as exc:
        act(reported, "close_problem", outsider, reason="x")
    assert exc.value.status == 404


# --- the sweep -----------------------------------------------------------------------------


def test_the_sweep_resolves_what_was_signed_for_and_nothing_else(shop, agent, supervisor):
    from aftersales.parcels.services.sweep import problems_mirror_sync, problems_resolve_delivered

    cases = []
    for _ in range(3):
        _order, _lines, shipment = parcel_order(shop)
        tracking_says(shipment)
        cases.append(problem_case(shipment))
    signed, unsigned, refunded = cases
    act(signed, "agree_new_address", agent, address="新地址")
    act(unsigned, "agree_pickup", agent, station="网点")
    shipment_sign_in_record(
        shipment_id=signed.parcel_problem.shipment_id,
        actor=agent,
        now=LATER,
        precision="exact",
        at=LATER,
    )
    act(refunded, "cancel_and_refund", agent, reason="取消", refund_freight=False)
    refund_settle(
        refund_id=Refund.objects.get(case=refunded).pk, succeeded=True, actor=supervisor, now=LATER
    )
    # The ledger completed the case outside an action: its mirror is put right by the sweep.
    assert ParcelProblem.objects.get(case=refunded).is_open
    assert problems_mirror_sync() == 1
    assert not ParcelProblem.objects.get(case=refunded).is_open
    assert problems_resolve_delivered(now=LATER) == 1
    assert problems_resolve_delivered(now=LATER) == 0
    assert _fresh(signed).status == "resolved"
    event = _fresh(signed).events.get(action="confirm_delivered")
    assert event.actor is None
    assert event.after["auto"] is True
    assert _fresh(unsigned).status == "awaiting_pickup"
    assert not ParcelProblem.objects.filter(is_open=True).exclude(case=unsigned).exists()
