"""A supervisor reads who opened a buyer's phone and address."""

import pytest
from playwright.sync_api import Page, expect

from aftersales.orders.services.contact import contact_reveal

pytestmark = pytest.mark.browser


def test_a_supervisor_reads_the_contact_reveal_log(
    page: Page, login, screenshot, agent, supervisor, signed_order
):
    contact_reveal(user=agent, order=signed_order, via="workbench")
    contact_reveal(user=agent, order=signed_order, via="api")
    login(supervisor)

    page.locator("#nav-reveals").click()

    rows = page.locator("#reveals tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(signed_order.order_no)
    expect(rows.first).to_contain_text("agent")
    page.get_by_label("员工").select_option(label="supervisor")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("#reveals tbody tr")).to_have_text(["没有记录。"])
    screenshot("reveal-log")
