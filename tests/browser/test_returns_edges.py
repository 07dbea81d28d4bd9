"""The rules of §1 at their edges, as an agent meets them on the case page: a refund that
failed and is retried, a refusal reported late, a damaged no-reason return refunded in part."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from aftersales.cases.services import case_act
from aftersales.returns.models import Refund
from aftersales.returns.services import return_case_open

pytestmark = pytest.mark.browser


def _open(order, agent, kind, reason, qty, **extra):
    return return_case_open(
        order=order,
        kind=kind,
        lines=[(order.lines.get(), qty)],
        reason=reason,
        actor=agent,
        now=timezone.now(),
        **extra,
    )


def test_a_failed_refund_goes_back_to_the_queue_and_is_retried(
    page: Page, login, act, screenshot, confirmed, agent, signed_order
):
    case = _open(signed_order, agent, "refund_only", "shortage", 1)
    login(agent)
    page.goto(f"/cases/{case.pk}/")

    # The amount is asked, filled with what the buyer asked, and the question names it.
    expect(page.locator("#action-agree").get_by_label("退款金额（元）")).to_have_value("9.90")
    act("agree", "同意")
    expect(page.locator("#case-status")).to_have_text("退款中")
    assert any("¥9.90" in q and case.order.buyer_nick in q for q in confirmed), confirmed

    page.locator("#refunds").get_by_role("button", name="退款失败").click()
    expect(page.locator("#case-status")).to_have_text("退款失败")
    expect(page.locator("#case-status")).to_have_class("badge text-bg-danger fs-6")
    expect(page.locator("#timeline li").last).to_contain_text("退款失败")
    screenshot("edges-refund-failed")

    act("retry_refund", "重新退款")
    expect(page.locator("#case-status")).to_have_text("退款中")
    pending = page.locator("#refunds tbody tr").last
    pending.get_by_role("button", name="确认退款成功").click()
    expect(page.locator("#case-status")).to_have_text("已完成")
    assert sorted(Refund.objects.filter(case=case).values_list("status", flat=True)) == [
        "failed",
        "succeeded",
    ]
    screenshot("edges-refund-retried")


def test_a_refusal_reported_late_is_marked(page: Page, login, screenshot, agent, signed_order):
    refused = timezone.now() - dt.timedelta(hours=30)
    case = _open(signed_order, agent, "refusal", "damaged", 10, refused_at=refused)
    login(agent)

    page.goto(f"/cases/{case.pk}/")

    expect(page.locator("#refusal-late")).to_have_text("逾期报告")
    expect(page.locator("#timeline")).to_contain_text("登记拒收")
    screenshot("edges-refusal-late")


def test_a_damaged_no_reason_return_is_refunded_in_part_with_a_reason(
    page: Page, login, act, screenshot, agent, warehouse, signed_order, sf_express
):
    case = _open(signed_order, agent, "return_refund", "no_reason", 2)
    now = timezone.now()
    case_act(case_id=case.pk, action="agree", actor=agent, now=now)
    ship = {"carrier": sf_express.pk, "waybill_no": "SF200", "freight": "10.00"}
    case_act(case_id=case.pk, action="buyer_ship", actor=agent, now=now, params=ship)
    case_act(
        case_id=case.pk,
        action="receive",
        actor=warehouse,
        now=now,
        params={"intact": False, "note": "吊牌缺失"},
    )
    login(agent)
    page.goto(f"/cases/{case.pk}/")

    form = page.locator("#action-refund")
    expect(form.get_by_label("退款金额（元）")).to_have_value("19.80")
    act("refund", "退款")
    expect(page.locator('#action-refund .field-error[data-field="amount"]')).to_contain_text(
        "不能全额退款"
    )
    act("refund", "退款", {"退款金额（元）": "15.00"})
    expect(page.locator('#action-refund .field-error[data-field="deduction_reason"]')).to_have_text(
        "商品不完好时请填写扣减原因。"
    )
    act("refund", "退款", {"退款金额（元）": "15.00", "扣减原因": "吊牌缺失，影响二次销售"})
    expect(page.locator("#case-status")).to_have_text("退款中")
    expect(page.locator("#refunds")).to_contain_text("¥15.00")
    screenshot("edges-partial-refund")
