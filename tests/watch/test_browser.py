"""The agent's follow-up journey in a real browser: the menu's count, the queue, taking a
follow-up, logging a call, settling it after a confirmation that says what will happen."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from aftersales.watch.models import FollowUp
from aftersales.watch.sweep import followups_sweep
from tests.watch.helpers import parcel

pytestmark = pytest.mark.browser


def test_an_agent_works_a_stalled_parcel(page: Page, login, screenshot, confirmed, shop, agent):
    now = timezone.now()
    stalled, _ = parcel(shop, at=now - dt.timedelta(days=3))
    refused, _ = parcel(shop, "refused", at=now - dt.timedelta(hours=1))
    followups_sweep(now=now)
    f = FollowUp.objects.get(order=stalled)

    # The machine the suite shares may be slow to answer; the journey is what is checked.
    page.set_default_timeout(30_000)
    login(agent)
    expect(page.locator("#followup-count")).to_have_text("2")
    page.locator("#nav-watch").click()
    expect(page.get_by_role("heading", name="跟踪任务")).to_be_visible()
    expect(page.locator("#followup-queue tbody tr.work-slot")).to_have_count(2)
    page.locator("#queue-filter select[name=kind]").select_option("stalled")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#followup-queue tbody tr.work-slot")).to_have_count(1)
    row = page.locator(f"#followup-{f.pk}")
    expect(row).to_contain_text(stalled.order_no)
    expect(row).to_contain_text("物流停滞")

    row.get_by_role("button", name="领取").click()
    expect(page.locator(f"#followup-{f.pk} .followup-assignee")).to_have_text(str(agent))
    # The row was swapped in place: still one row and one work slot.
    expect(page.locator("#followup-queue tbody tr.work-slot")).to_have_count(1)
    page.locator(f"#followup-{f.pk}").get_by_role("button", name="处理").click()
    work = page.locator(f"#work-{f.pk}")
    expect(work).to_be_visible()
    work.get_by_label("联系方式").first.select_option("phone")
    work.get_by_label("沟通内容").fill("买家说还没收到，已催快递今天派送")
    work.locator(".contact-form").get_by_label("结果").select_option("no_answer")
    work.get_by_role("button", name="记录联系").click()
    expect(page.locator(f"#work-{f.pk} .contact-log")).to_contain_text("已催快递今天派送")
    screenshot("watch-followup-work")

    page.locator(f"#work-{f.pk}").get_by_label("处理结果").fill("快递已派送，买家确认收到")
    page.locator(f"#work-{f.pk}").get_by_role("button", name="已处理").click()
    expect(page.locator(f"#work-{f.pk} .followup-status")).to_have_text("已处理")
    assert confirmed == [
        f"将订单 {stalled.order_no} 的这条跟踪任务标记为已处理？处理后不能再记录联系。"
    ]
    f.refresh_from_db()
    assert (f.status, f.result, f.assignee) == ("done", "快递已派送，买家确认收到", agent)
    assert refused.followups.get().status == "open"
