"""A real Chromium (Debian's, through Playwright) against pytest-django's live server.

One browser for the session, a fresh context (cookies, storage) per test. Every page fails its
test on a console error, an uncaught script error, a static asset that does not load, or a
server error, so a missing htmx or a broken template cannot pass unnoticed.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.factories import CarrierFactory, OrderFactory, OrderLineFactory, ShipmentFactory

# Playwright's own browser download is not reachable from our machines; Debian's is.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "pw-123456"  # UserFactory's
DELIBERATE_422 = re.compile(r"^Failed to load resource: .* status of 422 ")

# A person reads the page; give htmx and a page load a moment, not the default 30 s.
expect.set_options(timeout=5_000)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser tests last of all, after pytest-django's own ordering.

    The session's browser keeps Playwright's event loop running in the main thread until the
    session ends; no other test should run under it (an ``asyncio.run`` would refuse to).
    """
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run `make browser`")
    # Playwright's sync API keeps an asyncio event loop running in the main thread while the
    # browser is up. Django then takes every ORM call of the test body (factories,
    # refresh_from_db) for a call from async code and raises SynchronousOnlyOperation. The
    # test is plain synchronous code and the loop only talks to the browser, so the guard is a
    # false alarm here; it is lifted only while the browser runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


_warmed: set[str] = set()


def _warm_up(url: str) -> None:
    """The live server's first request loads the whole URLconf (every app's API and views)
    and compiles the login page's templates: seconds on a busy machine, longer than a
    page's timeout. Done once, before any page is timed."""
    if url in _warmed:
        return
    import urllib.request

    with urllib.request.urlopen(f"{url}/accounts/login/", timeout=120) as response:  # noqa: S310
        response.read()
    _warmed.add(url)


@pytest.fixture
def page(browser, live_server, request) -> Iterator[Page]:
    """A new browser context on the live server (whose database is flushed after each test:
    UserFactory creates the role groups it needs, so no serialized rollback is wanted; it
    would not work anyway, since with Playwright's loop running Django keeps the connection
    in another storage than the one serialized at set-up, see asgiref.local)."""
    _warm_up(live_server.url)
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1366, "height": 900}
    )
    context.set_default_timeout(5_000)
    page = context.new_page()
    problems: list[str] = []

    def on_console(message) -> None:
        # A form with errors answers 422 on purpose (the test client tests pin it); Chromium
        # reports every 4xx document as a console error.
        if message.type == "error" and not DELIBERATE_422.search(message.text):
            problems.append(f"console error: {message.text} ({message.location.get('url')})")

    def is_static(url: str) -> bool:
        return url.removeprefix(live_server.url).startswith(settings.STATIC_URL)

    def on_response(response) -> None:
        if response.status >= 500 or (is_static(response.url) and response.status >= 400):
            problems.append(f"{response.status} {response.url}")

    def on_request_failed(request) -> None:
        # Only assets: a page request may be cut short on purpose by the next navigation.
        if is_static(request.url):
            problems.append(f"request failed: {request.url} {request.failure}")

    # Money and irreversible actions ask first (hx-confirm): the person reads and accepts.
    # What they were asked is kept, so a test can check that the question names the amount.
    confirmed: list[str] = []
    request.node.confirmed = confirmed

    def on_dialog(dialog) -> None:
        confirmed.append(dialog.message)
        dialog.accept()

    page.on("dialog", on_dialog)
    page.on("console", on_console)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("response", on_response)
    page.on("requestfailed", on_request_failed)
    yield page
    context.close()
    assert not problems, "\n".join(problems)


@pytest.fixture
def confirmed(page: Page, request) -> list[str]:
    """The confirmation questions the page has asked so far, in order."""
    return request.node.confirmed


@pytest.fixture
def login(page: Page) -> Callable:
    """Log in through the real form, as a person would, and land on the inbox."""

    def login(user) -> None:
        page.goto("/accounts/login/")
        page.get_by_label("用户名").fill(user.username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page.locator("#current-user")).to_have_text(str(user))
        expect(page.get_by_role("heading", name="售后待办")).to_be_visible()

    return login


@pytest.fixture
def logout(page: Page) -> Callable:
    def logout() -> None:
        page.get_by_role("button", name="退出").click()
        expect(page.get_by_role("heading", name="登录售后工作台")).to_be_visible()
        expect(page.locator("#current-user")).to_have_count(0)

    return logout


@pytest.fixture
def act(page: Page) -> Callable:
    """Fill one action form on the case page and submit it through htmx.

    ``fields`` maps a label to a value: a string is typed (or chosen, for a select), a bool
    ticks or clears a checkbox. Waiting for the outcome is the caller's: the status badge
    after a reload, or an error in place.
    """

    def act(action: str, label: str, fields: dict | None = None) -> None:
        form = page.locator(f"#action-{action}")
        for name, value in (fields or {}).items():
            field = form.get_by_label(name, exact=True)
            if isinstance(value, bool):
                field.set_checked(value)
            elif field.evaluate("el => el.tagName") == "SELECT":
                field.select_option(label=value)
            else:
                field.fill(value)
        form.get_by_role("button", name=label, exact=True).click()

    return act


@pytest.fixture
def screenshot(page: Page) -> Callable:
    def screenshot(name: str) -> Path:
        folder = Path(settings.VAR_DIR) / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return screenshot


@pytest.fixture
def signed_order(shop):
    """An order of the shop whose parcel the buyer signed for exactly a day ago: inside the
    seven-day window, whatever day the suite runs."""
    now = timezone.now()
    order = OrderFactory(
        shop=shop, created_at=now - dt.timedelta(days=4), paid_at=now - dt.timedelta(days=4)
    )
    OrderLineFactory(order=order, line_no=1)
    ShipmentFactory(
        order=order,
        shipped_at=now - dt.timedelta(days=3),
        sign_precision="exact",
        signed_at=now - dt.timedelta(days=1),
    )
    return order


@pytest.fixture
def sf_express(db):
    """A second carrier, for the buyer's return and the replacement parcel."""
    return CarrierFactory(code="sf", name="顺丰速运")
