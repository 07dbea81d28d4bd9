"""Exchanges: the replacement ships from stock; without stock the exchange becomes a refund."""

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from aftersales.cases.models import Case
from aftersales.orders.models import Product
from aftersales.returns.kinds import CaseKind
from aftersales.returns.services import case_act, return_case_open
from tests.factories import ProductFactory

pytestmark = pytest.mark.browser


def test_exchange_ships_the_replacement_and_the_buyer_signs(
    page: Page, login, logout, act, screenshot, agent, warehouse, shop, signed_order, sf_express
):
    product = ProductFactory(shop=shop, sku_code="WZ-10", title="男士中筒袜子 10双装", stock=5)

    login(agent)
    page.goto(f"/orders/{signed_order.pk}/")
    page.get_by_role("link", name="新建售后单").click()
    page.get_by_label("售后类型").select_option(label="换货")
    page.get_by_label("原因").select_option(label="质量问题")
    page.get_by_label("买家诉求").fill("脚后跟开线，换一包同款")
    page.get_by_label("男士中筒袜子 10双装").fill("1")
    page.get_by_role("button", name="创建").click()
    expect(page.locator("#case-status")).to_have_text("待处理")
    case = Case.objects.get(order=signed_order)
    expect(page.get_by_role("heading", name=f"换货 {case.number}")).to_be_visible()

    act("agree", "同意")
    expect(page.locator("#case-status")).to_have_text("待买家退货")
    act("buyer_ship", "登记买家退货", {"快递公司": "顺丰速运", "运单号": "SF0000000001"})
    expect(page.locator("#case-status")).to_have_text("买家已退货")
    logout()

    login(warehouse)
    page.get_by_role("link", name=case.number).click()
    expect(page.locator("#action-receive").get_by_label("商品完好")).to_be_checked()
    act("receive", "仓库收货验货", {"男士中筒袜子 10双装 实收数量": "1"})
    expect(page.locator("#case-status")).to_have_text("仓库已收货")
    act("ship_replacement", "发出换货", {"快递公司": "顺丰速运", "运单号": "SF0000000002"})
    expect(page.locator("#case-status")).to_have_text("换货已发出")
    expect(page.get_by_role("alert")).to_have_text("已执行：发出换货")
    parcels = page.locator("#shipments tbody tr")
    expect(parcels.nth(0).locator("td")).to_contain_text(["退回", "顺丰速运", "SF0000000001"])
    expect(parcels.nth(1).locator("td")).to_contain_text(["换货发出", "顺丰速运", "SF0000000002"])
    logout()

    login(agent)
    page.goto(f"/cases/{case.pk}/")
    act("buyer_sign", "买家已签收")
    expect(page.locator("#case-status")).to_have_text("已完成")
    expect(page.locator("#timeline .event-action")).to_have_text(
        # The messages sent to the buyer (where to send the goods, the replacement's waybill)
        # stand on the timeline beside what was done.
        [
            "创建",
            "同意",
            "买家消息",
            "登记买家退货",
            "仓库收货验货",
            "发出换货",
            "买家消息",
            "买家已签收",
        ]
    )
    product.refresh_from_db()
    assert product.stock == 4
    screenshot("exchange-journey")

    # The order's page lists the case and both parcels.
    page.get_by_role("link", name=signed_order.order_no).click()
    expect(page.get_by_role("link", name=case.number)).to_be_visible()
    expect(page.get_by_role("cell", name="SF0000000002")).to_be_visible()
    expect(page.get_by_role("cell", name="SF0000000001")).to_be_visible()


@pytest.fixture
def received_exchange(signed_order, agent, warehouse, sf_express):
    """An exchange whose returned goods the warehouse has received (agreed while the
    replacement was in stock)."""
    now = timezone.now()
    line = signed_order.lines.get()
    ProductFactory(shop=signed_order.shop, sku_code="WZ-10", title="男士中筒袜子 10双装", stock=2)
    case = return_case_open(
        order=signed_order,
        kind=CaseKind.EXCHANGE,
        lines=[(line, 2)],
        reason="quality",
        actor=agent,
        now=now,
    )
    case_act(case_id=case.pk, action="agree", actor=agent, now=now)
    case_act(
        case_id=case.pk,
        action="buyer_ship",
        actor=agent,
        now=now,
        params={"carrier": sf_express.pk, "waybill_no": "SF0000000003"},
    )
    case_act(
        case_id=case.pk,
        action="receive",
        actor=warehouse,
        now=now,
        params={"received": {str(line.pk): 2}, "intact": True},
    )
    return case


def test_exchange_without_stock_becomes_a_refund(
    page: Page, login, logout, act, shop, agent, warehouse, received_exchange
):
    # Sold elsewhere since the agreement: none left when the replacement is to ship.
    product = Product.objects.get(shop=shop, sku_code="WZ-10")
    product.stock = 0
    product.save(update_fields=["stock"])
    case = received_exchange

    # Only what can succeed now is offered: without stock the warehouse has nothing to ship.
    login(warehouse)
    page.goto(f"/cases/{case.pk}/")
    expect(page.locator("#actions .action-form")).to_have_count(0)
    expect(page.locator("#no-actions")).to_be_visible()
    logout()

    login(agent)
    page.goto(f"/cases/{case.pk}/")
    act("convert_to_refund", "无货转退款")
    expect(page.locator("#case-status")).to_have_text("退款中")
    expect(page.get_by_role("heading", name=f"退货退款 {case.number}")).to_be_visible()
    expect(page.locator("#refunds .refund-status")).to_have_text("退款中")
    expect(page.locator("#refunds tbody tr")).to_contain_text("¥19.80")
    product.refresh_from_db()
    assert product.stock == 0
