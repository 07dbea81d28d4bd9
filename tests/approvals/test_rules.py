"""Rules as rows: who may write them, what they may say, and which one a matter meets."""

import datetime as dt
from decimal import Decimal

import pytest

from aftersales.approvals.models import ApprovalRule
from aftersales.approvals.selectors import approval_rule_for
from aftersales.approvals.services import (
    MSG_GLOBAL_RULE_ADMIN,
    approval_rule_create,
    approval_rule_deactivate,
    approval_rule_update,
)
from aftersales.core.errors import DomainError, NotFound, PermissionDeniedError
from tests.approvals.factories import LATER, NOW, ApprovalRuleFactory

D = Decimal


def rules():
    return list(ApprovalRule.objects.order_by("id").values())


# --- which rule a matter meets -----------------------------------------------------------------


def test_the_shops_compensation_rule_fires_only_above_its_threshold(shop, rule):
    assert approval_rule_for(shop_id=shop.pk, case_kind="compensation", cost=D("50.00")) is None
    assert approval_rule_for(shop_id=shop.pk, case_kind="compensation", cost=D("50.01")) == rule


def test_an_inactive_rule_never_fires(shop, rule):
    rule.is_active = False
    rule.save()

    assert approval_rule_for(shop_id=shop.pk, case_kind="compensation", cost=D("999")) is None


def test_another_kind_meets_no_compensation_rule(shop, rule):
    assert approval_rule_for(shop_id=shop.pk, case_kind="repair", cost=D("999")) is None


def test_the_shops_rule_wins_over_every_shops_rule(shop, rule):
    ApprovalRuleFactory(shop=None, threshold=D("10.00"))

    assert approval_rule_for(shop_id=shop.pk, case_kind="compensation", cost=D("80")) == rule


def test_the_shops_own_rule_replaces_every_shops_for_its_kind(shop, rule):
    # The shop's rule asks above 50; every shop's default of 20 no longer holds it.
    ApprovalRuleFactory(shop=None, threshold=D("20.00"))

    assert approval_rule_for(shop_id=shop.pk, case_kind="compensation", cost=D("30")) is None


def test_every_shops_rule_serves_a_shop_without_its_own(shop, other_shop):
    everywhere = ApprovalRuleFactory(shop=None, threshold=D("20.00"))
    ApprovalRuleFactory(shop=other_shop, threshold=D("0.00"))

    assert approval_rule_for(shop_id=shop.pk, case_kind="compensation", cost=D("30")) == everywhere


def test_another_shops_rule_never_reaches_this_shop(shop, other_shop):
    ApprovalRuleFactory(shop=other_shop, threshold=D("0.00"))

    assert approval_rule_for(shop_id=shop.pk, case_kind="compensation", cost=D("999")) is None


def test_the_highest_tier_that_fires_decides(shop, rule):
    big = ApprovalRuleFactory(shop=shop, threshold=D("1000.00"), deadline_hours=4)

    assert approval_rule_for(shop_id=shop.pk, case_kind="compensation", cost=D("2000")) == big
    assert approval_rule_for(shop_id=shop.pk, case_kind="compensation", cost=D("500")) == rule


def test_a_repair_past_warranty_meets_its_rule(shop):
    past = ApprovalRuleFactory(shop=shop, case_kind="repair", condition="past_warranty")

    assert (
        approval_rule_for(
            shop_id=shop.pk,
            case_kind="repair",
            cost=D("0"),
            conditions=frozenset({"past_warranty"}),
        )
        == past
    )
    assert approval_rule_for(shop_id=shop.pk, case_kind="repair", cost=D("0")) is None


def test_finding_the_rule_is_one_query(shop, rule, django_assert_num_queries):
    ApprovalRuleFactory(shop=None, threshold=D("10.00"))

    with django_assert_num_queries(1):
        approval_rule_for(shop_id=shop.pk, case_kind="compensation", cost=D("80"))


# --- writing rules -----------------------------------------------------------------------------


def test_a_supervisor_writes_a_rule_for_their_shop(shop, supervisor):
    created = approval_rule_create(
        actor=supervisor,
        shop_id=shop.pk,
        case_kind="compensation",
        condition="amount_over",
        threshold=D("100"),
        deadline_hours=8,
        note=" 大额补偿 ",
        now=NOW,
    )

    created.refresh_from_db()
    assert created.shop_id == shop.pk
    assert created.case_kind == "compensation"
    assert created.condition == "amount_over"
    assert created.threshold == D("100.00")
    assert created.approver_role == "supervisor"
    assert created.deadline_hours == 8
    assert created.is_active is True
    assert created.note == "大额补偿"
    assert (created.created_by_id, created.created_at) == (supervisor.pk, NOW)
    assert (created.updated_by_id, created.updated_at) == (supervisor.pk, NOW)


def test_only_an_administrator_writes_a_rule_for_every_shop(supervisor, administrator):
    with pytest.raises(PermissionDeniedError) as exc:
        approval_rule_create(actor=supervisor, shop_id=None, condition="always", now=NOW)

    assert exc.value.code == "global_rule_admin_only"
    assert exc.value.message == MSG_GLOBAL_RULE_ADMIN
    assert rules() == []

    everywhere = approval_rule_create(
        actor=administrator, shop_id=None, condition="always", case_kind="review", now=NOW
    )
    assert everywhere.shop_id is None


def test_an_agent_writes_no_rules(shop, agent):
    with pytest.raises(PermissionDeniedError):
        approval_rule_create(actor=agent, shop_id=shop.pk, condition="always", now=NOW)

    assert rules() == []


def test_the_outsider_cannot_write_a_rule_for_this_shop(shop, outsider):
    with pytest.raises(NotFound):
        approval_rule_create(actor=outsider, shop_id=shop.pk, condition="always", now=NOW)

    assert rules() == []


@pytest.mark.parametrize(
    ("values", "field", "code"),
    [
        ({"condition": "full_moon"}, "condition", "invalid"),
        ({"threshold": D("-1")}, "threshold", "invalid"),
        ({"approver_role": "agent"}, "approver_role", "approver_role_cannot_decide"),
        ({"approver_role": "nobody"}, "approver_role", "approver_role_cannot_decide"),
        ({"deadline_hours": 0}, "deadline_hours", "invalid"),
        ({"deadline_hours": 24 * 365 + 1}, "deadline_hours", "invalid"),
        ({"case_kind": "补偿"}, "case_kind", "invalid"),
        ({"note": "说" * 256}, "note", "too_long"),
    ],
)
def test_a_rule_that_could_not_work_is_refused(shop, supervisor, values, field, code):
    """An approver role without the power to decide would leave its approvals undecidable."""
    with pytest.raises(DomainError) as exc:
        approval_rule_create(
            actor=supervisor, shop_id=shop.pk, now=NOW, **{"condition": "amount_over", **values}
        )

    assert (exc.value.field, exc.value.code, exc.value.status) == (field, code, 422)
    assert rules() == []


def test_update_changes_what_is_given_and_records_who(rule, supervisor2):
    updated = approval_rule_update(
        actor=supervisor2, rule_id=rule.pk, now=LATER, threshold=D("80"), deadline_hours=12
    )

    updated.refresh_from_db()
    assert updated.threshold == D("80.00")
    assert updated.deadline_hours == 12
    assert updated.condition == "amount_over"
    assert (updated.updated_by_id, updated.updated_at) == (supervisor2.pk, LATER)
    assert updated.created_at == NOW


def test_an_update_that_changes_nothing_writes_nothing(rule, supervisor):
    before = rules()

    approval_rule_update(actor=supervisor, rule_id=rule.pk, now=LATER, threshold=D("50.00"))

    assert rules() == before


def test_deactivate_switches_the_rule_off_and_keeps_it(rule, supervisor):
    approval_rule_deactivate(actor=supervisor, rule_id=rule.pk, now=LATER)

    rule.refresh_from_db()
    assert rule.is_active is False
    assert (rule.updated_by_id, rule.updated_at) == (supervisor.pk, LATER)


def test_the_outsider_cannot_touch_this_shops_rule(rule, outsider):
    before = rules()

    with pytest.raises(NotFound):
        approval_rule_update(actor=outsider, rule_id=rule.pk, now=LATER, threshold=D("0"))
    with pytest.raises(NotFound):
        approval_rule_deactivate(actor=outsider, rule_id=rule.pk, now=LATER)

    assert rules() == before


def test_a_supervisor_cannot_change_a_rule_of_every_shop(supervisor, administrator):
    everywhere = ApprovalRuleFactory(shop=None)
    before = rules()

    with pytest.raises(PermissionDeniedError):
        approval_rule_deactivate(actor=supervisor, rule_id=everywhere.pk, now=LATER)
    assert rules() == before

    approval_rule_deactivate(actor=administrator, rule_id=everywhere.pk, now=LATER)
    everywhere.refresh_from_db()
    assert everywhere.is_active is False


def test_a_rule_change_does_not_move_a_running_clock(approval, rule, supervisor):
    approval_rule_update(actor=supervisor, rule_id=rule.pk, now=LATER, deadline_hours=2)

    approval.refresh_from_db()
    assert approval.due_at == NOW + dt.timedelta(hours=24)
