"""Two sweeps at once, and two agents taking one follow-up at once. PostgreSQL only: SQLite's
in-memory test database refuses a second writer outright instead of queueing it."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from aftersales.accounts.models import Role
from aftersales.core.errors import DomainError
from aftersales.orders.models import Order
from aftersales.watch.models import FollowUp, WatchRule
from aftersales.watch.services import followup_take
from aftersales.watch.sweep import followups_sweep
from tests.concurrency import run_together
from tests.factories import ShopFactory, UserFactory
from tests.watch.helpers import NOW, D, H, event, order, parcel, shipped

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


def _many_orders_with_facts(shop, count=60):
    for i in range(count):
        if i % 4 == 0:
            parcel(shop, at=NOW - 3 * D)
        elif i % 4 == 1:
            parcel(shop, "refused", at=NOW - H)
        elif i % 4 == 2:
            o, s = parcel(shop, "signed", at=NOW - H)
            event(s, "signed", at=NOW - H, raw_state="304")
        else:
            o = order(shop)
            shipped(o, at=NOW - 3 * D)


def test_two_sweeps_at_once_raise_each_followup_once_without_an_error():
    shop = ShopFactory(name="并发店")
    _many_orders_with_facts(shop)

    results = run_together(4, lambda i: followups_sweep(now=NOW))

    assert [outcome for outcome, _value in results] == ["ok"] * 4, results
    raised = sum(value.total_raised for _outcome, value in results)
    assert FollowUp.objects.count() == raised == 60
    pairs = list(FollowUp.objects.values_list("order_id", "kind"))
    assert len(pairs) == len(set(pairs))
    # Each default rule once, whoever wrote it.
    assert WatchRule.objects.filter(shop__isnull=True).count() == 6


def test_two_sweeps_expiring_at_once_close_each_followup_once():
    shop = ShopFactory(name="并发店")
    _many_orders_with_facts(shop, count=20)
    followups_sweep(now=NOW)
    Order.objects.filter(shop=shop).update(status="closed")

    results = run_together(3, lambda i: followups_sweep(now=NOW + H))

    assert [outcome for outcome, _value in results] == ["ok"] * 3, results
    assert sum(value.expired for _outcome, value in results) == 20
    assert set(FollowUp.objects.values_list("status", flat=True)) == {"expired"}


def test_two_agents_taking_one_followup_at_once_one_gets_it():
    shop = ShopFactory(name="并发店")
    parcel(shop, at=NOW - 3 * D)
    followups_sweep(now=NOW)
    f = FollowUp.objects.get()
    agents = [UserFactory(username=f"a{i}", roles=["agent"], shops=[shop]) for i in range(2)]

    results = run_together(2, lambda i: followup_take(actor=agents[i], followup_id=f.pk, now=NOW))

    errors = [value for outcome, value in results if outcome == "error"]
    assert len(errors) == 1
    assert isinstance(errors[0], DomainError)
    assert errors[0].code == "followup_taken"
    f.refresh_from_db()
    assert f.assignee_id in {a.pk for a in agents}
