"""Who sees which approvals: their shops' approvals, and a queue of what they may decide."""

import datetime as dt

from django.test import RequestFactory

from aftersales.accounts.models import User
from aftersales.approvals.context_processors import approval_count
from aftersales.approvals.models import ApprovalStatus
from aftersales.approvals.selectors import (
    approval_queue,
    approval_queue_count,
    approvals_for,
    approvals_requested_by,
)
from tests.approvals.factories import NOW, ApprovalFactory, CaseFactory
from tests.factories import UserFactory


def test_everyone_of_the_shop_sees_its_approvals_and_the_outsider_none(
    approval, agent, supervisor, outsider
):
    assert list(approvals_for(agent)) == [approval]
    assert list(approvals_for(supervisor)) == [approval]
    assert list(approvals_for(outsider)) == []


def test_the_queue_holds_what_the_supervisor_may_decide_due_first(shop, supervisor, agent):
    later = ApprovalFactory(
        case=CaseFactory(shop=shop), requested_by=agent, due_at=NOW + dt.timedelta(hours=20)
    )
    sooner = ApprovalFactory(
        case=CaseFactory(shop=shop), requested_by=agent, due_at=NOW + dt.timedelta(hours=2)
    )
    ApprovalFactory(
        case=CaseFactory(shop=shop),
        requested_by=agent,
        status=ApprovalStatus.APPROVED,
        decided_by=supervisor,
        decided_at=NOW,
    )

    assert list(approval_queue(supervisor)) == [sooner, later]
    assert approval_queue_count(supervisor) == 2


def test_the_queue_leaves_out_the_supervisors_own_requests(shop, supervisor, supervisor2):
    theirs = ApprovalFactory(case=CaseFactory(shop=shop), requested_by=supervisor)

    assert list(approval_queue(supervisor)) == []
    assert list(approval_queue(supervisor2)) == [theirs]
    assert list(approvals_requested_by(supervisor)) == [theirs]


def test_the_queue_leaves_out_what_needs_a_role_the_user_lacks(shop, agent, supervisor):
    ApprovalFactory(case=CaseFactory(shop=shop), requested_by=agent, approver_role="administrator")

    assert approval_queue_count(supervisor) == 0


def test_agents_and_outsiders_have_empty_queues(approval, agent2, warehouse, outsider):
    assert approval_queue_count(agent2) == 0
    assert approval_queue_count(warehouse) == 0
    assert approval_queue_count(outsider) == 0


def test_an_administrator_without_the_decide_permission_has_an_empty_queue(shop, agent):
    ApprovalFactory(case=CaseFactory(shop=shop), requested_by=agent, approver_role="administrator")
    admin = UserFactory(username="admin", roles=["administrator"], shops=[shop])

    assert approval_queue_count(admin) == 0


def test_an_inactive_supervisor_has_an_empty_queue(approval, supervisor):
    supervisor.is_active = False

    assert approval_queue_count(supervisor) == 0


def test_the_count_is_one_query_for_a_user_fresh_from_the_session(
    approval, supervisor, django_assert_num_queries
):
    fresh = User.objects.get(pk=supervisor.pk)  # nothing cached: no shops, no roles

    with django_assert_num_queries(1):
        assert approval_queue_count(fresh) == 1


def test_the_menus_count_is_one_query_and_nothing_for_anonymous(
    approval, supervisor, django_assert_num_queries
):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = User.objects.get(pk=supervisor.pk)
    with django_assert_num_queries(1):
        assert approval_count(request) == {"approval_queue_count": 1}

    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert approval_count(request) == {}


def test_the_count_follows_the_decision(approval, supervisor, area):
    from aftersales.approvals.services import approval_decide

    approval_decide(approval_id=approval.pk, actor=supervisor, approve=True, comment="", now=NOW)

    assert approval_queue_count(supervisor) == 0
