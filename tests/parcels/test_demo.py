"""The demo's problem parcels: after the demo's orders and tracking (whose problem events open
the cases by themselves), the loader takes them to different steps through the services."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from aftersales.cases.models import Case
from aftersales.parcels import demo
from aftersales.parcels.models import ParcelProblem
from aftersales.tracking import demo as tracking_demo

pytestmark = pytest.mark.django_db


def test_the_demo_shows_problem_parcels_at_different_steps():
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    now = timezone.now()
    tracking_demo.load(now=now)
    opened_by_tracking = ParcelProblem.objects.filter(source="tracking").count()
    assert opened_by_tracking >= 1
    summary = demo.load(now=now)
    assert summary.startswith("快递问题件："), summary
    statuses = set(Case.objects.filter(kind="problem_parcel").values_list("status", flat=True))
    assert {"reported", "negotiating", "redelivering", "awaiting_pickup"} <= statuses
    assert statuses & {"parcel_reshipped", "refunding"}
    # Every step went through the services: each case's timeline says how it got there.
    for case in Case.objects.filter(kind="problem_parcel").exclude(status="reported"):
        assert case.events.filter(to_status=case.status).exists()
        assert case.parcel_problem.agreed_at is not None or case.status == "negotiating"
