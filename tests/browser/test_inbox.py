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
    expect(page).to_have_url("/?stage=mine&q=&kind=&status=&assignee=&overdue=1")
    expect(page.locator("#inbox .countdown.overdue")).to_have_count(2)

    # Switching the language keeps the page and its filters; the strings may not be
    # translated yet, so only the document's language is checked.
    page.get_by_label("语言").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#f-overdue")).to_be_checked()
    expect(rows).to_have_count(2)


def test_an_agent_takes_a_case_and_hands_two_to_a_colleague(
    page: Page, login, screenshot, confirmed, shop, agent, agent2
):
    first = _case_opened(shop, agent, hours_ago=30)
    second = _case_opened(shop, agent, hours_ago=20)
    third = _case_opened(shop, agent, hours_ago=10)

    login(agent)
    mine = page.locator('#inbox-tabs [data-tab="mine"]')
    expect(mine).to_have_class(re.compile(r"\bactive\b"))
    expect(mine.locator(".tab-count")).to_have_text("3")
    rows = page.locator("#inbox tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("#inbox .take")).to_have_count(3)
    screenshot("inbox-agent-queue")

    # 领取: the row comes back the agent's, in place.
    row = page.locator(f'tr[data-case="{first.number}"]')
    row.get_by_role("button", name="领取").click()
    expect(row.locator(".assignee")).to_have_text("agent")
    expect(page.locator("#inbox .take")).to_have_count(2)
    first.refresh_from_db()
    assert first.assignee == agent

    # Two ticked, handed to agent2 after saying how many and to whom.
    assign = page.get_by_role("button", name="分配", exact=True)
    expect(assign).to_be_disabled()
    page.get_by_label(f"选择 {second.number}").check()
    page.get_by_label(f"选择 {third.number}").check()
    expect(page.locator("#picked-count")).to_have_text("已选 2 个")
    page.get_by_label("分配给").select_option(label="agent2")
    screenshot("inbox-bulk-assign")
    assign.click()
    expect(page.locator("#assign-result")).to_have_text("已将 2 个售后单分配给 agent2。")
    assert confirmed == ["确认把 2 个售后单分配给 agent2？"]
    for case in (second, third):
        expect(page.locator(f'tr[data-case="{case.number}"] .assignee')).to_have_text("agent2")
        case.refresh_from_db()
        assert case.assignee == agent2
    # The rows were drawn again unticked, and the tabs counted again.
    expect(page.locator("#picked-count")).to_have_text("已选 0 个")
    expect(mine.locator(".tab-count")).to_have_text("1")
    screenshot("inbox-after-assign")

    # The search finds a case however it ended: part of the nick, in capitals.
    third.order.buyer_nick = "Tb_Sock_Lover_Who_Writes_A_Very_Long_Nickname_2026"
    third.order.save(update_fields=["buyer_nick"])
    from aftersales.returns.services import case_act

    case_act(
        case_id=third.pk,
        action="refuse",
        actor=agent2,
        now=timezone.now(),
        params={"reason": "超出售后范围"},
    )
    page.get_by_label("搜索").fill("SOCK_LOVER")
    page.get_by_label("搜索").press("Enter")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-case", third.number)
    expect(rows.first.locator(".due")).to_have_text("已结束")
    expect(page.locator("#search-note")).to_contain_text("含已结束的售后单")
    expect(page.locator("#inbox-tabs .active")).to_have_count(0)
    screenshot("inbox-search-closed")


def test_countdowns_tick_while_the_page_stays_open(page: Page, login, shop, agent):
    # Due in a minute and a half: the shop's 48 hours are nearly over.
    case = _case_opened(shop, agent, hours_ago=0)
    case.due_at = timezone.now() + dt.timedelta(seconds=90)
    case.save(update_fields=["due_at"])
    page.clock.install(time=timezone.now())

    login(agent)
    row = page.locator(f'tr[data-case="{case.number}"]')
    countdown = row.locator(".countdown")
    expect(countdown).to_have_text(re.compile(r"^剩 [01]分钟$"))
    expect(countdown).to_have_class(re.compile(r"\btext-bg-warning\b"))

    page.clock.fast_forward("03:00")

    expect(countdown).to_have_text(re.compile(r"^已超时 [12]分钟$"))
    expect(countdown).to_have_class(re.compile(r"\btext-bg-danger\b"))
    expect(row).to_have_class(re.compile(r"\boverdue\b"))


def test_a_supervisor_finds_the_escalated_cases_and_the_approvals_waiting(
    page: Page, login, screenshot, shop, agent, supervisor
):
    from aftersales.cases.services import cases_escalate_overdue

    late = _case_opened(shop, agent, hours_ago=60)
    _case_opened(shop, agent, hours_ago=1)
    cases_escalate_overdue(now=timezone.now())

    login(supervisor)
    expect(page.locator("#approvals-waiting")).to_have_text(re.compile(r"^待我审批\s*0$"))
    mine = page.locator('#inbox-tabs [data-tab="mine"]')
    expect(mine).to_have_class(re.compile(r"\bactive\b"))
    rows = page.locator("#inbox tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-case", late.number)
    expect(rows.first.locator(".escalated")).to_have_text("已升级主管")
    expect(rows.first.locator(".priority")).to_have_text("紧急")
    expect(page.locator('#inbox-tabs [data-tab="overdue"] .tab-count')).to_have_class(
        re.compile(r"\btext-bg-danger\b")
    )
    screenshot("inbox-supervisor")
