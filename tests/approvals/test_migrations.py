"""The migration keeps today's behaviour: each shop's compensation threshold becomes its rule,
and the approvals already written satisfy the new constraints."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from aftersales.accounts.models import Role

BEFORE = [("approvals", "0003_approval_rules")]
REQUESTED = dt.datetime(2026, 11, 14, 1, 30, tzinfo=dt.UTC)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _role_groups():
    yield
    # The flush after a transactional test empties every table, the role groups of the data
    # migration included; put them back for the tests that come after.
    for role in Role.values:
        Group.objects.get_or_create(name=role)


def latest():
    """Every app's last migration: going back to approvals 0003 also took back what depends on
    it (accounts dropping the shop's threshold), and the tests after this one need it all."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def migrate(targets):
    """Move the approvals app to ``targets`` (and whatever depends on it back or forth with
    it); the models as the applied migrations leave them."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor = MigrationExecutor(connection)
    return executor._create_project_state(with_applied_migrations=True).apps


def test_each_shop_gets_its_threshold_as_a_compensation_rule_and_old_rows_are_fixed():
    apps = migrate(BEFORE)
    Shop = apps.get_model("accounts", "Shop")
    User = apps.get_model("accounts", "User")
    Order = apps.get_model("orders", "Order")
    Case = apps.get_model("cases", "Case")
    Approval = apps.get_model("approvals", "Approval")
    socks = Shop.objects.create(name="袜子旗舰店", compensation_approval_threshold=Decimal("50.00"))
    Shop.objects.create(name="牛仔裤店", compensation_approval_threshold=Decimal("200.00"))
    agent = User.objects.create(username="agent")
    boss = User.objects.create(username="boss")
    order = Order.objects.create(shop=socks, order_no="4100000000000000001", created_at=REQUESTED)
    case = Case.objects.create(
        number="AS2611140000001",
        shop=socks,
        order=order,
        kind="compensation",
        status="approved",
        created_at=REQUESTED,
        updated_at=REQUESTED,
    )
    # Rejected the old way: without a reason.
    old = Approval.objects.create(
        case=case,
        kind="compensation",
        amount=Decimal("80.00"),
        summary="现金补偿 80.00",
        status="rejected",
        requested_by=agent,
        requested_at=REQUESTED,
        decided_by=boss,
        decided_at=REQUESTED,
    )

    apps = migrate(latest())

    ApprovalRule = apps.get_model("approvals", "ApprovalRule")
    got = list(
        ApprovalRule.objects.filter(shop__isnull=False)
        .order_by("shop__name")
        .values_list(
            "shop__name",
            "case_kind",
            "condition",
            "threshold",
            "approver_role",
            "deadline_hours",
            "is_active",
        )
    )
    assert got == [
        ("牛仔裤店", "compensation", "amount_over", Decimal("200.00"), "supervisor", 24, True),
        ("袜子旗舰店", "compensation", "amount_over", Decimal("50.00"), "supervisor", 24, True),
    ]
    old = apps.get_model("approvals", "Approval").objects.get(pk=old.pk)
    assert old.rule_id == ApprovalRule.objects.get(shop_id=socks.pk).pk
    assert old.due_at == REQUESTED + dt.timedelta(hours=24)
    assert old.comment == "（旧记录：驳回时未填写原因）"


def test_the_migrations_run_backwards_and_forwards_again():
    migrate(BEFORE)
    apps = migrate(latest())

    rules = apps.get_model("approvals", "ApprovalRule").objects
    assert rules.filter(shop__isnull=False).count() == 0
