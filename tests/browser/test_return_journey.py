"""Return and refund, from the order search to the refund, by three people in turn."""

import re

import pytest
from playwright.sync_api import Page, expect

from aftersales.cases.models import Case
from aftersales.returns.kinds import CaseStatus

pytestmark = pytest.mark.browser

WAYBILL = "SF1234567890"


def test_return_and_refund_from_order_search_to_completed(
    page: Page,
    login,
    logout,
    act,
    screenshot,
    confirmed,
    agent,
    warehouse,
    signed_order,
    sf_express,
):
    # The agent finds the order by its number and opens a no-reason return for 2 of 10 pairs.
    login(agent)
    page.get_by_role("link", name="订单", exact=True).click()
    page.get_by_label("搜索").fill(signed_order.order_no)
    page.get_by_role("button", name="查询").click()
    page.get_by_role("link", name=signed_order.order_no).click()
    expect(page.get_by_role("heading", name=f"订单 {signed_order.order_no}")).to_be_visible()
    page.get_by_role("link", name="新建售后单").click()
    page.get_by_label("售后类型").select_option(label="退货退款")
    page.get_by_label("原因").select_option(label="七天无理由")
    page.get_by_role("button", name="创建").click()
    expect(page.locator("#new-case .form-error")).to_have_text("请至少选择一个商品行。")
    assert not Case.objects.exists()
    expect(page.get_by_label("售后类型")).to_have_value("return_refund")
    page.get_by_label("男士中筒袜子 10双装").fill("2")
    page.get_by_role("button", name="创建").click()

    case = Case.objects.get(order=signed_order)
    expect(page.get_by_role("alert")).to_have_text(f"售后单 {case.number} 已创建。")
    expect(page.locator("#case-status")).to_have_text("待处理")
    expect(page.get_by_role("heading", name=f"退货退款 {case.number}")).to_be_visible()
    case_url = page.url

    # Refusing without a reason: the error shows in the refuse form, and nothing moves.
    act("refuse", "拒绝")
    expect(page.locator('#action-refuse .field-error[data-field="reason"]')).to_have_text(
        "这个字段是必填项。"
    )
    expect(page.locator("#action-refuse").get_by_label("拒绝原因")).to_have_class(
        re.compile(r"\bis-invalid\b")
    )
    assert page.url == case_url
    expect(page.locator("#case-status")).to_have_text("待处理")
    case.refresh_from_db()
    assert case.status == CaseStatus.REQUESTED

    act("agree", "同意")
    expect(page.locator("#case-status")).to_have_text("待买家退货")
    expect(page.get_by_role("alert")).to_have_text("已执行：同意")
    expect(
        page.locator("#kind-detail").get_by_text(
            "浙江省 杭州市 余杭区 仓前街道 文一西路 100号 售后仓"
        )
    ).to_be_visible()

    act("buyer_ship", "登记买家退货", {"快递公司": "顺丰速运", "运单号": WAYBILL})
    expect(page.locator("#case-status")).to_have_text("买家已退货")
    expect(page.locator("#shipments tbody td")).to_contain_text(["退回", "顺丰速运", WAYBILL])
    logout()

    # The warehouse finds the parcel's case by its waybill and records what came back.
    login(warehouse)
    page.get_by_label("搜索").fill(WAYBILL)
    page.get_by_label("搜索").press("Enter")
    rows = page.locator("#inbox tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-case", case.number)
    rows.first.get_by_role("link", name=case.number).click()
    expect(page.locator("#case-status")).to_have_text("买家已退货")
    expect(page.locator("#action-agree")).to_have_count(0)
    act(
        "receive",
        "仓库收货验货",
        {"男士中筒袜子 10双装 实收数量": "2", "商品完好": True, "验货说明": "包装完整"},
    )
    expect(page.locator("#case-status")).to_have_text("仓库已收货")
    logout()

    # The agent refunds; the platform reports success; the case closes itself.
    login(agent)
    page.get_by_role("link", name=case.number).click()
    act("refund", "退款")
    expect(page.locator("#case-status")).to_have_text("退款中")
    refund_row = page.locator("#refunds tbody tr")
    expect(refund_row).to_have_count(1)
    expect(refund_row.locator(".refund-status")).to_have_text("退款中")
    expect(refund_row).to_contain_text("¥19.80")
    refund_row.get_by_role("button", name="确认退款成功").click()
    expect(page.locator("#case-status")).to_have_text("已完成")
    expect(page.get_by_role("alert")).to_have_text("已确认退款成功。")
    expect(page.locator("#refunds .refund-status")).to_have_text("退款成功")
    expect(page.locator("#no-actions")).to_be_visible()

    steps = page.locator("#timeline li")
    expect(steps).to_have_count(9)
    for step, (who, what, move) in zip(
        steps.all(),
        [
            ("agent", "创建", ""),
            ("agent", "同意", "待处理 → 待买家退货"),
            ("系统", "买家消息", ""),
            ("agent", "登记买家退货", "待买家退货 → 买家已退货"),
            ("warehouse", "仓库收货验货", "买家已退货 → 仓库已收货"),
            ("agent", "退款", "仓库已收货 → 退款中"),
            ("系统", "买家消息", ""),
            ("agent", "退款结果", ""),
            ("系统", "完成", "退款中 → 已完成"),
        ],
        strict=True,
    ):
        expect(step.locator(".event-actor")).to_have_text(who)
        expect(step.locator(".event-action")).to_have_text(what)
        if move:
            expect(step.locator(".event-move")).to_have_text(move)
    expect(steps.nth(5).locator(".event-summary")).to_have_text("发起退款 ¥19.80")
    expect(steps.nth(7).locator(".event-summary")).to_have_text("退款成功 ¥19.80")
    # The money actions asked first and said what would happen.
    assert any("退款" in q for q in confirmed), confirmed
    assert any("¥19.80" in q for q in confirmed), confirmed
    screenshot("return-journey")
