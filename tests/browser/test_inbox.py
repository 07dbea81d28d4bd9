"""The inbox: what is overdue stands out and comes first; the language switch."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from aftersales.returns.services import return_case_open
from tests.factories import OrderFactory, OrderLineFactory, ShipmentFactory

pytestmark = pytest.mark.browser


def _case_opened(shop, agent, *, hours_ago: int):
    """A quality return opened ``hours_ago``; the shop answers within 48 hours of it."""
    now = timezone.now()
    order = OrderFactory(shop=shop, created_at=now - dt.timedelta(days=10))
    line = OrderLineFactory(order=order, line_no=1)
    ShipmentFactory(order=order, sign_precision="exact", signed_at=now - dt.timedelta(days=6))
    return return_case_open(
        order=order,
        kind="return_refund",
        lines=[(line, 1)],
        reason="quality",
        actor=agent,
        now=now - dt.timedelta(hours=hours_ago),
    )


def test_overdue_cases_stand_out_and_come_first(
    page: Page, login, screenshot, shop, agent, outsider
):
    fresh = _case_opened(shop, agent, hours_ago=1)
    overdue_a_day = _case_opened(shop, agent, hours_ago=72)
    overdue_two_hours = _case_opened(shop, agent, hours_ago=50)
    _case_opened(outsider.shops.get(), outsider, hours_ago=100)

    login(agent)
    rows = page.locator("#inbox tbody tr")
    expect(rows).to_have_count(3)
    assert [r.get_attribute("data-case") for r in rows.all()] == [
        overdue_a_day.number,
        overdue_two_hours.number,
        fresh.number,
    ]
    expect(rows.nth(0).locator(".countdown")).to_have_text("已超时 1天0小时")
    expect(rows.nth(1).locator(".countdown")).to_have_text(re.compile(r"^已超时 2小时\d+分$"))
    expect(rows.nth(2).locator(".countdown")).to_have_text("剩 1天22小时")
    expect(rows.nth(0)).to_have_class("overdue")
    expect(rows.nth(2)).not_to_have_class("overdue")
    screenshot("inbox")

    page.get_by_label("只看超时").check()
    expect(rows).to_have_count(2)
    expect(page).to_have_url("/?q=&kind=&status=&assignee=&shop=&overdue=1")
    expect(page.locator("#inbox .countdown.overdue")).to_have_count(2)

    # Switching the language keeps the page and its filters; the strings may not be
    # translated yet, so only the document's language is checked.
    page.get_by_label("语言").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#f-overdue")).to_be_checked()
    expect(rows).to_have_count(2)
