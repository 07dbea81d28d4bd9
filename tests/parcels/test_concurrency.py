"""Two reports of one parcel at once open one case: the partial unique constraint on the open
problem of a shipment decides, and the loser's savepoint takes its case away with it.

PostgreSQL only: the in-memory SQLite test database refuses a second writer at once instead
of queueing it (see tests/returns/test_concurrency.py)."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction

from aftersales.accounts.models import Role
from aftersales.cases.models import Case, CaseEvent
from aftersales.core.errors import TransitionNotAllowed
from aftersales.parcels.models import ParcelProblem
from aftersales.parcels.services import problem_case_open, problems_seen
from aftersales.tracking.hooks import ProblemSeen
from tests.concurrency import run_together
from tests.parcels.helpers import NOW, SEEN_AT, parcel_order

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: the in-memory SQLite test database refuses a second writer",
    ),
]


@pytest.fixture(autouse=True)
def _role_groups(transactional_db):
    for role in Role.values:
        Group.objects.get_or_create(name=role)


def test_two_tracking_reports_at_once_open_one_case(shop):
    _order, _lines, shipment = parcel_order(shop)

    def report(i):
        with transaction.atomic():
            return problems_seen([ProblemSeen(shipment.pk, "out_of_area", SEEN_AT, 900 + i)], NOW)

    results = run_together(4, report)
    assert [outcome for outcome, _value in results] == ["ok"] * 4
    opened = [ids for _outcome, ids in results if ids]
    assert len(opened) == 1
    assert ParcelProblem.objects.filter(shipment=shipment).count() == 1
    assert Case.objects.filter(kind="problem_parcel").count() == 1
    # No case of a loser left behind, and no event of one either.
    assert CaseEvent.objects.filter(action="create").count() == 1


def test_an_agent_and_tracking_at_once_open_one_case(shop, agent):
    order, _lines, shipment = parcel_order(shop)

    def report(i):
        if i == 0:
            with transaction.atomic():
                return problems_seen([ProblemSeen(shipment.pk, "stranded", SEEN_AT, 1)], NOW)
        return problem_case_open(order=order, problem_kind="stranded", actor=agent, now=NOW)

    results = run_together(2, report)
    errors = [value for outcome, value in results if outcome == "error"]
    assert all(isinstance(e, TransitionNotAllowed) for e in errors), errors
    assert ParcelProblem.objects.filter(shipment=shipment).count() == 1
    assert Case.objects.filter(kind="problem_parcel").count() == 1
