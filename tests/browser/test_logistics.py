"""A supervisor sets the shop's route; the pre-ship sweep flags an order for Tibet that the
primary carrier does not serve; the agent sees the decision and its reasons on the order page
and settles the flag with what the buyer agreed."""

import urllib.request

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from aftersales.logistics.models import CoverageRule, PreShipFlag, Route
from aftersales.logistics.services.address import parse_address
from aftersales.logistics.services.flags import sweep
from aftersales.orders.models import OrderStatus
from tests.factories import CarrierFactory, OrderFactory, OrderLineFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def tibet_order(shop):
    zto = CarrierFactory(code="zto", name="中通快递")
    yto = CarrierFactory(code="yto", name="圆通速递")
    now = timezone.now()
    CoverageRule.objects.create(
        carrier=zto, province="西藏自治区", coverage="none", note="全境超区", updated_at=now
    )
    CoverageRule.objects.create(
        carrier=yto,
        province="西藏自治区",
        coverage="limited",
        note="时效 7-10 天，需到网点自提",
        updated_at=now,
    )
    order = OrderFactory(
        shop=shop,
        status=OrderStatus.WAIT_SELLER_SEND,
        province="西藏",
        city="阿里地区",
        district="改则县",
        street="改则镇商业街 3 号",
    )
    OrderLineFactory(order=order, line_no=1)
    return order


@pytest.fixture
def warm(live_server):
    """The server's first answer loads every URLconf and the address parser's tables its
    first parse: seconds on a busy machine, longer than a person's patience in the test's
    expectations. Done before the person arrives."""
    urllib.request.urlopen(live_server.url + "/accounts/login/", timeout=60).read()  # noqa: S310
    parse_address("西藏阿里地区")


def test_a_route_set_by_the_supervisor_is_explained_to_the_agent_who_settles_the_flag(
    page: Page, warm, login, logout, screenshot, confirmed, shop, agent, supervisor, tibet_order
):
    # The supervisor sets the shop's default route: 中通 first, then 圆通.
    login(supervisor)
    page.locator("#nav-logistics").click()
    expect(page.get_by_role("heading", name="快递覆盖范围")).to_be_visible()
    expect(page.locator("#coverage-table")).to_contain_text("全境超区")
    page.get_by_role("link", name="发货路由").click()
    page.locator("#route-new").click()
    page.get_by_label("店铺").select_option(label=shop.name)
    page.get_by_label("首选快递").select_option(label="中通快递")
    page.get_by_label("次选快递").select_option(label="圆通速递")
    screenshot("logistics-route-form")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_contain_text("路由已保存")
    row = page.locator("#routes tbody tr").first
    expect(row).to_contain_text("店铺默认（所有地区）")
    expect(row).to_contain_text("1. 中通快递")
    expect(row).to_contain_text("2. 圆通速递")

    # ... and checks an address typed as free text.
    page.locator("#route-check-form").get_by_label("收货地址").fill("西藏阿里地区改则县改则镇")
    page.locator("#route-check-form").get_by_role("button", name="检查").click()
    expect(page.locator("#parsed-region")).to_have_text("西藏自治区 阿里地区 改则县")
    expect(page.locator("#route-check .chosen-carrier")).to_have_text("圆通速递")
    screenshot("logistics-routes")
    assert Route.objects.filter(shop=shop).count() == 1
    logout()

    # The periodic sweep runs.
    sweep(now=timezone.now())

    # The agent opens the order: which carrier, and why not the first.
    login(agent)
    page.goto(f"/orders/{tibet_order.pk}/")
    panel = page.locator("#order-routing")
    expect(panel.locator(".chosen-carrier")).to_have_text("圆通速递")
    expect(panel).to_contain_text("有限覆盖")
    expect(panel.locator(".routing-reasons li").first).to_contain_text(
        "中通快递：不覆盖：西藏自治区的规则（全境超区）"
    )
    expect(panel.locator("#order-preship-flag")).to_contain_text("仅有限覆盖")
    screenshot("logistics-order-routing")

    # ... goes to the pre-ship list and settles the flag with what the buyer agreed.
    panel.get_by_role("link", name="去处理").click()
    expect(page.get_by_role("heading", name="发货前预警")).to_be_visible()
    flag = PreShipFlag.objects.get(order=tibet_order)
    row = page.locator(f"#flag-{flag.pk}")
    expect(row).to_contain_text(tibet_order.order_no)
    expect(row).to_contain_text("圆通速递：有限覆盖：西藏自治区（时效 7-10 天，需到网点自提）")
    screenshot("logistics-preship-list")
    row.get_by_label("处理说明").fill("买家同意到改则县城网点自提")
    row.get_by_role("button", name="标为已处理").click()
    expect(row).to_contain_text("已处理")
    expect(row).to_contain_text("买家同意到改则县城网点自提")
    assert confirmed[-1].startswith(f"将订单 {tibet_order.order_no} 的预警标为已处理？")
    screenshot("logistics-preship-settled")

    page.reload()
    expect(page.locator("#preship-empty")).to_be_visible()
    page.goto(f"/orders/{tibet_order.pk}/")
    expect(page.locator("#order-preship-settled")).to_contain_text("买家同意到改则县城网点自提")
    flag.refresh_from_db()
    assert flag.settled_by == agent
