"""The demo loader: rules, a sweep over the demo's orders, some follow-ups worked."""

import pytest

from aftersales.watch.demo import load
from aftersales.watch.models import ContactLog, FollowUp, WatchRule
from tests.factories import UserFactory
from tests.watch.helpers import NOW, D, H, parcel

pytestmark = pytest.mark.django_db


def test_the_demo_raises_and_works_some_followups(shop):
    UserFactory(username="demo-agent", roles=["agent"], shops=[shop])
    for _ in range(3):
        parcel(shop, at=NOW - 3 * D)
    parcel(shop, "refused", at=NOW - H)

    summary = load(now=NOW, shop_ids=[shop.pk])

    assert summary.startswith("watch: 4 follow-ups raised")
    assert WatchRule.objects.get(shop=shop, kind="stalled").threshold_hours == 36
    assert FollowUp.objects.filter(status="done").count() == 1
    assert FollowUp.objects.filter(status="open").exclude(assignee=None).count() == 1
    assert ContactLog.objects.count() == 2
