"""The pre-ship sweep: set-based SQL that flags what route_for would flag, for orders not yet
shipped only; idempotent; settled flags leave the list and are not raised again for the same
problem; a changed problem is raised anew."""

from __future__ import annotations

import datetime as dt

import pytest

from aftersales.core.errors import ConcurrentChange, InvalidInput, NotFound, PermissionDeniedError
from aftersales.logistics.models import FlagReason, OrderRegion, PreShipFlag
from aftersales.logistics.services.flags import flag_settle, open_flags, sweep
from aftersales.logistics.services.routing import decide_many
from aftersales.orders.models import Order, OrderStatus
from tests.api import NOW
from tests.factories import ShopFactory, UserFactory
from tests.logistics.conftest import revoke, route, rule, suspension, unshipped

XJ = "新疆维吾尔自治区"
TIBET = "西藏自治区"


@pytest.fixture
def world(shop, zto, yto, sf):
    """A shop routing zto then yto (sf first for Guangdong), with every kind of problem."""
    route(shop, [zto, yto])
    route(shop, [sf, zto], province="广东省")
    route(shop, [yto], province="江苏省", city="南京市")
    rule(zto, TIBET)
    rule(yto, TIBET)
    rule(zto, XJ, coverage="limited", note="时效 7-10 天")
    rule(zto, XJ, "和田地区", "于田县")
    rule(yto, XJ, "和田地区", "于田县", coverage="limited", note="只到乡镇")
    rule(sf, "广东省", "深圳市", coverage="full")
    suspension(
        zto, "杭州西湖网点", "浙江省", "杭州市", "西湖区", starts_on=NOW.date(), ends_on=NOW.date()
    )
    revoke(sf, shop=shop, reason="超区率超标")
    return shop


def _orders(shop):
    return {
        "ok": unshipped(shop, province="上海", city="上海市", district="浦东新区"),
        "suspended": unshipped(shop),
        "tibet": unshipped(shop, province="西藏", city="拉萨市", district="城关区"),
        "xj_limited": unshipped(shop, province="新疆", city="乌鲁木齐市", district="天山区"),
        "yutian": unshipped(shop, province=XJ, city="和田地区", district="于田县"),
        "guangdong_revoked": unshipped(shop, province="广东省", city="广州市", district="天河区"),
        "nanjing": unshipped(shop, province="江苏省", city="南京市", district="玄武区"),
        "free_text": unshipped(
            shop, province="", city="", district="", street="西藏阿里地区改则县"
        ),
        "unknown": unshipped(shop, province="", city="", district="", street="老地方"),
        "shipped": unshipped(
            shop, province="西藏", city="拉萨市", status=OrderStatus.WAIT_BUYER_CONFIRM
        ),
        "unpaid": unshipped(
            shop, province="西藏", city="拉萨市", status=OrderStatus.WAIT_BUYER_PAY
        ),
    }


def _flags():
    return {
        f.order_id: (f.reason, f.carrier_id, f.primary_id)
        for f in PreShipFlag.objects.filter(settled_at__isnull=True)
    }


def test_the_sweep_flags_exactly_what_route_for_flags(world):
    orders = _orders(world)

    result = sweep(now=NOW)

    unshipped_orders = Order.objects.filter(
        status__in=[OrderStatus.WAIT_BUYER_PAY, OrderStatus.WAIT_SELLER_SEND]
    )
    expected = {}
    for order_id, d in decide_many(unshipped_orders, now=NOW).items():
        if d.flag_reason:
            expected[order_id] = (
                d.flag_reason,
                d.carrier.pk if d.carrier else None,
                d.primary.pk if d.primary else None,
            )
    assert _flags() == expected
    assert result.raised == len(expected)
    reasons = {name: _flags().get(o.pk, (None,))[0] for name, o in orders.items()}
    assert reasons == {
        "ok": None,
        "suspended": FlagReason.PRIMARY_SKIPPED,
        "tibet": FlagReason.NO_CARRIER,
        "xj_limited": FlagReason.LIMITED,
        "yutian": FlagReason.LIMITED,
        "guangdong_revoked": FlagReason.PRIMARY_SKIPPED,
        "nanjing": None,
        "free_text": FlagReason.NO_CARRIER,
        "unknown": FlagReason.ADDRESS_UNKNOWN,
        "shipped": None,
        "unpaid": FlagReason.NO_CARRIER,
    }


def test_running_the_sweep_again_changes_nothing(world):
    _orders(world)
    sweep(now=NOW)
    before = list(PreShipFlag.objects.order_by("pk").values())

    again = sweep(now=NOW + dt.timedelta(minutes=5))

    assert (again.parsed, again.removed, again.raised) == (0, 0, 0)
    assert list(PreShipFlag.objects.order_by("pk").values()) == before


def test_a_shop_that_does_not_route_is_not_flagged(zto):
    shop = ShopFactory()
    rule(zto, TIBET)
    unshipped(shop, province="西藏", city="拉萨市")

    sweep(now=NOW)

    assert PreShipFlag.objects.count() == 0
    assert OrderRegion.objects.count() == 0


def test_a_flag_whose_problem_goes_away_is_removed(world):
    orders = _orders(world)
    sweep(now=NOW)
    assert orders["suspended"].pk in _flags()

    # The outlet's suspension was for NOW's day only.
    sweep(now=NOW + dt.timedelta(days=1))

    assert orders["suspended"].pk not in _flags()


def test_a_shipped_order_leaves_the_list(world):
    orders = _orders(world)
    sweep(now=NOW)
    Order.objects.filter(pk=orders["tibet"].pk).update(status=OrderStatus.WAIT_BUYER_CONFIRM)

    sweep(now=NOW)

    assert orders["tibet"].pk not in _flags()


def test_a_changed_address_is_parsed_again(world):
    orders = _orders(world)
    sweep(now=NOW)
    Order.objects.filter(pk=orders["tibet"].pk).update(
        province="浙江省", city="宁波市", district="鄞州区"
    )

    result = sweep(now=NOW)

    assert result.parsed == 1
    assert orders["tibet"].pk not in _flags()


def test_a_settled_flag_leaves_the_list_and_is_not_raised_again(world, agent):
    orders = _orders(world)
    sweep(now=NOW)
    flag = PreShipFlag.objects.get(order=orders["tibet"], settled_at__isnull=True)

    settled = flag_settle(actor=agent, flag_id=flag.pk, note="买家同意改寄拉萨市区自提点", now=NOW)
    sweep(now=NOW + dt.timedelta(minutes=5))

    assert (settled.settled_by, settled.settled_at, settled.settle_note) == (
        agent,
        NOW,
        "买家同意改寄拉萨市区自提点",
    )
    assert flag.pk not in {f.pk for f in open_flags(agent)}
    assert orders["tibet"].pk not in _flags()


def test_a_settled_flag_whose_problem_changes_is_raised_anew(world, agent, yto):
    orders = _orders(world)
    sweep(now=NOW)
    flag = PreShipFlag.objects.get(order=orders["suspended"], settled_at__isnull=True)
    flag_settle(actor=agent, flag_id=flag.pk, note="买家同意走圆通", now=NOW)
    # Now yto is revoked too: nothing reaches the order.
    revoke(yto)

    sweep(now=NOW)

    assert _flags()[orders["suspended"].pk][0] == FlagReason.NO_CARRIER


def test_settling_needs_a_note_and_happens_once(world, agent):
    orders = _orders(world)
    sweep(now=NOW)
    flag = PreShipFlag.objects.get(order=orders["tibet"])

    with pytest.raises(InvalidInput) as missing:
        flag_settle(actor=agent, flag_id=flag.pk, note="  ", now=NOW)
    flag_settle(actor=agent, flag_id=flag.pk, note="已联系", now=NOW)
    with pytest.raises(ConcurrentChange) as twice:
        flag_settle(actor=agent, flag_id=flag.pk, note="再来一次", now=NOW)

    assert missing.value.field == "note"
    assert twice.value.code == "already_settled"


def test_settling_is_for_the_shops_staff(world, outsider, shop):
    orders = _orders(world)
    sweep(now=NOW)
    flag = PreShipFlag.objects.get(order=orders["tibet"])
    admin = UserFactory(roles=["administrator"], shops=[shop])

    with pytest.raises(NotFound):
        flag_settle(actor=outsider, flag_id=flag.pk, note="外人", now=NOW)
    with pytest.raises(PermissionDeniedError):
        flag_settle(actor=admin, flag_id=flag.pk, note="管理员", now=NOW)
    assert open_flags(outsider).count() == 0


def test_a_backlog_larger_than_a_batch_is_parsed_in_one_sweep(shop, zto, monkeypatch):
    from aftersales.logistics.services import flags

    monkeypatch.setattr(flags, "PARSE_BATCH", 2)
    route(shop, [zto])
    rule(zto, TIBET)
    for _ in range(5):
        unshipped(shop, province="西藏", city="拉萨市")

    result = sweep(now=NOW)

    assert (result.parsed, result.raised) == (5, 5)
