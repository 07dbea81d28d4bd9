"""The warehouse's own queue: the parcels on their way back, what is due first; one received,
it leaves the queue."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from aftersales.returns.kinds import CaseStatus
from aftersales.returns.services import case_act, return_case_open
from tests.factories import OrderFactory, OrderLineFactory, ShipmentFactory

pytestmark = pytest.mark.browser


def _case(shop, agent, kind: str, *, hours_ago: int, nick: str):
    now = timezone.now()
    opened = now - dt.timedelta(hours=hours_ago)
    order = OrderFactory(shop=shop, created_at=now - dt.timedelta(days=10), buyer_nick=nick)
    line = OrderLineFactory(order=order, line_no=1)
    ShipmentFactory(order=order, sign_precision="exact", signed_at=now - dt.timedelta(days=6))
    extra = {"refused_at": opened - dt.timedelta(hours=1)} if kind == "refusal" else {}
    return return_case_open(
        order=order,
        kind=kind,
        lines=[(line, 2)],
        reason="quality",
        actor=agent,
        now=opened,
        **extra,
    )


def test_the_warehouse_receives_a_parcel_of_its_queue_and_it_leaves(
    page: Page, login, act, screenshot, shop, agent, warehouse, sf_express
):
    # A refused parcel on its way back (the shop's 48 hours running), a buyer's return shipped
    # back (no clock), and a case still waiting for the agent: not the warehouse's.
    refused = _case(shop, agent, "refusal", hours_ago=40, nick="tb-refused")
    returned = _case(
        shop, agent, "return_refund", hours_ago=30, nick="一位昵称特别特别长的买家用户名2026"
    )
    case_act(case_id=returned.pk, action="agree", actor=agent, now=timezone.now())
    case_act(
        case_id=returned.pk,
        action="buyer_ship",
        actor=agent,
        now=timezone.now(),
        params={"carrier": "sf", "waybill_no": "SF5550001111"},
    )
    waiting = _case(shop, agent, "return_refund", hours_ago=2, nick="tb-waiting")

    login(warehouse)
    tab = page.locator('#inbox-tabs [data-tab="to_receive"]')
    expect(tab).to_have_class(re.compile(r"\bactive\b"))
    expect(tab.locator(".tab-count")).to_have_text("2")
    rows = page.locator("#inbox tbody tr")
    expect(rows).to_have_count(2)
    assert [r.get_attribute("data-case") for r in rows.all()] == [
        refused.number,
        returned.number,
    ]
    expect(rows.nth(0).locator(".countdown")).to_have_text(re.compile(r"^剩 7小时\d+分$"))
    expect(rows.nth(1).locator(".due")).to_have_text("—")
    expect(rows.nth(1)).to_contain_text("买家已退货")
    expect(page.locator(f'tr[data-case="{waiting.number}"]')).to_have_count(0)
    # Nothing to take or hand out here.
    expect(page.locator("#inbox .take")).to_have_count(0)
    expect(page.locator("#bulk-assign")).to_have_count(0)
    screenshot("warehouse-queue")

    rows.nth(1).get_by_role("link", name=returned.number).click()
    expect(page.locator("#case-status")).to_have_text("买家已退货")
    act(
        "receive",
        "仓库收货验货",
        {"男士中筒袜子 10双装 实收数量": "2", "商品完好": True, "验货说明": "包装完整"},
    )
    expect(page.locator("#case-status")).to_have_text("仓库已收货")
    returned.refresh_from_db()
    assert returned.status == CaseStatus.RECEIVED

    page.get_by_role("link", name="待办", exact=True).click()
    expect(tab.locator(".tab-count")).to_have_text("1")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-case", refused.number)
    screenshot("warehouse-queue-after-receiving")
