"""The database itself refuses what the services refuse first: rows written directly, past
every service, on SQLite and on PostgreSQL alike."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from aftersales.approvals.models import Approval, ApprovalRule, ApprovalStatus
from tests.approvals.factories import LATER, ApprovalFactory, ApprovalRuleFactory


def refused(**fields):
    """Write an approval row directly and expect the database to refuse it."""
    with pytest.raises(IntegrityError), transaction.atomic():
        ApprovalFactory(**fields)


def test_the_requester_can_never_be_the_decider(case, supervisor):
    refused(
        case=case,
        requested_by=supervisor,
        status=ApprovalStatus.APPROVED,
        decided_by=supervisor,
        decided_at=LATER,
    )

    assert Approval.objects.count() == 0


def test_deciding_someone_elses_request_is_accepted(case, agent, supervisor):
    ApprovalFactory(
        case=case,
        requested_by=agent,
        status=ApprovalStatus.APPROVED,
        decided_by=supervisor,
        decided_at=LATER,
    )

    assert Approval.objects.count() == 1


def test_the_requester_cannot_become_the_decider_by_an_update(case, agent, supervisor):
    approval = ApprovalFactory(
        case=case,
        requested_by=agent,
        status=ApprovalStatus.APPROVED,
        decided_by=supervisor,
        decided_at=LATER,
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        Approval.objects.filter(pk=approval.pk).update(decided_by=agent)


def test_a_rejection_needs_a_comment(case, agent, supervisor):
    refused(
        case=case,
        requested_by=agent,
        status=ApprovalStatus.REJECTED,
        decided_by=supervisor,
        decided_at=LATER,
        comment="",
    )
    ApprovalFactory(
        case=case,
        requested_by=agent,
        status=ApprovalStatus.REJECTED,
        decided_by=supervisor,
        decided_at=LATER,
        comment="金额过高",
    )

    assert list(Approval.objects.values_list("comment", flat=True)) == ["金额过高"]


@pytest.mark.parametrize(
    "decision",
    [
        {"decided_by": None, "decided_at": LATER},
        {"decided_by": "supervisor", "decided_at": None},
        {"decided_by": None, "decided_at": None},
    ],
)
def test_a_decided_row_names_who_decided_and_when(case, agent, supervisor, decision):
    decided_by = supervisor if decision["decided_by"] == "supervisor" else None
    refused(
        case=case,
        requested_by=agent,
        status=ApprovalStatus.APPROVED,
        decided_by=decided_by,
        decided_at=decision["decided_at"],
    )


def test_a_pending_row_has_no_decider(case, agent, supervisor):
    refused(case=case, requested_by=agent, decided_by=supervisor, decided_at=LATER)


def test_a_status_outside_the_three_is_refused(case, agent):
    refused(case=case, requested_by=agent, status="maybe")


def test_one_pending_approval_per_case(case, agent, supervisor):
    ApprovalFactory(case=case, requested_by=agent)

    refused(case=case, requested_by=agent)
    # A decided one beside it is fine.
    ApprovalFactory(
        case=case,
        requested_by=agent,
        status=ApprovalStatus.APPROVED,
        decided_by=supervisor,
        decided_at=LATER,
    )
    assert Approval.objects.filter(case=case).count() == 2


def test_a_rules_threshold_is_never_negative_and_its_deadline_at_least_an_hour(shop):
    with pytest.raises(IntegrityError), transaction.atomic():
        ApprovalRuleFactory(shop=shop, threshold=Decimal("-0.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        ApprovalRuleFactory(shop=shop, deadline_hours=0)

    assert ApprovalRule.objects.count() == 0
