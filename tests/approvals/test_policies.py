"""The rules of approvals without a database: when a rule fires, which one wins, the clock."""

import datetime as dt
from decimal import Decimal

import pytest

from aftersales.approvals.models import RuleCondition
from aftersales.approvals.policies import (
    CONDITIONS,
    RuleFacts,
    due_at_for,
    is_overdue,
    rule_applies,
    rule_pick,
)

D = Decimal
SHOP = 7
OTHER_SHOP = 8
UTC = dt.UTC


def rule(id=1, *, shop_id=SHOP, case_kind="compensation", condition="amount_over", threshold="50"):
    return RuleFacts(
        id=id, shop_id=shop_id, case_kind=case_kind, condition=condition, threshold=D(threshold)
    )


def fires(r, cost, kind="compensation", conditions=frozenset()):
    return rule_applies(r, case_kind=kind, cost=D(cost), conditions=frozenset(conditions))


def pick(rules, cost, kind="compensation", conditions=frozenset(), shop_id=SHOP):
    return rule_pick(
        rules, shop_id=shop_id, case_kind=kind, cost=D(cost), conditions=frozenset(conditions)
    )


# --- when a rule fires -----------------------------------------------------------------------


def test_the_policy_knows_every_condition_a_rule_can_have():
    assert set(RuleCondition.values) == CONDITIONS


def test_amount_equal_to_the_threshold_does_not_fire():
    assert fires(rule(threshold="50.00"), "50.00") is False


def test_a_cent_over_the_threshold_fires():
    assert fires(rule(threshold="50.00"), "50.01") is True


def test_the_amount_is_compared_to_the_cent():
    # 50.004 is 50.00 in money: not over.
    assert fires(rule(threshold="50.00"), "50.004") is False
    assert fires(rule(threshold="50.00"), "50.005") is True


def test_a_zero_threshold_fires_for_any_cost_above_zero():
    assert fires(rule(threshold="0"), "0.00") is False
    assert fires(rule(threshold="0"), "0.01") is True


def test_always_fires_even_for_nothing():
    assert fires(rule(condition="always", threshold="1000"), "0") is True


@pytest.mark.parametrize("condition", ["past_warranty", "out_of_scope", "review_compensation"])
def test_a_fact_condition_fires_only_when_the_area_states_it(condition):
    r = rule(condition=condition, case_kind="", threshold="1000")

    assert fires(r, "0", conditions={condition}) is True
    assert fires(r, "5000", conditions=set()) is False
    assert fires(r, "5000", conditions=CONDITIONS - {condition}) is False


def test_a_rule_for_another_kind_does_not_fire():
    assert fires(rule(case_kind="repair"), "500") is False


def test_a_rule_for_any_kind_fires_for_every_kind():
    assert fires(rule(case_kind=""), "500", kind="repair") is True


def test_an_unknown_condition_never_fires():
    assert fires(rule(condition="full_moon"), "500") is False


# --- which rule wins -------------------------------------------------------------------------


def test_no_rule_fires_no_approval():
    assert pick([rule(threshold="50")], "50.00") is None
    assert pick([], "500") is None


def test_the_shops_rule_wins_over_every_shops_rule():
    shop_rule = rule(1, threshold="10")
    global_rule = rule(2, shop_id=None, threshold="40")

    assert pick([global_rule, shop_rule], "100") == shop_rule


def test_the_shops_own_rules_replace_every_shops_for_the_kind():
    # Every shop's rule is the default a shop starts with; a shop that set its own threshold
    # higher is not held at the default's.
    shop_rule = rule(1, threshold="100")
    global_rule = rule(2, shop_id=None, threshold="50")

    assert pick([shop_rule, global_rule], "80") is None
    assert pick([shop_rule, global_rule], "100.01") == shop_rule


def test_every_shops_rule_applies_where_the_shop_has_none_of_its_own():
    global_rule = rule(2, shop_id=None, threshold="50")
    other_kind = rule(1, case_kind="repair", threshold="0")

    assert pick([other_kind, global_rule], "80") == global_rule
    assert pick([other_kind, global_rule], "50") is None


def test_the_kinds_rule_wins_over_an_any_kind_rule_of_the_same_shop():
    any_kind = rule(1, case_kind="", threshold="80")
    this_kind = rule(2, case_kind="compensation", threshold="10")

    assert pick([any_kind, this_kind], "100") == this_kind


def test_of_several_firing_the_highest_threshold_wins():
    """Tiers: over 50 within a day, over 1000 within hours; 2000 is the second tier's."""
    low = rule(1, threshold="50")
    high = rule(2, threshold="1000")

    assert pick([low, high], "2000") == high
    assert pick([low, high], "500") == low


def test_on_a_tie_the_oldest_rule_wins():
    older = rule(3, threshold="50")
    newer = rule(9, threshold="50")

    assert pick([newer, older], "80") == older


def test_another_shops_rule_is_never_picked():
    assert pick([rule(1, shop_id=OTHER_SHOP, threshold="0")], "500") is None


# --- the clock -------------------------------------------------------------------------------


def test_the_deadline_is_the_rules_hours_after_the_request():
    at = dt.datetime(2026, 11, 14, 1, 30, tzinfo=UTC)

    assert due_at_for(requested_at=at, deadline_hours=24) == dt.datetime(
        2026, 11, 15, 1, 30, tzinfo=UTC
    )


def test_a_naive_request_time_is_refused():
    with pytest.raises(ValueError, match="aware"):
        due_at_for(requested_at=dt.datetime(2026, 11, 14, 1, 30), deadline_hours=24)  # noqa: DTZ001


def test_a_deadline_under_an_hour_is_refused():
    with pytest.raises(ValueError, match="deadline_hours"):
        due_at_for(requested_at=dt.datetime(2026, 11, 14, tzinfo=UTC), deadline_hours=0)


def test_overdue_only_once_the_deadline_has_passed_and_only_while_pending():
    due = dt.datetime(2026, 11, 15, 1, 30, tzinfo=UTC)
    second = dt.timedelta(seconds=1)

    assert is_overdue(status="pending", due_at=due, now=due) is False
    assert is_overdue(status="pending", due_at=due, now=due + second) is True
    assert is_overdue(status="approved", due_at=due, now=due + second) is False
    assert is_overdue(status="pending", due_at=None, now=due) is False
