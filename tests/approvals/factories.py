"""Rows the approval tests stand on. A case is written directly: the approvals app reads only
its shop and writes only its timeline, whatever area the case belongs to."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import factory

from aftersales.approvals.models import Approval, ApprovalRule
from aftersales.cases.models import Case
from tests.factories import OrderFactory, ShopFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def sh(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


# The buyer reported the damage on Saturday morning; the supervisor decides that afternoon.
NOW = sh(2026, 11, 14, 9, 30)
LATER = sh(2026, 11, 14, 15, 0)


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    number = factory.Sequence(lambda n: f"AS261114{n:07d}")
    shop = factory.SubFactory(ShopFactory)
    order = factory.SubFactory(OrderFactory, shop=factory.SelfAttribute("..shop"))
    kind = "compensation"
    status = "awaiting_approval"
    created_at = NOW
    updated_at = NOW


class ApprovalRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApprovalRule

    shop = factory.SubFactory(ShopFactory)
    case_kind = "compensation"
    condition = "amount_over"
    threshold = Decimal("50.00")
    approver_role = "supervisor"
    deadline_hours = 24
    created_at = NOW
    updated_at = NOW


class ApprovalFactory(factory.django.DjangoModelFactory):
    """A pending approval written as a row, without the service (for reads and constraints)."""

    class Meta:
        model = Approval

    case = factory.SubFactory(CaseFactory)
    kind = "compensation"
    amount = Decimal("80.00")
    summary = "现金补偿 80.00"
    requested_at = NOW
    due_at = factory.LazyAttribute(lambda o: o.requested_at + dt.timedelta(hours=24))
