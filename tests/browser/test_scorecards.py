"""A supervisor opens the carrier scorecard: the charts are drawn by ECharts (from our own
static files) and the table beside them shows the month's figures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import get_resolver
from django.utils import timezone
from playwright.sync_api import Page, expect

from aftersales.scorecards import policies
from tests.factories import CarrierFactory
from tests.scorecards.conftest import event, ship

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _urls_loaded():
    # The first request imports every view and the whole API, seconds on a busy machine: more
    # than the page's 5 s. The live server shares this process's modules; load them first.
    assert get_resolver().url_patterns


def test_a_supervisor_reads_the_carrier_scorecard(page: Page, login, screenshot, supervisor, shop):
    # Last month in Shanghai: yto 5 parcels (2 out of area, 1 stranded), zto 3 (1 refused).
    month = policies.previous_month(timezone.now())
    day = dt.datetime(month.year, month.month, 10, 9, tzinfo=policies.SHANGHAI)
    yto = CarrierFactory(code="yto", name="圆通速递")
    zto = CarrierFactory(code="zto", name="中通快递")
    ytos = [
        ship(shop, yto, day + dt.timedelta(hours=i), signed_at=day + dt.timedelta(hours=30 + i))
        for i in range(5)
    ]
    event(ytos[0], "out_of_area")
    event(ytos[1], "out_of_area")
    event(ytos[2], "stranded")
    ztos = [ship(shop, zto, day) for _ in range(3)]
    event(ztos[0], "refused")
    login(supervisor)

    page.locator("#nav-scorecards").click()
    expect(page.get_by_role("heading", name="快递考核")).to_be_visible()
    page.locator("#month").fill(f"{month:%Y-%m}")
    page.get_by_role("button", name="查看").click()

    yto_row = page.locator("#carrier-yto")
    expect(yto_row.locator(".parcels")).to_have_text("5")
    expect(yto_row.locator(".kind-out_of_area")).to_have_text("2")
    expect(yto_row.locator(".kind-stranded")).to_have_text("1")
    expect(yto_row.locator(".out-of-area-rate")).to_have_text("40.00%")
    expect(yto_row.locator(".problem-rate")).to_have_text("60.00%")
    expect(yto_row.locator(".sign-time")).to_contain_text("平均 30.0 小时")
    expect(page.locator("#carrier-zto .kind-refused")).to_have_text("1")
    expect(page.locator("#scorecard-total")).to_contain_text("8")
    # Both charts drawn by ECharts, on canvases.
    expect(page.locator("#chart-problems canvas")).to_have_count(1)
    expect(page.locator("#chart-trend canvas")).to_have_count(1)
    drawn = page.evaluate(
        """() => ['chart-problems', 'chart-trend'].map(id => {
            const chart = echarts.getInstanceByDom(document.getElementById(id));
            return chart ? chart.getOption().series.map(s => s.name) : null;
        })"""
    )
    assert drawn[0] == ["发货件数", "超区", "盲区/无网点", "滞留", "拒收", "退回"]
    assert sorted(drawn[1]) == sorted(["圆通速递", "中通快递"])
    bars = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('chart-problems'))"
        ".getOption().series[0].data"
    )
    assert bars == [5, 3]
    # The tooltip over yto's bars, drawn on the canvas: no inline style for the page's CSP.
    box = page.locator("#chart-problems canvas").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.7)
    page.wait_for_timeout(300)
    screenshot("scorecards")
