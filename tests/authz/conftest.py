"""The walk's clock, media and story. The personas (agent, supervisor, warehouse of ``shop``; the
outsider of another shop) are the suite's, from tests/conftest.py."""

import pytest

from tests.api import NOW
from tests.authz import Story


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def story(shop, agent, supervisor, warehouse):
    return Story(shop=shop, agent=agent, supervisor=supervisor, warehouse=warehouse)
