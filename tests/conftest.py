"""Personas: an agent, a supervisor, a warehouse clerk of shop A, and an outsider of shop B
who must see nothing of shop A."""

import pytest

from tests.factories import ShopFactory, UserFactory

# The real browser's fixtures (one Chromium for the whole session, whichever folder a browser
# test is in) and the hook that runs browser tests last.
pytest_plugins = ["tests.browser.fixtures"]


@pytest.fixture
def shop(db):
    return ShopFactory(name="袜子旗舰店")


@pytest.fixture
def other_shop(db):
    return ShopFactory(name="别家小店")


@pytest.fixture
def agent(shop):
    return UserFactory(username="agent", roles=["agent"], shops=[shop])


@pytest.fixture
def agent2(shop):
    return UserFactory(username="agent2", roles=["agent"], shops=[shop])


@pytest.fixture
def supervisor(shop):
    return UserFactory(username="supervisor", roles=["supervisor"], shops=[shop])


@pytest.fixture
def warehouse(shop):
    return UserFactory(username="warehouse", roles=["warehouse"], shops=[shop])


@pytest.fixture
def outsider(other_shop):
    return UserFactory(username="outsider", roles=["agent", "supervisor"], shops=[other_shop])


# Property tests share two cores with a live server and a browser; a slow example is not a
# failure of the rule under test.
from hypothesis import settings as hypothesis_settings  # noqa: E402

hypothesis_settings.register_profile("aftersales", deadline=None)
hypothesis_settings.load_profile("aftersales")


@pytest.fixture(autouse=True)
def _chinese_first():
    """Every test starts in the product's first language. A request in English leaves its
    language active on the thread (LocaleMiddleware does not reset it), which would otherwise
    leak into the next test."""
    from django.utils import translation

    translation.activate("zh-hans")
    yield
    translation.deactivate()
