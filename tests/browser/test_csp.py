"""The Content Security Policy holds in a real browser: the workbench's pages and the API's docs
page run with no violation (no inline script, style or handler, nothing from elsewhere), and
what they do still works under it — htmx swaps, the language switch, Swagger UI's rendering.

Every browser test already fails on a console error, which is where Chromium reports a
violation; this one also listens for the ``securitypolicyviolation`` events themselves.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import Page, expect

from aftersales.accounts.services import token_create
from aftersales.cases.services import attachment_add
from aftersales.returns.services import return_case_open
from tests.api import PNG_1X1

pytestmark = pytest.mark.browser

LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def violations(page: Page):
    # A first page of the live server can take longer than 5 s on a machine under load.
    page.set_default_timeout(20_000)
    page.add_init_script(LISTEN)
    console: list[str] = []
    page.on(
        "console",
        lambda m: console.append(m.text) if "Content Security Policy" in m.text else None,
    )

    def seen() -> list[str]:
        return page.evaluate("window.__csp || []") + console

    return seen


@pytest.fixture
def case_with_photo(signed_order, agent, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    line = signed_order.lines.get()
    case = return_case_open(
        order=signed_order,
        kind="return_refund",
        lines=[(line, 1)],
        reason="quality",
        actor=agent,
        now=timezone.now(),
    )
    attachment_add(
        case=case,
        uploaded_by=agent,
        upload=SimpleUploadedFile("破损.png", PNG_1X1),
        now=timezone.now(),
    )
    return case


def test_the_workbench_runs_under_the_policy(
    page: Page, login, screenshot, violations, agent, case_with_photo, signed_order
):
    login(agent)

    # The inbox: htmx loads the tabs' counts (a request and a swap under the policy).
    page.goto("/")
    expect(page.get_by_role("heading", name="售后待办")).to_be_visible()
    expect(page.locator("#inbox-tabs")).to_be_visible()
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    screenshot("csp-inbox")
    assert violations() == []

    # A case page, with its photo served by the case's view.
    page.goto(f"/cases/{case_with_photo.pk}/")
    expect(page.get_by_text(case_with_photo.number).first).to_be_visible()
    photo = page.locator("img.object-fit-cover").first
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.naturalWidth") == 1
    assert photo.evaluate("img => getComputedStyle(img).objectFit") == "cover"
    screenshot("csp-case")
    assert violations() == []

    # The order page; its sign-in form shows the input the chosen precision reads (a
    # handler in static/js/base.js, no longer an inline onchange).
    page.goto(f"/orders/{signed_order.pk}/")
    expect(page.get_by_text(signed_order.order_no).first).to_be_visible()
    form = page.locator(".sign-in-form").first
    form.locator("select[data-shows-for]").select_option("date")
    expect(form.locator('[data-for="date"]')).to_be_visible()
    expect(form.locator('[data-for="exact"]')).to_be_hidden()
    form.locator("select[data-shows-for]").select_option("none")
    expect(form.locator('[data-for="exact date"]')).to_be_hidden()
    screenshot("csp-order")
    assert violations() == []

    # The language switch's handler is a static file now: picking English still switches.
    page.locator("#language-form select").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url.endswith(f"/orders/{signed_order.pk}/")
    page.locator("#language-form select").select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert violations() == []


def test_the_api_docs_page_runs_under_the_policy(page: Page, login, screenshot, violations, agent):
    login(agent)

    page.goto("/api/v1/docs")

    # Swagger UI renders the operations from the schema it fetched.
    # Building the schema takes a few seconds on a busy machine.
    expect(page.locator(".swagger-ui .info .title")).to_contain_text(
        "AfterSales API", timeout=60_000
    )
    expect(page.locator(".opblock-tag-section").first).to_be_visible()
    expect(
        page.locator(".opblock-summary-path", has_text="/api/v1/auth/tokens").first
    ).to_be_visible()
    screenshot("csp-api-docs")
    assert violations() == []


def test_my_tokens_page_revokes_under_the_policy(
    page: Page, login, screenshot, violations, confirmed, agent
):
    token_create(user=agent, name="ERP 同步")
    login(agent)

    page.goto("/accounts/tokens/")
    row = page.locator("#tokens tbody tr", has_text="ERP 同步")
    expect(row).to_contain_text("有效")
    screenshot("csp-tokens")
    row.get_by_role("button", name="作废").click()

    expect(page.locator(".alert-success")).to_contain_text("令牌“ERP 同步”")
    expect(page.locator("#tokens tbody tr", has_text="ERP 同步")).to_contain_text("已作废")
    assert "作废令牌“ERP 同步”" in confirmed[-1]
    screenshot("csp-tokens-revoked")
    assert violations() == []


def test_the_login_page_says_when_an_account_is_locked(browser, live_server, agent):
    # Its own context: the lock answers 429, which Chromium logs as a failed load and the
    # shared page fixture would count as an error.
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.add_init_script(LISTEN)
    try:
        page.goto("/accounts/login/")
        for _ in range(5):
            page.get_by_label("用户名").fill("agent")
            page.get_by_label("密码").fill("wrong-password")
            page.get_by_role("button", name="登录").click()

        expect(page.locator(".alert-danger")).to_contain_text("登录失败次数过多，已暂时锁定")
        page.get_by_label("密码").fill("pw-123456")
        page.get_by_role("button", name="登录").click()
        expect(page.locator(".alert-danger")).to_contain_text("即使密码正确也无法登录")
        expect(page.locator("#current-user")).to_have_count(0)
        folder = Path(settings.VAR_DIR) / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / "csp-login-locked.png"), full_page=True)
        assert page.evaluate("window.__csp") == []
    finally:
        context.close()
