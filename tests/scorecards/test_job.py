"""The penalty job: which carrier and shop of the month is penalised and how much, that a
second run (or two at once) changes nothing, that a reversed penalty stays reversed, and that
the revocation takes effect in routing until an administrator restores it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from aftersales.core.errors import ConcurrentChange, InvalidInput, NotFound, PermissionDeniedError
from aftersales.logistics.models import PriorityRevocation, Route, RouteCarrier
from aftersales.logistics.services import route_for
from aftersales.scorecards import policies
from aftersales.scorecards.models import Penalty
from aftersales.scorecards.services import penalties_apply, penalty_reverse
from aftersales.scorecards.tasks import apply_penalties
from tests.factories import OrderFactory
from tests.scorecards.conftest import at, event, ship

NOV = dt.date(2026, 11, 1)
RUN_AT = at(2026, 12, 1, 2, 0)


@pytest.fixture
def november(shop, other_shop, yto, zto):
    """yto in the shop: 20 parcels, 3 out of area (15 %); zto: 20 parcels, 1 out of area
    (5 %, not past a 5 % threshold); yto in the other shop: 5 parcels, 5 out of area (under
    the minimum of 10 parcels)."""
    for i in range(20):
        parcel = ship(shop, yto, at(2026, 11, 2 + i, 10))
        if i < 3:
            event(parcel, "out_of_area")
        if i == 3:
            event(parcel, "stranded")
    for i in range(20):
        parcel = ship(shop, zto, at(2026, 11, 2 + i, 11))
        if i == 0:
            event(parcel, "out_of_area")
    for _i in range(5):
        event(ship(other_shop, yto, at(2026, 11, 5, 10)), "out_of_area")


def test_a_carrier_past_the_threshold_is_penalised_once(november, make_policy, shop, yto):
    policy = make_policy()

    result = penalties_apply(month=NOV, now=RUN_AT)

    penalty = Penalty.objects.get()
    assert (result.penalties_new, result.revocations_new) == (1, 1)
    assert (penalty.policy, penalty.carrier, penalty.shop, penalty.month) == (
        policy,
        yto,
        shop,
        NOV,
    )
    assert (penalty.parcels, penalty.counted, penalty.rate_pct) == (20, 3, Decimal("15.00"))
    # ¥2.50 for each of the 3 out-of-area parcels.
    assert penalty.deduction == Decimal("7.50")
    assert (penalty.revoke_starts_at, penalty.revoke_ends_at) == (
        RUN_AT,
        RUN_AT + dt.timedelta(days=7),
    )
    revocation = PriorityRevocation.objects.get()
    assert penalty.revocation == revocation
    assert (revocation.carrier, revocation.shop, revocation.source) == (
        yto,
        shop,
        f"penalty:{penalty.pk}",
    )
    assert (revocation.starts_at, revocation.ends_at, revocation.created_by) == (
        RUN_AT,
        RUN_AT + dt.timedelta(days=7),
        None,
    )


def test_the_problem_parcel_rate_counts_every_kind(november, make_policy, yto):
    # 4 of yto's 20 parcels had a problem (3 out of area, 1 stranded): 20 % > 15 %.
    make_policy(metric="problem_parcel_rate", threshold_pct=Decimal("15.00"), revoke_days=0)

    penalties_apply(month=NOV, now=RUN_AT)

    penalty = Penalty.objects.get()
    assert (penalty.carrier, penalty.counted, penalty.rate_pct) == (yto, 4, Decimal("20.00"))
    assert penalty.deduction == Decimal("10.00")
    assert penalty.revocation is None
    assert PriorityRevocation.objects.count() == 0


def test_a_rule_for_one_carrier_or_one_shop_leaves_the_others(
    november, make_policy, other_shop, zto
):
    make_policy(carrier=zto, threshold_pct=Decimal("4.00"))
    make_policy(shop=other_shop, min_parcels=5)

    penalties_apply(month=NOV, now=RUN_AT)

    assert sorted(
        (p.carrier.code, p.shop.name, p.counted) for p in Penalty.objects.select_related()
    ) == [("yto", "别家小店", 5), ("zto", "袜子旗舰店", 1)]


def test_nothing_when_no_rule_applies(november, make_policy, yto):
    make_policy(is_active=False)
    make_policy(threshold_pct=Decimal("15.00"))  # 15.00 % is not past 15.00 %
    make_policy(min_parcels=21)

    result = penalties_apply(month=NOV, now=RUN_AT)

    assert result.penalties_new == 0
    assert Penalty.objects.count() == 0


def test_running_again_changes_nothing(november, make_policy):
    make_policy()
    penalties_apply(month=NOV, now=RUN_AT)
    before = list(Penalty.objects.values())

    again = penalties_apply(month=NOV, now=RUN_AT + dt.timedelta(hours=5))

    assert (again.penalties_new, again.revocations_new) == (0, 0)
    assert list(Penalty.objects.values()) == before
    assert PriorityRevocation.objects.count() == 1


def test_the_task_and_the_command_take_the_month(november, make_policy, time_machine):
    make_policy()
    time_machine.move_to(RUN_AT, tick=False)

    # The task's default: the month before today's, in Shanghai (1 Dec 02:00 is 30 Nov UTC).
    assert apply_penalties.call() == {"month": "2026-11", "penalties_new": 1, "revocations_new": 1}
    out = StringIO()
    call_command("apply_penalties", "--month", "2026-11", stdout=out)
    assert out.getvalue().strip() == "2026-11: 0 new penalties, 0 priority revocations"
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("apply_penalties", "--month", "2026-13")


def test_the_schedule_is_2am_on_the_first_in_shanghai():
    # huey's scheduler passes naive UTC.
    def utc(*args: int) -> dt.datetime:
        return dt.datetime(*args, tzinfo=dt.UTC).replace(tzinfo=None)

    assert policies.first_of_month_at_2_shanghai(utc(2026, 11, 30, 18, 0))
    assert not policies.first_of_month_at_2_shanghai(utc(2026, 12, 1, 2, 0))
    assert not policies.first_of_month_at_2_shanghai(utc(2026, 11, 30, 18, 1))
    assert policies.first_of_month_at_2_shanghai(at(2026, 12, 1, 2, 0))
    assert policies.previous_month(RUN_AT) == NOV


# --- reversal -----------------------------------------------------------------------------------


@pytest.fixture
def applied(november, make_policy):
    make_policy()
    penalties_apply(month=NOV, now=RUN_AT)
    return Penalty.objects.get()


def test_only_an_administrator_reverses_a_penalty(applied, supervisor, agent):
    for person in (supervisor, agent):
        with pytest.raises(PermissionDeniedError):
            penalty_reverse(penalty_id=applied.pk, actor=person, now=RUN_AT, reason="误判")

    applied.refresh_from_db()
    assert applied.reversed_at is None
    assert applied.revocation.reversed_at is None


def test_an_administrator_reverses_it_and_a_later_run_leaves_it_reversed(applied, administrator):
    later = RUN_AT + dt.timedelta(days=1)

    penalty = penalty_reverse(
        penalty_id=applied.pk, actor=administrator, now=later, reason="快递已申诉成功"
    )

    assert (penalty.reversed_at, penalty.reversed_by, penalty.reverse_reason) == (
        later,
        administrator,
        "快递已申诉成功",
    )
    revocation = PriorityRevocation.objects.get()
    assert (revocation.reversed_at, revocation.reversed_by) == (later, administrator)
    again = penalties_apply(month=NOV, now=later + dt.timedelta(days=1))
    assert (again.penalties_new, again.revocations_new) == (0, 0)
    assert Penalty.objects.get().reversed_at == later
    assert PriorityRevocation.objects.count() == 1
    with pytest.raises(ConcurrentChange):
        penalty_reverse(penalty_id=applied.pk, actor=administrator, now=later, reason="再来")


def test_a_reversal_needs_a_reason_and_the_shop(applied, administrator, other_shop):
    with pytest.raises(InvalidInput) as refused:
        penalty_reverse(penalty_id=applied.pk, actor=administrator, now=RUN_AT, reason=" ")
    assert refused.value.field == "reason"
    administrator.shops.set([other_shop])
    administrator._shop_ids = None
    with pytest.raises(NotFound):
        penalty_reverse(penalty_id=applied.pk, actor=administrator, now=RUN_AT, reason="误判")
    assert Penalty.objects.get().reversed_at is None


def test_the_revocation_demotes_the_carrier_in_routing_until_restored(
    applied, administrator, shop, yto, zto
):
    route = Route.objects.create(shop=shop, province="", updated_at=RUN_AT)
    RouteCarrier.objects.create(route=route, position=1, carrier=yto)
    RouteCarrier.objects.create(route=route, position=2, carrier=zto)
    order = OrderFactory(shop=shop, status="wait_seller_send")
    during = RUN_AT + dt.timedelta(days=1)

    before = route_for(order, now=RUN_AT - dt.timedelta(minutes=1))
    revoked = route_for(order, now=during)
    penalty_reverse(penalty_id=applied.pk, actor=administrator, now=during, reason="申诉成功")
    restored = route_for(order, now=during + dt.timedelta(minutes=1))

    assert before.carrier == yto
    assert revoked.carrier == zto
    assert [(r.carrier, r.verdict) for r in revoked.reasons[:2]] == [
        (yto, "revoked"),
        (zto, "chosen"),
    ]
    assert restored.carrier == yto


def test_the_revocation_ends_after_its_days(applied, shop, yto, zto):
    route = Route.objects.create(shop=shop, province="", updated_at=RUN_AT)
    RouteCarrier.objects.create(route=route, position=1, carrier=yto)
    RouteCarrier.objects.create(route=route, position=2, carrier=zto)
    order = OrderFactory(shop=shop, status="wait_seller_send")

    assert route_for(order, now=RUN_AT + dt.timedelta(days=7)).carrier == yto


def test_the_demo_loader_writes_the_default_rule_and_applies_it(november, shop, yto):
    from aftersales.scorecards import demo

    said = demo.load(now=RUN_AT)
    again = demo.load(now=RUN_AT)

    # yto: 20 parcels, 3 out of area (15 %) is past 3 %; zto's 5 % too.
    assert (
        said
        == "scorecards: default penalty rule; 2026-11: 2 penalties (2 new, 2 priority revocations)"
    )
    assert (
        again
        == "scorecards: default penalty rule; 2026-11: 2 penalties (0 new, 0 priority revocations)"
    )
    assert sorted(Penalty.objects.values_list("carrier__code", "deduction")) == [
        ("yto", Decimal("6.00")),
        ("zto", Decimal("2.00")),
    ]
