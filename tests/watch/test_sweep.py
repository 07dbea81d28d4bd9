"""The follow-up sweep at its edges: each rule at exactly its threshold, the 15 days in and
out, leaving the watch, the same fact once, per-shop rules, and running it again."""

from __future__ import annotations

import datetime as dt

import pytest

from aftersales.cases.models import Case
from aftersales.orders.models import OrderStatus
from aftersales.watch.models import FollowUp, FollowUpKind, WatchRule
from aftersales.watch.services import followup_dismiss, followup_resolve
from aftersales.watch.sweep import followups_sweep
from tests.factories import ShopFactory
from tests.watch.helpers import (
    NOW,
    D,
    H,
    event,
    open_followups,
    order,
    parcel,
    rule,
    shipped,
    tracked,
)

S = dt.timedelta(seconds=1)
STALLED, PROBLEM, REFUSED, RETURNING, OTHER, CASE = (
    FollowUpKind.STALLED,
    FollowUpKind.PROBLEM_PARCEL,
    FollowUpKind.REFUSED,
    FollowUpKind.RETURNING,
    FollowUpKind.SIGNED_BY_OTHER,
    FollowUpKind.OPEN_CASE,
)


def sweep(now=NOW):
    return followups_sweep(now=now)


# --- the watch: 15 days after 交易成功, and the orders on their way --------------------------


@pytest.mark.django_db
def test_the_default_rules_are_written_once_for_every_shop():
    sweep()
    sweep()

    rules = WatchRule.objects.filter(shop__isnull=True).order_by("kind")
    assert sorted(r.kind for r in rules) == sorted(FollowUpKind.values)
    assert {r.kind: r.threshold_hours for r in rules}[STALLED] == 48


@pytest.mark.django_db
def test_an_order_is_watched_until_exactly_15_days_after_transaction_success(shop):
    # Both parcels stalled long ago; one order succeeded 15 days minus a second ago, the other
    # exactly 15 days ago.
    inside, _s1 = parcel(
        shop, at=NOW - 5 * D, status=OrderStatus.SUCCESS, success_at=NOW - 15 * D + S
    )
    outside, _s2 = parcel(shop, at=NOW - 5 * D, status=OrderStatus.SUCCESS, success_at=NOW - 15 * D)

    sweep()

    assert open_followups() == [(inside.pk, STALLED)]


@pytest.mark.django_db
def test_orders_shipped_and_not_yet_successful_are_watched_closed_and_undated_ones_not(shop):
    waiting, _ = parcel(shop, at=NOW - 5 * D)  # 卖家已发货，等待买家确认
    parcel(shop, at=NOW - 5 * D, status=OrderStatus.CLOSED)
    # 交易成功 without 确认收货时间 (an old export): nobody can tell when its 15 days end.
    parcel(shop, at=NOW - 5 * D, status=OrderStatus.SUCCESS, success_at=None)

    sweep()

    assert open_followups() == [(waiting.pk, STALLED)]


@pytest.mark.django_db
def test_an_order_leaving_the_watch_closes_its_open_followups_as_expired(shop, agent):
    o, _s = parcel(shop, at=NOW - 5 * D, status=OrderStatus.SUCCESS, success_at=NOW - 10 * D)
    sweep()
    done_before = FollowUp.objects.get(order=o)
    followup_resolve(actor=agent, followup_id=done_before.pk, result="买家已收到", now=NOW)
    tracked(o.shipments.get(), "signed", at=NOW - 2 * D)
    # A reship that stalls after the resolve, so there is an open one again.
    s2 = shipped(o, at=NOW - 3 * D, direction="reship")
    sweep()
    still_open = FollowUp.objects.get(order=o, status="open")
    assert still_open.shipment_id == s2.pk

    # A second before the 15 days end it stays; at exactly 15 days it leaves.
    sweep(now=o.success_at + 15 * D - S)
    assert FollowUp.objects.get(pk=still_open.pk).status == "open"
    result = sweep(now=o.success_at + 15 * D)

    left = FollowUp.objects.get(pk=still_open.pk)
    assert (left.status, left.resolved_at, left.resolved_by_id) == (
        "expired",
        o.success_at + 15 * D,
        None,
    )
    assert result.expired == 1
    # What an agent closed stays as they closed it.
    assert FollowUp.objects.get(pk=done_before.pk).status == "done"


@pytest.mark.django_db
def test_a_closed_order_leaves_the_watch(shop):
    o, _s = parcel(shop, at=NOW - 5 * D)
    sweep()
    o.status = OrderStatus.CLOSED
    o.save()

    sweep(now=NOW + H)

    assert FollowUp.objects.get(order=o).status == "expired"


# --- logistics stalled -----------------------------------------------------------------------


@pytest.mark.django_db
def test_stalled_at_exactly_48_hours_without_an_event_and_not_a_second_before(shop):
    exactly, _ = parcel(shop, "in_transit", at=NOW - 48 * H)
    almost, _ = parcel(shop, "in_transit", at=NOW - 48 * H + S)

    sweep()

    assert open_followups() == [(exactly.pk, STALLED)]
    f = FollowUp.objects.get(order=exactly)
    assert (f.basis_at, f.raised_at, f.due_at) == (NOW - 48 * H, NOW, NOW + 24 * H)
    assert f.rule == WatchRule.objects.get(shop=None, kind=STALLED)


@pytest.mark.django_db
def test_a_parcel_never_heard_of_stalls_from_its_shipping_time(shop):
    o = order(shop)
    s = shipped(o, at=NOW - 48 * H)
    o2 = order(shop)
    shipped(o2, at=NOW - 47 * H)

    sweep()

    assert open_followups() == [(o.pk, STALLED)]
    assert FollowUp.objects.get(order=o).shipment_id == s.pk


@pytest.mark.django_db
def test_signed_or_problem_or_returned_parcels_do_not_stall(shop):
    parcel(shop, "signed", at=NOW - 5 * D)
    signed_by_hand = order(shop)
    shipped(signed_by_hand, at=NOW - 5 * D, sign_precision="date", signed_on=(NOW - 4 * D).date())
    parcel(shop, "stranded", at=NOW - 5 * D)
    o = order(shop)
    shipped(o, at=NOW - 5 * D, direction="return")

    sweep()

    assert [k for _o, k in open_followups()].count(STALLED) == 0


@pytest.mark.django_db
def test_a_shop_rule_replaces_the_every_shop_rule_and_an_inactive_one_switches_the_kind_off(
    shop,
):
    other = ShopFactory(name="袜子专营店")
    third = ShopFactory(name="袜子折扣店")
    rule(STALLED, shop=shop, hours=24, due=4)
    rule(STALLED, shop=third, hours=24, active=False)
    ours, _ = parcel(shop, at=NOW - 24 * H)
    theirs_early, _ = parcel(other, at=NOW - 24 * H)
    theirs, _ = parcel(other, at=NOW - 48 * H)
    parcel(third, at=NOW - 5 * D)

    sweep()

    assert open_followups() == sorted([(ours.pk, STALLED), (theirs.pk, STALLED)])
    assert FollowUp.objects.get(order=ours).due_at == NOW + 4 * H


# --- the same fact once ------------------------------------------------------------------------


@pytest.mark.django_db
def test_running_the_sweep_again_raises_nothing_new(shop):
    parcel(shop, at=NOW - 3 * D)
    parcel(shop, "refused", at=NOW - H)

    first = sweep()
    again = sweep(now=NOW + H)

    assert first.total_raised == 2
    assert again.total_raised == 0
    assert FollowUp.objects.count() == 2


@pytest.mark.django_db
def test_a_followup_closed_is_not_raised_again_for_the_same_fact_only_for_a_new_one(shop, agent):
    o, s = parcel(shop, "in_transit", at=NOW - 3 * D)
    sweep()
    first = FollowUp.objects.get(order=o)
    followup_dismiss(actor=agent, followup_id=first.pk, reason="快递说明天派送", now=NOW)

    sweep(now=NOW + H)
    assert open_followups() == []

    # A new event, then silence again for 48 hours: a new fact.
    tracked(s, "out_for_delivery", at=NOW + 2 * H)
    sweep(now=NOW + 50 * H - S)
    assert open_followups() == []
    sweep(now=NOW + 50 * H)
    assert open_followups() == [(o.pk, STALLED)]
    assert FollowUp.objects.get(order=o, status="open").basis_at == NOW + 2 * H


# --- problem parcels, refusals, returns --------------------------------------------------------


@pytest.mark.django_db
def test_each_problem_status_raises_its_own_kind_once(shop):
    stranded, _ = parcel(shop, "stranded", at=NOW - H)
    out_of_area, _ = parcel(shop, "out_of_area", at=NOW - H)
    refused, _ = parcel(shop, "refused", at=NOW - H)
    returning, _ = parcel(shop, "returning", at=NOW - H)

    sweep()

    assert open_followups() == sorted(
        [
            (stranded.pk, PROBLEM),
            (out_of_area.pk, PROBLEM),
            (refused.pk, REFUSED),
            (returning.pk, RETURNING),
        ]
    )


@pytest.mark.django_db
@pytest.mark.parametrize("kind", [PROBLEM, REFUSED, RETURNING])
def test_a_threshold_on_a_status_raises_at_exactly_that_many_hours(shop, kind):
    status = {PROBLEM: "blind_area", REFUSED: "refused", RETURNING: "returning"}[kind]
    rule(kind, hours=6)
    exactly, _ = parcel(shop, status, at=NOW - 6 * H)
    parcel(shop, status, at=NOW - 6 * H + S)

    sweep()

    assert open_followups() == [(exactly.pk, kind)]


def _case(o, kind="return_refund", *, at, is_open=True):
    return Case.objects.create(
        number=f"AS{o.pk:09d}{kind[:3]}",
        shop=o.shop,
        order=o,
        kind=kind,
        status="requested" if is_open else "completed",
        is_open=is_open,
        created_at=at,
        updated_at=at,
    )


@pytest.mark.django_db
def test_an_open_problem_parcel_case_raises_a_problem_followup(shop):
    o = order(shop)
    shipped(o)
    case = _case(o, "problem_parcel", at=NOW - H)

    sweep()

    f = FollowUp.objects.get(order=o, kind=PROBLEM)
    assert (f.case_id, f.basis_at) == (case.pk, NOW - H)


@pytest.mark.django_db
def test_the_case_opened_for_a_problem_already_followed_up_is_not_a_second_followup(shop, agent):
    # Tracking said stranded; the parcels area opened its case from that event.
    o, _s = parcel(shop, "stranded", at=NOW - 2 * H)
    _case(o, "problem_parcel", at=NOW - 2 * H)
    sweep()
    f = FollowUp.objects.get(order=o)
    followup_resolve(actor=agent, followup_id=f.pk, result="已与买家约定自提", now=NOW)

    sweep(now=NOW + H)

    assert FollowUp.objects.filter(order=o).count() == 1


# --- signed by someone else ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raw_state", "context", "raised"),
    [
        ("304", "快件已签收", True),  # 投柜或站签收
        ("303", "已签收", True),  # 代签
        ("3", "已签收，签收人凭取货码签收。菜鸟驿站代收", True),
        ("", "您的快件已放入丰巢快递柜", True),
        ("301", "本人签收，如有疑问请联系派件员（驿站旁）", False),
        ("代签", "已签收", True),
        ("本人签收", "已签收，放在驿站旁边的家门口", False),
        ("3", "已签收，签收人：本人", False),
    ],
)
def test_signed_by_someone_else_by_the_code_or_else_by_the_words(shop, raw_state, context, raised):
    o, s = parcel(shop, "signed", at=NOW - H)
    event(s, "signed", at=NOW - H, raw_state=raw_state, context=context)

    sweep()

    assert open_followups() == ([(o.pk, OTHER)] if raised else [])


# --- an open case --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_case_open_for_72_hours_raises_a_followup_and_not_a_second_before(shop):
    o = order(shop, status=OrderStatus.SUCCESS, success_at=NOW - 5 * D)
    case = _case(o, at=NOW - 72 * H)
    young = order(shop, status=OrderStatus.SUCCESS, success_at=NOW - 5 * D)
    _case(young, at=NOW - 72 * H + S)
    closed = order(shop, status=OrderStatus.SUCCESS, success_at=NOW - 5 * D)
    _case(closed, at=NOW - 10 * D, is_open=False)

    sweep()

    assert open_followups() == [(o.pk, CASE)]
    assert FollowUp.objects.get(order=o).case_id == case.pk
