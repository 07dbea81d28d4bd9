"""A problem parcel opens by itself from tracking (as the system, once per parcel), or by an
agent's report."""

import datetime as dt

import pytest

from aftersales.cases.models import Case, CaseEvent
from aftersales.core.errors import DomainError, PermissionDeniedError, TransitionNotAllowed
from aftersales.orders.models import Shipment
from aftersales.parcels.models import ParcelProblem
from aftersales.parcels.services import problem_case_open, problems_seen
from aftersales.tracking.hooks import ProblemSeen, problem_handlers
from tests.factories import OrderFactory, OrderLineFactory, ShipmentFactory
from tests.parcels.helpers import (
    NOW,
    SEEN_AT,
    SHANGHAI,
    act,
    parcel_order,
    problem_case,
    tracking_says,
)

pytestmark = pytest.mark.django_db


def test_the_handler_is_registered_with_tracking():
    assert problems_seen in problem_handlers()


def test_an_out_of_area_event_opens_a_case_by_itself(shop):
    order, lines, shipment = parcel_order(shop)
    result = tracking_says(shipment)
    assert [p.shipment_id for p in result.problems] == [shipment.pk]

    case = problem_case(shipment)
    problem = case.parcel_problem
    assert case.status == "reported"
    assert case.is_open
    assert case.created_by is None
    assert case.order == order
    assert problem.problem_kind == "out_of_area"
    assert problem.source == "tracking"
    assert problem.source_event_id == result.problems[0].event_id
    assert problem.occurred_at == SEEN_AT
    assert [(cl.order_line_id, cl.quantity) for cl in case.lines.all()] == [
        (lines[0].pk, lines[0].quantity)
    ]
    # Reported on a Thursday at 10:05: the buyer is contacted by Friday 10:05.
    assert case.due_rule == "contact_1_workday"
    assert case.due_at == dt.datetime(2026, 11, 13, 10, 5, tzinfo=SHANGHAI)
    reported = case.events.get(action="problem_reported")
    assert reported.actor is None
    assert reported.after["waybill_no"] == shipment.waybill_no
    assert reported.after["event"] == problem.source_event_id


def test_the_same_push_twice_opens_one_case(shop):
    _order, _lines, shipment = parcel_order(shop)
    tracking_says(shipment)
    again = tracking_says(shipment)
    assert again.problems == []
    assert Case.objects.filter(kind="problem_parcel").count() == 1


def test_the_handler_called_twice_opens_one_case_and_one_line(shop):
    _order, _lines, shipment = parcel_order(shop)
    seen = [ProblemSeen(shipment.pk, "stranded", SEEN_AT, 7001)]
    assert len(problems_seen(seen, NOW)) == 1
    assert problems_seen(seen, NOW) == []
    later = [ProblemSeen(shipment.pk, "returning", SEEN_AT + dt.timedelta(days=1), 7002)]
    assert problems_seen(later, NOW) == []
    assert problems_seen(later, NOW) == []
    case = problem_case(shipment)
    assert case.parcel_problem.problem_kind == "stranded"
    again = case.events.filter(action="problem_again")
    assert [e.after["problem_kind"] for e in again] == ["returning"]


def test_a_new_problem_after_the_case_closed_opens_a_new_case(shop, agent):
    _order, _lines, shipment = parcel_order(shop)
    problems_seen([ProblemSeen(shipment.pk, "stranded", SEEN_AT, 7001)], NOW)
    first = problem_case(shipment)
    act(first, "close_problem", agent, reason="快递已恢复派送")
    assert not ParcelProblem.objects.get(case=first).is_open
    opened = problems_seen([ProblemSeen(shipment.pk, "returning", SEEN_AT, 7002)], NOW)
    assert len(opened) == 1
    assert opened[0] != first.pk
    assert ParcelProblem.objects.filter(shipment=shipment).count() == 2


def test_a_return_parcel_is_not_a_problem_parcel(shop):
    order, _lines, _shipment = parcel_order(shop)
    back = ShipmentFactory(order=order, direction="return")
    assert problems_seen([ProblemSeen(back.pk, "stranded", SEEN_AT, 1)], NOW) == []
    assert not Case.objects.filter(kind="problem_parcel").exists()


def test_problems_of_several_parcels_at_once(shop):
    shipments = [parcel_order(shop)[2] for _ in range(3)]
    seen = [ProblemSeen(s.pk, "blind_area", SEEN_AT, 100 + i) for i, s in enumerate(shipments)]
    assert len(problems_seen(seen, NOW)) == 3


# --- by hand -------------------------------------------------------------------------------


def test_an_agent_reports_a_problem_parcel(shop, agent):
    order, _lines, shipment = parcel_order(shop)
    case = problem_case_open(
        order=order, problem_kind="stranded", actor=agent, now=NOW, note="买家说网点关门了"
    )
    problem = case.parcel_problem
    assert problem.shipment == shipment
    assert problem.source == "manual"
    assert problem.source_event_id is None
    assert problem.note == "买家说网点关门了"
    assert case.created_by == agent


def test_a_parcel_with_an_open_problem_is_refused_naming_its_case(shop, agent):
    order, _lines, shipment = parcel_order(shop)
    tracking_says(shipment)
    case = problem_case(shipment)
    with pytest.raises(TransitionNotAllowed) as exc:
        problem_case_open(order=order, problem_kind="stranded", actor=agent, now=NOW)
    assert exc.value.code == "problem_open"
    assert case.number in str(exc.value.message)


def test_who_may_report(shop, warehouse, outsider):
    order, _lines, _shipment = parcel_order(shop)
    with pytest.raises(PermissionDeniedError):
        problem_case_open(order=order, problem_kind="stranded", actor=warehouse, now=NOW)
    with pytest.raises(DomainError) as exc:
        problem_case_open(order=order, problem_kind="stranded", actor=outsider, now=NOW)
    assert exc.value.status == 404
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ("other_order", "shipment_not_in_order"),
        ("return", "shipment_to_seller"),
        ("no_carrier", "no_carrier"),
    ],
)
def test_the_parcel_reported_must_be_one_of_the_order_to_the_buyer(shop, agent, change, code):
    order, _lines, shipment = parcel_order(shop)
    if change == "other_order":
        target = parcel_order(shop)[2]
    elif change == "return":
        target = ShipmentFactory(order=order, direction="return")
    else:
        target = ShipmentFactory(order=order, carrier=None)
    with pytest.raises(DomainError) as exc:
        problem_case_open(
            order=order, problem_kind="stranded", actor=agent, now=NOW, shipment_id=target.pk
        )
    assert (exc.value.code, exc.value.field) == (code, "shipment_id")


def test_an_order_without_a_parcel_cannot_report_one(shop, agent):
    order = OrderFactory(shop=shop)
    OrderLineFactory(order=order, line_no=1)
    ShipmentFactory(order=order, direction="return")
    assert not Shipment.objects.filter(order=order, direction="outbound").exists()
    with pytest.raises(DomainError) as exc:
        problem_case_open(order=order, problem_kind="stranded", actor=agent, now=NOW)
    assert exc.value.code == "no_shipment"


def test_the_case_timeline_starts_with_the_problem(shop):
    _order, _lines, shipment = parcel_order(shop)
    tracking_says(shipment)
    case = problem_case(shipment)
    assert list(CaseEvent.objects.filter(case=case).values_list("action", flat=True)) == [
        "create",
        "problem_reported",
    ]


def test_a_refusal_already_handled_by_returns_opens_no_second_case(shop, agent):
    from aftersales.returns.services import return_case_open

    order, lines, shipment = parcel_order(shop)
    return_case_open(
        order=order,
        kind="refusal",
        lines=[(lines[0], lines[0].quantity)],
        reason="other",
        actor=agent,
        now=NOW,
        refused_at=SEEN_AT,
    )
    assert problems_seen([ProblemSeen(shipment.pk, "refused", SEEN_AT, 5)], NOW) == []
    # Out of area is not the buyer's refusal: it opens.
    assert len(problems_seen([ProblemSeen(shipment.pk, "out_of_area", SEEN_AT, 6)], NOW)) == 1
