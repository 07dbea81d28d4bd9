"""A developer's settings (what manage.py uses by default), for `runserver`.

DEBUG only when asked for (DJANGO_DEBUG=1): a checkout started without settings never serves
Django's debug pages, which show settings and source to whoever reaches the port. Static files
are served from the apps' folders either way (whitenoise's finders), with no collectstatic.
`make run` serves with config/settings/run.py instead, as production does."""

from .base import *  # noqa: F403
from .base import env_flag, env_list

DEBUG = env_flag("DJANGO_DEBUG", False)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# A developer's parcels are tracked by the simulated carrier unless adapters are named.
TRACKING_ADAPTERS = env_list("TRACKING_ADAPTERS") or [
    "aftersales.tracking.adapters.SimulatedCarrierAdapter"
]
