"""Personas beyond the suite's (a second supervisor, an administrator), the rule and case of
the story, a fake area that moves the case on a decision, and the site with approvals mounted."""

import copy
import datetime as dt
from decimal import Decimal

import pytest

from aftersales.approvals import registry
from aftersales.cases.services import event_append
from tests.approvals.factories import NOW, ApprovalRuleFactory, CaseFactory
from tests.factories import UserFactory

CONTEXT_PROCESSOR = "aftersales.approvals.context_processors.approval_count"


@pytest.fixture(autouse=True)
def _only_the_rules_the_test_writes(request):
    """Each test says which rules exist. A rule the migrations seed (a default for every shop)
    would otherwise fire in the tests that mean no rule to, and be listed where they list
    theirs. Tests without the database (the policies) are left alone."""
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(
        {"transactional_db", "live_server"} & names
        or (marker is not None and marker.kwargs.get("transaction"))
    )
    if not transactional and "db" not in names and marker is None:
        return
    request.getfixturevalue("transactional_db" if transactional else "db")
    from aftersales.approvals.models import ApprovalRule

    ApprovalRule.objects.all().delete()


@pytest.fixture
def supervisor2(shop):
    return UserFactory(username="supervisor2", roles=["supervisor"], shops=[shop])


@pytest.fixture
def administrator(shop):
    return UserFactory(username="administrator", roles=["administrator"], shops=[shop])


@pytest.fixture
def rule(shop):
    """The shop's compensation rule, as the migration writes it from today's threshold."""
    return ApprovalRuleFactory(shop=shop, threshold=Decimal("50.00"))


@pytest.fixture
def case(shop):
    return CaseFactory(shop=shop)


class FakeArea:
    """Stands in for the area that owns the case: records every call and, as a real handler
    does, leaves its own event on the case's timeline."""

    def __init__(self):
        self.calls = []

    def __call__(self, *, approval, approve, actor, now, comment):
        self.calls.append(
            {
                "approval": approval.pk,
                "status": approval.status,
                "case": approval.case,
                "approve": approve,
                "actor": actor,
                "now": now,
                "comment": comment,
            }
        )
        event_append(
            case=approval.case,
            actor=actor,
            action="fake_area_moved",
            now=now,
            after={"approve": approve},
        )


@pytest.fixture
def area(monkeypatch):
    """The fake area, registered for compensation approvals for this test only."""
    fake = FakeArea()
    monkeypatch.setitem(registry._handlers, "compensation", fake)
    return fake


@pytest.fixture
def approval(case, agent, rule, area):
    """An 80.00 compensation the agent asked for at NOW, under the shop's 50.00 rule."""
    from aftersales.approvals.services import approval_request

    return approval_request(
        case=case,
        kind="compensation",
        amount=Decimal("80.00"),
        summary="现金补偿 80.00",
        actor=agent,
        now=NOW,
        rule=rule,
    )


@pytest.fixture
def site(settings):
    """The site with the approvals pages, API and menu count mounted."""
    settings.ROOT_URLCONF = "tests.approvals.urls"
    templates = copy.deepcopy(settings.TEMPLATES)
    processors = templates[0]["OPTIONS"]["context_processors"]
    if CONTEXT_PROCESSOR not in processors:
        processors.append(CONTEXT_PROCESSOR)
    settings.TEMPLATES = templates


@pytest.fixture
def frozen(time_machine):
    """The clock at NOW + 1 hour: the approval is pending, 23 hours left."""
    time_machine.move_to(NOW + dt.timedelta(hours=1), tick=False)
