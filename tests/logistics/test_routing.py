"""route_for at every boundary: which route (most specific wins, the shop's default), which
carrier (coverage rules at each level, suspensions on their first and last day, revoked
priority for one shop or every shop, reversed), and why each carrier was passed over."""

from __future__ import annotations

import datetime as dt

import pytest

from aftersales.logistics.models import FlagReason
from aftersales.logistics.services import Verdict, route_for
from aftersales.logistics.services.routing import decide_many
from tests.api import NOW, SHANGHAI
from tests.factories import ShopFactory
from tests.logistics.conftest import revoke, route, rule, suspension, unshipped

XJ = "新疆维吾尔自治区"
HOTAN = "和田地区"


def _verdicts(decision):
    return [(r.carrier.code, r.verdict) for r in decision.reasons]


def test_the_primary_carrier_is_chosen_when_it_covers(shop, zto, yto):
    route(shop, [zto, yto])
    order = unshipped(shop)

    decision = route_for(order, now=NOW)

    assert decision.carrier == zto
    assert decision.covered
    assert not decision.limited
    assert _verdicts(decision) == [("zto", Verdict.CHOSEN)]
    assert decision.flag_reason is None


def test_a_carrier_that_does_not_serve_the_district_is_passed_over_and_says_why(shop, zto, yto):
    route(shop, [zto, yto])
    rule(zto, XJ, HOTAN, "于田县", note="无网点")
    order = unshipped(shop, province="新疆", city="和田地区", district="于田县")

    decision = route_for(order, now=NOW)

    assert decision.carrier == yto
    assert _verdicts(decision) == [("zto", Verdict.NOT_COVERED), ("yto", Verdict.CHOSEN)]
    assert "新疆维吾尔自治区和田地区于田县" in decision.reasons[0].why
    assert "无网点" in decision.reasons[0].why
    assert decision.primary_skipped
    assert decision.flag_reason == FlagReason.PRIMARY_SKIPPED


def test_a_province_rule_covers_every_city_of_it(shop, zto, yto):
    route(shop, [zto, yto])
    rule(zto, "西藏自治区")
    order = unshipped(shop, province="西藏自治区", city="拉萨市", district="城关区")

    assert route_for(order, now=NOW).carrier == yto


def test_a_more_specific_rule_serves_a_city_of_a_province_not_served(shop, zto, yto):
    route(shop, [zto, yto])
    rule(zto, XJ)
    rule(zto, XJ, "乌鲁木齐市", coverage="full")
    urumqi = unshipped(shop, province=XJ, city="乌鲁木齐市", district="天山区")
    hotan = unshipped(shop, province=XJ, city=HOTAN, district="和田市")

    assert route_for(urumqi, now=NOW).carrier == zto
    assert route_for(hotan, now=NOW).carrier == yto


def test_a_district_rule_does_not_touch_the_next_district(shop, zto):
    route(shop, [zto])
    rule(zto, XJ, HOTAN, "于田县")
    order = unshipped(shop, province=XJ, city=HOTAN, district="民丰县")

    assert route_for(order, now=NOW).carrier == zto


def test_limited_coverage_is_chosen_and_said(shop, zto, yto):
    route(shop, [zto, yto])
    rule(zto, XJ, coverage="limited", note="时效 7-10 天，不送货上门")
    order = unshipped(shop, province=XJ, city=HOTAN, district="于田县")

    decision = route_for(order, now=NOW)

    assert decision.carrier == zto
    assert decision.limited
    assert _verdicts(decision) == [("zto", Verdict.LIMITED)]
    assert "不送货上门" in decision.reasons[0].why
    assert decision.flag_reason == FlagReason.LIMITED


def test_nothing_covers(shop, zto, yto):
    route(shop, [zto, yto])
    rule(zto, "西藏自治区")
    rule(yto, "西藏自治区", "阿里地区")
    order = unshipped(shop, province="西藏自治区", city="阿里地区", district="改则县")

    decision = route_for(order, now=NOW)

    assert decision.carrier is None
    assert not decision.covered
    assert _verdicts(decision) == [("zto", Verdict.NOT_COVERED), ("yto", Verdict.NOT_COVERED)]
    assert decision.flag_reason == FlagReason.NO_CARRIER


# --- routes: the most specific wins -----------------------------------------------------------


def test_the_most_specific_route_wins(shop, zto, yto, sf):
    route(shop, [zto])
    route(shop, [yto], province="浙江省")
    route(shop, [sf], province="浙江省", city="杭州市")
    hangzhou = unshipped(shop)
    ningbo = unshipped(shop, city="宁波市", district="鄞州区")
    shanghai = unshipped(shop, province="上海", city="上海市", district="浦东新区")

    assert route_for(hangzhou, now=NOW).carrier == sf
    assert route_for(ningbo, now=NOW).carrier == yto
    assert route_for(shanghai, now=NOW).carrier == zto


def test_a_district_route_beats_the_city_route(shop, zto, yto):
    route(shop, [zto], province="浙江省", city="杭州市")
    route(shop, [yto], province="浙江省", city="杭州市", district="西湖区")

    assert route_for(unshipped(shop), now=NOW).carrier == yto
    assert route_for(unshipped(shop, district="上城区"), now=NOW).carrier == zto


def test_without_a_matching_route_nothing_is_chosen(shop, zto):
    route(shop, [zto], province="江苏省")

    decision = route_for(unshipped(shop), now=NOW)

    assert decision.route is None
    assert decision.carrier is None
    assert decision.flag_reason == FlagReason.NO_ROUTE


def test_another_shops_route_is_not_read(shop, zto, yto):
    route(ShopFactory(), [yto])
    route(shop, [zto])

    assert route_for(unshipped(shop), now=NOW).carrier == zto


# --- suspensions: both days included ----------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "suspended"),
    [
        (dt.datetime(2026, 11, 9, 23, 59, tzinfo=SHANGHAI), False),
        (dt.datetime(2026, 11, 10, 0, 0, tzinfo=SHANGHAI), True),
        (dt.datetime(2026, 11, 12, 23, 59, tzinfo=SHANGHAI), True),
        (dt.datetime(2026, 11, 13, 0, 0, tzinfo=SHANGHAI), False),
        # 23:30 UTC on the 12th is already the 13th in Shanghai.
        (dt.datetime(2026, 11, 12, 16, 30, tzinfo=dt.UTC), False),
        (dt.datetime(2026, 11, 12, 15, 30, tzinfo=dt.UTC), True),
    ],
)
def test_a_suspension_counts_from_its_first_day_through_its_last(shop, zto, yto, now, suspended):
    route(shop, [zto, yto])
    suspension(
        zto,
        "杭州西湖网点",
        "浙江省",
        "杭州市",
        "西湖区",
        starts_on=dt.date(2026, 11, 10),
        ends_on=dt.date(2026, 11, 12),
    )

    decision = route_for(unshipped(shop), now=now)

    assert decision.carrier == (yto if suspended else zto)
    if suspended:
        assert decision.reasons[0].verdict == Verdict.SUSPENDED
        assert "杭州西湖网点" in decision.reasons[0].why
        assert "2026-11-12" in decision.reasons[0].why


def test_a_suspension_of_a_city_suspends_its_districts(shop, zto, yto):
    route(shop, [zto, yto])
    suspension(zto, "杭州转运中心", "浙江省", "杭州市", starts_on=NOW.date(), ends_on=NOW.date())

    assert route_for(unshipped(shop, district="上城区"), now=NOW).carrier == yto
    assert route_for(unshipped(shop, city="宁波市", district="鄞州区"), now=NOW).carrier == zto


# --- revoked priority ---------------------------------------------------------------------------


def test_a_revoked_carrier_is_passed_over_until_the_end_of_the_period(shop, zto, yto):
    route(shop, [zto, yto])
    ends = NOW + dt.timedelta(days=3)
    revoke(zto, shop=shop, starts_at=NOW, ends_at=ends, reason="超区率超标")
    order = unshipped(shop)

    at_start = route_for(order, now=NOW)
    before = route_for(order, now=NOW - dt.timedelta(seconds=1))
    at_end = route_for(order, now=ends)

    assert at_start.carrier == yto
    assert at_start.reasons[0].verdict == Verdict.REVOKED
    assert "超区率超标" in at_start.reasons[0].why
    assert before.carrier == zto
    assert at_end.carrier == zto


def test_a_revocation_for_every_shop_applies_to_each(shop, zto, yto):
    route(shop, [zto, yto])
    revoke(zto, shop=None)

    assert route_for(unshipped(shop), now=NOW).carrier == yto


def test_a_revocation_for_another_shop_does_not_apply(shop, zto, yto):
    route(shop, [zto, yto])
    revoke(zto, shop=ShopFactory())

    assert route_for(unshipped(shop), now=NOW).carrier == zto


def test_a_reversed_revocation_no_longer_applies_from_its_reversal(shop, zto, yto, supervisor):
    route(shop, [zto, yto])
    revoke(zto, shop=shop, reversed_at=NOW - dt.timedelta(hours=1))
    order = unshipped(shop)

    assert route_for(order, now=NOW).carrier == zto
    assert route_for(order, now=NOW - dt.timedelta(hours=2)).carrier == yto


def test_every_carrier_revoked_leaves_none(shop, zto, yto):
    route(shop, [zto, yto])
    revoke(zto)
    revoke(yto)

    decision = route_for(unshipped(shop), now=NOW)

    assert decision.carrier is None
    assert _verdicts(decision) == [("zto", Verdict.REVOKED), ("yto", Verdict.REVOKED)]


# --- addresses --------------------------------------------------------------------------------


def test_short_names_on_the_order_match_a_rule_written_in_full(shop, zto, yto):
    route(shop, [zto, yto])
    rule(zto, "西藏自治区")

    assert (
        route_for(unshipped(shop, province="西藏", city="拉萨", district=""), now=NOW).carrier
        == yto
    )


def test_an_order_with_only_a_free_text_address_is_parsed(shop, zto, yto):
    route(shop, [zto, yto])
    rule(zto, XJ, HOTAN)
    order = unshipped(shop, province="", city="", district="", street="新疆和田于田县加依乡 12号")

    decision = route_for(order, now=NOW)

    assert decision.region == (XJ, HOTAN, "于田县")
    assert decision.carrier == yto


def test_an_address_the_parser_cannot_place_is_said(shop, zto):
    route(shop, [zto])
    order = unshipped(shop, province="", city="", district="", street="门口第三棵树下")

    decision = route_for(order, now=NOW)

    assert decision.carrier is None
    assert decision.flag_reason == FlagReason.ADDRESS_UNKNOWN


def test_many_orders_are_decided_in_a_fixed_number_of_queries(
    shop, zto, yto, django_assert_max_num_queries
):
    route(shop, [zto, yto])
    route(shop, [yto], province="浙江省")
    rule(zto, XJ)
    suspension(zto, "网点", "浙江省", starts_on=NOW.date(), ends_on=NOW.date())
    revoke(yto, shop=shop, ends_at=NOW + dt.timedelta(days=1))
    orders = [unshipped(shop) for _ in range(5)] + [
        unshipped(shop, province=XJ, city=HOTAN, district="于田县") for _ in range(5)
    ]

    with django_assert_max_num_queries(6):
        decisions = decide_many(orders, now=NOW)

    assert len(decisions) == 10
