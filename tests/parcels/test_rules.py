"""The clocks, and what the database itself refuses."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from aftersales.parcels.models import ParcelProblem
from aftersales.parcels.policies import contact_deadline, delivery_deadline
from tests.parcels.helpers import NOW, SHANGHAI, parcel_order, problem_case, tracking_says


def sh(*args):
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("reported", "due"),
    [
        # A working day: the same time the next working day.
        (sh(2026, 11, 12, 10, 0), sh(2026, 11, 13, 10, 0)),
        # Friday evening: Monday, same time.
        (sh(2026, 11, 13, 18, 30), sh(2026, 11, 16, 18, 30)),
        # Saturday: by the end of Monday.
        (sh(2026, 11, 14, 9, 30), sh(2026, 11, 17, 0, 0)),
        # The National Day holiday of 2026 (1-7 Oct, 10 Oct a make-up working day).
        (sh(2026, 10, 2, 9, 0), sh(2026, 10, 9, 0, 0)),
    ],
)
def test_contact_within_one_working_day(reported, due):
    assert contact_deadline(reported, {}) == due


def test_an_override_makes_a_rest_day_a_working_day():
    overrides = {dt.date(2026, 11, 14): True}
    assert contact_deadline(sh(2026, 11, 13, 18, 30), overrides) == sh(2026, 11, 14, 18, 30)


def test_delivery_within_three_working_days():
    assert delivery_deadline(sh(2026, 11, 13, 23, 0), {}) == sh(2026, 11, 19, 0, 0)


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError, match="aware"):
        contact_deadline(dt.datetime(2026, 11, 12, 10, 0), {})  # noqa: DTZ001


# --- constraints -------------------------------------------------------------------------


@pytest.fixture
def problem(shop):
    _order, _lines, shipment = parcel_order(shop)
    tracking_says(shipment)
    return problem_case(shipment).parcel_problem


def _refused(**changes):
    with pytest.raises(IntegrityError), transaction.atomic():
        ParcelProblem.objects.filter(pk=changes.pop("pk")).update(**changes)


@pytest.mark.django_db
def test_one_open_problem_per_shipment(problem):
    with pytest.raises(IntegrityError), transaction.atomic():
        ParcelProblem.objects.create(
            case=problem.case,
            shipment=problem.shipment,
            problem_kind="stranded",
            source="manual",
            occurred_at=NOW,
        )


@pytest.mark.django_db
def test_a_closed_problem_leaves_room_for_a_new_one(problem, shop):
    from aftersales.cases.services import case_create

    ParcelProblem.objects.filter(pk=problem.pk).update(is_open=False)
    case = case_create(
        order=problem.case.order,
        kind="problem_parcel",
        lines=[(problem.case.lines.get().order_line, 1)],
        actor=None,
        now=NOW,
    )
    ParcelProblem.objects.create(
        case=case,
        shipment=problem.shipment,
        problem_kind="stranded",
        source="manual",
        occurred_at=NOW,
    )


@pytest.mark.django_db
def test_each_outcome_carries_its_detail(problem, agent):
    pk = problem.pk
    _refused(pk=pk, outcome="new_address", agreed_at=NOW, agreed_by=agent)
    _refused(pk=pk, outcome="pickup", agreed_at=NOW, agreed_by=agent)
    _refused(pk=pk, outcome="reship", agreed_at=NOW, agreed_by=agent)
    _refused(pk=pk, outcome="refund", agreed_at=NOW, agreed_by=agent)
    _refused(pk=pk, outcome="closed", agreed_at=NOW, agreed_by=agent)
    # Agreed means someone agreed it, at a time; nothing agreed names nobody.
    _refused(pk=pk, outcome="pickup", station="网点")
    _refused(pk=pk, agreed_at=NOW)
    _refused(pk=pk, outcome="refund", refund_amount=Decimal("0.00"), agreed_at=NOW)
    ParcelProblem.objects.filter(pk=pk).update(outcome="pickup", station="网点", agreed_at=NOW)
