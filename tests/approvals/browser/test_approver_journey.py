"""The approver's journey in a real browser: the menu's count, the queue, a rejection that
asks for its reason and confirms what it will do, an approval, and the count going down."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from aftersales.approvals.models import ApprovalStatus
from aftersales.approvals.services import approval_request
from tests.approvals.factories import ApprovalRuleFactory, CaseFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("site")]


def _requested(shop, agent, *, amount, hours_ago):
    now = timezone.now()
    return approval_request(
        case=CaseFactory(shop=shop, created_at=now, updated_at=now),
        kind="compensation",
        amount=Decimal(amount),
        summary=f"现金补偿 {amount}",
        actor=agent,
        now=now - dt.timedelta(hours=hours_ago),
        rule=ApprovalRuleFactory(shop=shop),
    )


def test_the_supervisor_works_the_queue(
    page: Page, login, screenshot, confirmed, shop, agent, supervisor, area
):
    overdue = _requested(shop, agent, amount="120.00", hours_ago=30)
    fresh = _requested(shop, agent, amount="80.00", hours_ago=1)

    login(supervisor)
    expect(page.locator("#approval-count")).to_have_text("2")
    page.locator("#nav-approvals").click()
    expect(page.get_by_role("heading", name="待我审批")).to_be_visible()
    rows = page.locator("#approval-queue tbody tr")
    expect(rows).to_have_count(2)
    # What is overdue comes first, in red.
    expect(rows.nth(0)).to_have_id(f"approval-{overdue.pk}")
    expect(rows.nth(0)).to_have_class("overdue")
    countdowns = page.locator("#approval-queue .countdown")
    expect(countdowns.nth(0)).to_have_class(re.compile("overdue"))
    expect(countdowns.nth(0)).to_have_text(re.compile(r"^已超时 6小时\d+分$"))
    expect(countdowns.nth(1)).to_have_text(re.compile(r"^剩 2[23]小时\d+分$"))
    screenshot("approvals-queue")

    # Rejecting without a reason: the browser asks for one before anything is sent.
    cell = page.locator(f"#decide-{overdue.pk}")
    cell.get_by_role("button", name="驳回").click()
    assert confirmed == []
    cell.get_by_placeholder("驳回原因（必填）").fill("补偿金额超过商品价值")
    cell.get_by_role("button", name="驳回").click()
    expect(cell.locator(".decided")).to_have_text("已驳回")
    assert confirmed == [
        f"驳回售后单 {overdue.case.number} 的申请（金额 ¥120.00）？"
        "驳回后该售后单退回重新处理，驳回原因记录在案。"
    ]
    expect(page.locator("#approval-count")).to_have_text("1")

    page.locator(f"#decide-{fresh.pk}").get_by_role("button", name="批准").click()
    expect(page.locator(f"#decide-{fresh.pk} .decided")).to_have_text("已批准")
    assert confirmed[1] == (
        f"批准售后单 {fresh.case.number} 的申请「现金补偿 80.00」，金额 ¥80.00？"
        "批准后该售后单将按申请继续办理。"
    )
    expect(page.locator("#approval-count")).to_be_hidden()
    screenshot("approvals-decided")

    overdue.refresh_from_db()
    fresh.refresh_from_db()
    assert (overdue.status, overdue.comment) == (ApprovalStatus.REJECTED, "补偿金额超过商品价值")
    assert (fresh.status, fresh.decided_by_id) == (ApprovalStatus.APPROVED, supervisor.pk)
    assert [c["approve"] for c in area.calls] == [False, True]


def test_the_supervisor_sets_a_rule_and_switches_one_off(
    page: Page, login, screenshot, confirmed, shop, supervisor
):
    from aftersales.approvals.models import ApprovalRule

    old = ApprovalRuleFactory(shop=shop, note="由店铺的补偿审批阈值迁移而来")
    ApprovalRuleFactory(shop=None, case_kind="", condition="review_compensation")

    login(supervisor)
    page.locator("#nav-approvals").click()
    page.get_by_role("link", name="审批规则").click()
    expect(page.locator("#rules tbody tr")).to_have_count(2)
    page.get_by_role("link", name="新建规则").click()
    page.get_by_label("金额阈值").fill("1000")
    page.get_by_label("审批时限（小时）").fill("4")
    page.get_by_label("售后类型").fill("compensation")
    page.get_by_label("说明").fill("大额补偿，4 小时内审批")
    screenshot("approvals-rule-form")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("alert")).to_have_text("审批规则已创建。")
    expect(page.locator("#rules tbody tr")).to_have_count(3)

    page.locator(f"#rule-{old.pk}").get_by_role("button", name="停用").click()
    expect(page.get_by_role("alert")).to_have_text("审批规则已停用。")
    assert confirmed == [
        "停用这条“金额超过阈值”规则？停用后新的申请不再按它审批，已提交的审批不受影响。"
    ]
    expect(page.locator(f"#rule-{old.pk}")).to_contain_text("已停用")
    screenshot("approvals-rules")

    new = ApprovalRule.objects.get(note="大额补偿，4 小时内审批")
    assert (new.threshold, new.deadline_hours, new.created_by_id) == (
        Decimal("1000.00"),
        4,
        supervisor.pk,
    )
