"""A developer's settings (what manage.py uses by default): DEBUG on, for `runserver`.
`make run` serves with config/settings/run.py instead, as production does."""

from .base import *  # noqa: F403

DEBUG = True
