"""A problem parcel from the carrier's event to the reship: Kuaidi100 pushes 超区 (2/207) for a
parcel, the case opens by itself, and the agent takes it from the inbox, reads the carrier's
contingency plan and records the reship by another carrier, which shows on the case and on
the order."""

import datetime as dt
import hashlib
import json
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from aftersales.cases.models import Case
from aftersales.logistics.models import ContingencyPlan
from aftersales.orders.models import Shipment
from tests.factories import CarrierFactory, OrderFactory, OrderLineFactory, ShipmentFactory

pytestmark = pytest.mark.browser

SHANGHAI = ZoneInfo("Asia/Shanghai")
SALT = "parcels-journey-salt"
WAYBILL = "YT8800123456789"
RESHIP_WAYBILL = "SF1460000123"
PLAN_NOTE = "圆通超区件：网点原件退回寄件人，退回运费由圆通承担；需尽快与买家商定改寄方式。"


def _push_form(shipped_at: dt.datetime) -> dict:
    """Kuaidi100's subscription push (PLATFORMS.md §1): the whole history, newest first,
    signed with MD5(param + salt)."""

    def line(at: dt.datetime, context: str, status: str, code: str) -> dict:
        local = at.astimezone(SHANGHAI)
        return {
            "context": context,
            "time": f"{local:%Y-%m-%d %H:%M}",
            "ftime": f"{local:%Y-%m-%d %H:%M:%S}",
            "status": status,
            "statusCode": code,
            "areaCode": "",
            "areaName": "",
        }

    out_of_area = shipped_at + dt.timedelta(days=2)
    param = json.dumps(
        {
            "status": "polling",
            "billstatus": "got",
            "message": "",
            "autoCheck": "0",
            "comOld": "",
            "comNew": "",
            "lastResult": {
                "message": "ok",
                "state": "2",
                "status": "200",
                "condition": "F00",
                "ischeck": "0",
                "com": "yuantong",
                "nu": WAYBILL,
                "data": [
                    line(
                        out_of_area, "【阿里地区】快件超出派送范围，请联系寄件方处理", "疑难", "207"
                    ),
                    line(
                        shipped_at + dt.timedelta(hours=2), "【广州市】快件已被揽收", "揽收", "103"
                    ),
                ],
            },
        },
        ensure_ascii=False,
    )
    sign = hashlib.md5((param + SALT).encode(), usedforsecurity=False).hexdigest().upper()
    return {"param": param, "sign": sign}


def test_problem_parcel_from_the_carriers_event_to_the_reship(
    page: Page, login, act, screenshot, confirmed, agent, shop, settings
):
    settings.KUAIDI100_SALT = SALT
    now = timezone.now()
    yto = CarrierFactory(code="yto", name="圆通速递")
    CarrierFactory(code="sf", name="顺丰速运")
    order = OrderFactory(
        shop=shop,
        province="西藏自治区",
        city="阿里地区",
        district="改则县",
        created_at=now - dt.timedelta(days=4),
        paid_at=now - dt.timedelta(days=4),
    )
    OrderLineFactory(order=order, line_no=1, title="男士中筒袜子 10双装")
    shipped_at = now - dt.timedelta(days=3)
    parcel = ShipmentFactory(order=order, carrier=yto, waybill_no=WAYBILL, shipped_at=shipped_at)
    ContingencyPlan.objects.create(
        carrier=yto,
        problem_kind="out_of_area",
        action="return_to_sender",
        note=PLAN_NOTE,
        updated_at=now,
    )

    # The carrier pushes 超区: the push is taken, and the case opens by itself.
    response = Client().post(
        "/api/v1/tracking/kuaidi100/push",
        urlencode(_push_form(shipped_at)),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200, response.content
    assert response.json()["result"] is True
    case = Case.objects.get(kind="problem_parcel")
    assert case.order == order
    assert case.created_by is None
    assert case.parcel_problem.shipment == parcel
    assert case.parcel_problem.problem_kind == "out_of_area"

    # The agent opens the problem parcels from the menu: the inbox, on this kind.
    login(agent)
    page.locator("#nav-parcels").click()
    row = page.locator("tr", has_text=case.number)
    expect(row).to_be_visible()
    expect(row).to_contain_text("快递问题件")
    expect(row).to_contain_text("待联系买家")
    screenshot("parcels-1-inbox")
    row.get_by_role("link", name=case.number).click()

    # The parcel, the event that raised it and the carrier's plan.
    expect(page.get_by_role("heading", name=f"快递问题件 {case.number}")).to_be_visible()
    expect(page.locator("#case-status")).to_have_text("待联系买家")
    expect(page.locator("#problem-kind")).to_have_text("超区")
    expect(page.locator("#problem-waybill")).to_have_text(WAYBILL)
    expect(page.locator("#problem-event")).to_contain_text("快件超出派送范围")
    expect(page.locator("#plan-action")).to_have_text("退回寄件人")
    expect(page.locator("#plan-note")).to_have_text(PLAN_NOTE)
    screenshot("parcels-2-case-with-plan")

    # Agreed with the buyer: another carrier and reship. The page says what will happen.
    act(
        "reship_other_carrier",
        "换快递补寄",
        {"新的快递公司": "顺丰速运", "补寄运单号": RESHIP_WAYBILL, "补寄运费（元）": "18.00"},
    )
    expect(page.locator("#case-status")).to_have_text("已换快递补寄")
    assert len(confirmed) == 1
    question = confirmed[0]
    assert "换快递补寄" in question
    assert order.buyer_nick in question
    assert order.order_no in question
    assert "扣减库存" in question
    assert WAYBILL in question
    expect(page.locator("#outcome")).to_have_text("换快递补寄")
    expect(page.locator("#outcome-reship")).to_have_text(f"顺丰速运 {RESHIP_WAYBILL}")
    expect(page.locator("#reship-lines")).to_contain_text("男士中筒袜子 10双装")
    screenshot("parcels-3-reshipped")

    reship = Shipment.objects.get(direction="reship")
    assert reship.case_id == case.pk
    assert reship.order_id == order.pk
    assert reship.waybill_no == RESHIP_WAYBILL

    # The reship is on the order too.
    page.goto(f"/orders/{order.pk}/")
    expect(page.get_by_role("cell", name=RESHIP_WAYBILL)).to_be_visible()
    expect(page.get_by_role("cell", name=WAYBILL)).to_be_visible()
    screenshot("parcels-4-order")
