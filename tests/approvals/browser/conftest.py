"""The suite's real Chromium (tests/browser/conftest.py), for the approver's journey."""

from tests.browser.conftest import (  # noqa: F401 - fixtures and the hook that runs them last
    browser,
    confirmed,
    login,
    page,
    pytest_collection_modifyitems,
    screenshot,
)
