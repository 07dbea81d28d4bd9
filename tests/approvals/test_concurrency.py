"""Two supervisors deciding one approval at once, two agents asking for one case at once:
exactly one wins. PostgreSQL only: row locks are a no-op on SQLite, and its in-memory test
database refuses a second writer outright instead of queueing it (see
tests/returns/test_concurrency.py)."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from aftersales.accounts.models import Role
from aftersales.approvals.models import Approval, ApprovalStatus
from aftersales.approvals.services import approval_decide, approval_request
from aftersales.cases.models import CaseEvent
from aftersales.core.errors import DomainError
from tests.approvals.factories import LATER, NOW
from tests.concurrency import run_together
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL row locks; set DATABASE_URL=postgres://… to run it",
    ),
]


@pytest.fixture(autouse=True)
def _role_groups(transactional_db):
    # The flush after a transactional test empties the role groups the migration made.
    for role in Role.values:
        Group.objects.get_or_create(name=role)


def test_two_supervisors_deciding_at_once_one_wins_and_the_area_hears_once(approval, shop, area):
    bosses = [
        UserFactory(username=f"boss{i}", roles=["supervisor"], shops=[shop]) for i in range(2)
    ]

    results = run_together(
        2,
        lambda i: approval_decide(
            approval_id=approval.pk, actor=bosses[i], approve=i == 0, comment="并发", now=LATER
        ),
    )

    errors = [value for outcome, value in results if outcome == "error"]
    assert len(errors) == 1
    assert isinstance(errors[0], DomainError)
    assert errors[0].code == "approval_decided"
    approval.refresh_from_db()
    assert approval.status in (ApprovalStatus.APPROVED, ApprovalStatus.REJECTED)
    assert len(area.calls) == 1
    decided = CaseEvent.objects.filter(
        case=approval.case, action__in=["approval_approved", "approval_rejected"]
    )
    assert decided.count() == 1


def test_two_requests_at_once_leave_one_pending_approval(case, shop, rule):
    agents = [UserFactory(username=f"agent{i}", roles=["agent"], shops=[shop]) for i in range(2)]

    results = run_together(
        2,
        lambda i: approval_request(
            case=case,
            kind="compensation",
            amount=Decimal("80"),
            summary=f"现金补偿 {i}",
            actor=agents[i],
            now=NOW,
            rule=rule,
        ),
    )

    errors = [value for outcome, value in results if outcome == "error"]
    assert [e.code for e in errors] == ["approval_pending"]
    assert Approval.objects.filter(case=case, status=ApprovalStatus.PENDING).count() == 1
    assert CaseEvent.objects.filter(case=case, action="approval_requested").count() == 1
