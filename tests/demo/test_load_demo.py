"""``load_demo`` on an empty database: what it loads, that every case got where it is through
the services (its timeline says so), and that a second run changes nothing.

The demo is loaded once for the module inside a transaction that is rolled back at the end
(as ``setUpTestData`` does); each test runs in a savepoint of its own within it.
"""

import io
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from aftersales.accounts.models import Department, Shop, User
from aftersales.approvals.models import Approval
from aftersales.approvals.selectors import approval_rule_for
from aftersales.cases.models import Case, CaseEvent, CaseLine, CaseNote
from aftersales.cases.registry import registry
from aftersales.core.models import Carrier
from aftersales.demo.data import demo_reset
from aftersales.orders.models import Order, OrderLine, Product, Shipment
from aftersales.returns import policies
from aftersales.returns.models import FreightCharge, Refund, ReturnDetail
from tests.factories import OrderFactory, ShopFactory

HOME = "暖暖家居旗舰店"
FASHION = "潮流服饰专营店"
OTHER = "别家小店"
USERNAMES = [
    "agent",
    "agent2",
    "warehouse",
    "packer",
    "review_specialist",
    "dispute_specialist",
    "supervisor",
    "administrator",
    "outsider",
]
MODELS = [
    Shop,
    Department,
    User,
    Carrier,
    Product,
    Order,
    OrderLine,
    Shipment,
    Case,
    CaseLine,
    CaseEvent,
    CaseNote,
    ReturnDetail,
    FreightCharge,
    Refund,
    Approval,
]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The command's output; the data stays until the module is done."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        call_command("load_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def loaded(demo, db):
    return demo


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def _demo_cases():
    return Case.objects.filter(shop__name__in=[HOME, FASHION])


def _statuses(kind: str) -> set[str]:
    return set(_demo_cases().filter(kind=kind).values_list("status", flat=True))


def test_two_demo_shops_and_a_third_for_the_outsider(loaded):
    assert set(Shop.objects.values_list("name", flat=True)) == {HOME, FASHION, OTHER}
    for shop in Shop.objects.filter(name__in=[HOME, FASHION]):
        assert shop.return_address
        assert shop.return_contact
        assert shop.return_phone
        rule = approval_rule_for(shop_id=shop.pk, case_kind="compensation", cost=Decimal("51"))
        assert rule.threshold == Decimal("50.00")
    assert set(Department.objects.values_list("name", flat=True)) == {
        "客服部",
        "仓储部",
        "发货组",
        "运营部",
    }
    assert set(Carrier.objects.values_list("code", flat=True)) == {
        "sf",
        "zto",
        "yto",
        "sto",
        "yd",
        "jt",
        "post",
    }


def test_staff_one_per_role_in_both_shops_and_the_outsider_in_neither(loaded):
    demo_shops = set(Shop.objects.filter(name__in=[HOME, FASHION]).values_list("id", flat=True))
    other = Shop.objects.get(name=OTHER)
    for username in USERNAMES:
        user = User.objects.get(username=username)
        assert user.department is not None
        assert user.display_name
        assert user.check_password(f"demo-{username}-2026")
        if username == "outsider":
            assert user.shop_ids() == [other.pk]
        else:
            assert set(user.shop_ids()) == demo_shops
            role = "agent" if username == "agent2" else username
            assert set(user.groups.values_list("name", flat=True)) == {role}
    admin = User.objects.get(username="administrator")
    assert (admin.is_staff, admin.is_superuser) == (True, True)
    assert not User.objects.filter(is_superuser=True).exclude(username="administrator").exists()


def test_the_user_table_is_printed(loaded):
    for username in USERNAMES:
        assert f"demo-{username}-2026" in loaded
        assert any(line.startswith(f"{username} ") for line in loaded.splitlines())


def test_products_carry_their_after_sales_terms(loaded):
    fashion = Product.objects.filter(shop__name=FASHION)
    home = Product.objects.filter(shop__name=HOME)
    socks = fashion.get(sku_code="WZ-10")
    assert (socks.title, socks.seven_day_eligible) == ("男士中筒袜子 10双装", True)
    jeans = fashion.get(sku_code="NZK-27")
    assert (jeans.title, jeans.seven_day_eligible) == ("高腰直筒牛仔裤 女 秋冬款", True)
    magazine = fashion.get(sku_code="ZZ-2611")
    assert (magazine.title, magazine.seven_day_eligible, magazine.seven_day_exclusion) == (
        "时尚杂志 2026年11月刊",
        False,
        "periodical",
    )
    custom = home.get(seven_day_exclusion="custom_made")
    assert custom.seven_day_exclusion_note == "刻字定制"
    assert home.filter(seven_day_exclusion="perishable").count() == 1
    assert home.filter(warranty_months=12).count() == 1
    assert Product.objects.filter(stock=0).exists()
    assert Product.objects.filter(stock__gt=0).count() > Product.objects.count() // 2


def test_orders_add_up(loaded):
    orders = Order.objects.filter(shop__name__in=[HOME, FASHION])
    assert orders.count() >= 250
    now = timezone.now()
    for order in orders.prefetch_related("lines"):
        lines = list(order.lines.all())
        assert 1 <= len(lines) <= 3
        assert order.goods_total == sum(line.unit_price * line.quantity for line in lines)
        assert order.amount_paid == sum(line.amount_paid for line in lines) + order.freight_paid
        for line in lines:
            assert Decimal("0.00") < line.amount_paid <= line.unit_price * line.quantity
        assert order.created_at <= now
        assert now - order.created_at < timezone.timedelta(days=31)
        assert order.paid_at is None or order.created_at <= order.paid_at <= now
    statuses = Counter(orders.values_list("status", flat=True))
    assert statuses["success"] > orders.count() // 2
    assert statuses["wait_buyer_confirm"] > 0
    assert statuses["closed"] > 0
    assert orders.filter(freight_paid=0).exists()
    assert orders.filter(freight_paid__gt=0).exists()
    assert orders.values("province").distinct().count() >= 20
    assert orders.values("city").distinct().count() >= 30


def test_outbound_shipments_keep_how_the_sign_in_was_known(loaded):
    outbound = Shipment.objects.filter(direction="outbound")
    assert outbound.filter(sign_precision="exact", signed_at__isnull=False).exists()
    assert outbound.filter(sign_precision="date", signed_on__isnull=False).exists()
    assert outbound.filter(sign_precision="none").exists()
    assert not outbound.filter(waybill_no="").exists()
    assert outbound.values("carrier").distinct().count() == 7
    waybills = Shipment.objects.values_list("waybill_no", flat=True)
    assert len(set(waybills)) == len(waybills)


def test_every_status_of_each_kind_is_present(loaded):
    assert _statuses("refund_only") == {
        "requested",
        "refunding",
        "refund_failed",
        "completed",
        "refused",
        "disputed",
        "cancelled",
    }
    assert _statuses("return_refund") == {
        "requested",
        "awaiting_return",
        "return_shipped",
        "received",
        "refunding",
        "completed",
        "refused",
        "disputed",
        "cancelled",
    }
    assert _statuses("exchange") == {
        "requested",
        "awaiting_return",
        "return_shipped",
        "received",
        "replacement_shipped",
        "completed",
        "refused",
        "disputed",
        "cancelled",
    }
    assert _statuses("refusal") == {
        "requested",
        "parcel_returned",
        "refunding",
        "reshipping",
        "reshipped",
        "completed",
        "refused",
        "disputed",
        "cancelled",
    }
    assert _statuses("compensation") == {
        "requested",
        "awaiting_approval",
        "approved",
        "refunding",
        "reshipping",
        "reshipped",
        "completed",
        "refused",
        "disputed",
        "cancelled",
    }
    # §1's stories; the courier area's problem parcels come on top of them.
    assert 60 <= _demo_cases().exclude(kind="problem_parcel").count() <= 120
    assert _demo_cases().filter(kind="problem_parcel").exists()


def test_every_case_got_where_it_is_through_its_timeline(loaded):
    now = timezone.now()
    for case in Case.objects.prefetch_related("events"):
        events = list(case.events.all())
        assert len(events) >= 1
        first = events[0]
        assert (first.action, first.to_status) == ("create", registry.get(case.kind).initial)
        assert first.created_at == case.created_at
        times = [e.created_at for e in events]
        assert times == sorted(times)
        assert times[-1] <= now
        assert case.created_at >= case.order.created_at
        moves = [e for e in events if e.to_status]
        assert moves[-1].to_status == case.status
        for before, after in zip(moves, moves[1:], strict=False):
            assert after.from_status == before.to_status


def test_an_exchange_without_stock_became_a_refund(loaded):
    converted = Case.objects.filter(events__action="convert_to_refund")
    assert converted.count() == 2
    assert set(converted.values_list("kind", flat=True)) == {"return_refund"}
    skus = set(CaseLine.objects.filter(case__in=converted).values_list("order_line__sku_code"))
    assert {sku for (sku,) in skus} <= set(
        Product.objects.filter(stock=0).values_list("sku_code", flat=True)
    )


def test_a_failed_refund_was_retried(loaded):
    retried = Case.objects.filter(events__action="retry_refund").distinct()
    assert retried.filter(status="completed").exists()
    assert retried.filter(status="refunding").exists()
    for case in retried:
        assert case.refunds.filter(status="failed").exists()
        assert case.events.filter(action="refund_failed").exists()
    # The ledger holds: what pending and succeeded refunds take never passes what was paid.
    held = (
        OrderLine.objects.annotate(
            held=Sum("refunds__amount", filter=Q(refunds__status__in=["pending", "succeeded"]))
        )
        .filter(held__isnull=False)
        .values_list("held", "amount_paid")
    )
    assert held
    assert all(h <= paid for h, paid in held)
    assert Case.objects.filter(status="refunding", refunds__status="pending").exists()


def test_the_inbox_has_overdue_due_soon_assigned_and_unassigned_cases(loaded):
    now = timezone.now()
    open_cases = _demo_cases().filter(is_open=True)
    assert open_cases.filter(due_at__lt=now).exists()
    assert open_cases.filter(due_at__gte=now, due_at__lt=now + timezone.timedelta(hours=24))
    assert open_cases.filter(assignee__isnull=True).exists()
    assert set(
        open_cases.filter(assignee__isnull=False).values_list("assignee__username", flat=True)
    ) == {"agent", "agent2"}
    overdue_reships = _demo_cases().filter(
        status="reshipping", due_rule="reship_3_workdays", due_at__lt=now
    )
    assert overdue_reships.exists()


def test_the_socks_case(loaded):
    case = Case.objects.get(buyer_claim__contains="少了一只")
    assert (case.kind, case.reason, case.status) == ("compensation", "shortage", "reshipping")
    line = case.lines.get().order_line
    assert (line.sku_code, line.quantity) == ("WZ-10", 1)
    assert case.returns.requested_amount == (line.amount_paid / 10).quantize(Decimal("0.01"))
    assert (case.returns.fault_party, case.returns.remedy) == ("seller", "reship")
    assert case.due_rule == "reship_3_workdays"
    assert case.due_at == policies.reship_deadline(decided_at=case.returns.decided_at, overrides={})
    assert case.due_at > timezone.now()
    assert set(case.freight.values_list("bearer", flat=True)) == {"seller"}
    assert case.notes.filter(body__contains="打包记录").exists()


def test_the_jeans_cases(loaded):
    ret = Case.objects.get(buyer_claim__contains="盐水")
    assert (ret.kind, ret.reason, ret.status) == ("return_refund", "quality", "return_shipped")
    line = ret.lines.get().order_line
    assert line.sku_code == "NZK-27"
    # Outside the seven-day window: a quality problem is not bounded by it.
    outbound = ret.order.shipments.get(direction="outbound")
    sign_in = policies.SignIn(at=outbound.signed_at, on=outbound.signed_on)
    _start, end = policies.no_reason_window(sign_in)
    assert end < ret.created_at
    assert set(ret.freight.values_list("bearer", flat=True)) == {"seller"}

    bag = Case.objects.get(buyer_claim__contains="帆布包", kind="compensation")
    assert bag.order_id == ret.order_id
    assert (bag.reason, bag.status) == ("quality", "awaiting_approval")
    approval = bag.approvals.get()
    assert (approval.status, approval.amount) == ("pending", Decimal("120.00"))
    assert approval.amount > approval.rule.threshold
    assert approval.requested_by.username == "agent"


def test_the_right_people_acted(loaded):
    by_action = Counter(
        (e.action, e.actor.username if e.actor else None)
        for e in CaseEvent.objects.filter(case__in=_demo_cases()).select_related("actor")
    )
    actors = {}
    for (action, username), _n in by_action.items():
        actors.setdefault(action, set()).add(username)
    for action in ("receive", "ship_replacement", "reship", "parcel_back"):
        assert actors[action] == {"warehouse"}
    assert actors["approve"] == actors["reject"] == {"supervisor"}
    assert actors["complete"] == {None}  # the payment channel settled the refund
    assert actors["agree"] <= {"agent", "agent2"}


def test_loading_again_changes_nothing(loaded):
    before = _counts()
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert _counts() == before
    assert "演示数据已加载，未做任何改动" in out.getvalue()
    for username in USERNAMES:
        assert f"demo-{username}-2026" in out.getvalue()


def test_reset_removes_only_the_demo_and_loads_the_same_again(loaded):
    theirs = OrderFactory(shop=ShopFactory(name="另一家店"))
    order_nos = set(Order.objects.filter(shop__name__in=[HOME, FASHION]).values_list("order_no"))
    before = _counts()

    call_command("load_demo", reset=True, stdout=io.StringIO())

    assert Order.objects.filter(pk=theirs.pk).exists()
    assert _counts() == before
    again = set(Order.objects.filter(shop__name__in=[HOME, FASHION]).values_list("order_no"))
    assert again == order_nos  # seeded: the same orders every time


def test_a_login_of_the_same_name_stops_the_load_and_nothing_is_written(loaded):
    demo_reset()  # rolled back with this test's savepoint
    User.objects.create_user(username="agent", password="theirs-123")
    before = _counts()

    with pytest.raises(CommandError, match="agent"):
        call_command("load_demo", stdout=io.StringIO())

    assert _counts() == before
    assert User.objects.get(username="agent").check_password("theirs-123")
